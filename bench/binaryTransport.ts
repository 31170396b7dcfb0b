// Carries host messages into the benchmark's page the way VS Code carries them to a webview since
// 1.57: the fields as JSON, typed arrays as raw bytes beside it, then window.postMessage in the page.
// (Playwright's page.evaluate moves about 16 MB/s, far slower than VS Code's IPC, and would
// measure itself rather than the panel.) The page long-polls a local server for the next message.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { HostMessage } from '../src/shared/protocol';

export class BinaryTransport {
  private readonly queue: Buffer[] = [];
  private waiting: http.ServerResponse | undefined;

  private constructor(private readonly server: http.Server) {}

  /** Starts the server and the page's receiving loop; the page must bypass CSP to fetch from it. */
  static async open(page: Page): Promise<BinaryTransport> {
    const server = http.createServer();
    const transport = new BinaryTransport(server);
    server.on('request', (_req, res) => {
      res.setHeader('access-control-allow-origin', '*');
      transport.waiting = res;
      transport.pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await page.evaluate((url) => {
      const receive = async (): Promise<void> => {
        for (;;) {
          const bytes = await (await fetch(url)).arrayBuffer();
          const view = new DataView(bytes);
          const jsonLength = view.getUint32(0, true);
          const json = new TextDecoder().decode(new Uint8Array(bytes, 4, jsonLength));
          const buffers: Float64Array[] = [];
          for (let at = 4 + jsonLength; at < bytes.byteLength; ) {
            const length = view.getUint32(at, true);
            buffers.push(new Float64Array(bytes.slice(at + 4, at + 4 + length)));
            at += 4 + length;
          }
          const message = JSON.parse(json, (_key, value) => (value && typeof value === 'object' && '$buffer' in value ? buffers[value.$buffer] : value));
          window.postMessage(message, '*');
        }
      };
      void receive();
    }, `http://127.0.0.1:${(server.address() as AddressInfo).port}/next`);
    return transport;
  }

  send(message: HostMessage): void {
    const buffers: Float64Array[] = [];
    const json = Buffer.from(JSON.stringify(message, (_key, value) => (value instanceof Float64Array ? { $buffer: buffers.push(value) - 1 } : value)));
    const parts: Buffer[] = [u32(json.length), json];
    for (const b of buffers) parts.push(u32(b.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    this.queue.push(Buffer.concat(parts));
    this.pump();
  }

  close(): void {
    this.waiting?.destroy();
    this.server.close();
  }

  private pump(): void {
    if (!this.waiting || this.queue.length === 0) return;
    const res = this.waiting;
    this.waiting = undefined;
    res.end(this.queue.shift());
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
