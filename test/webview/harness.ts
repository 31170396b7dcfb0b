// Serves the built webview (dist/webview.js, dist/webview.css) behind the same page and CSP the
// extension uses, in headless Chromium, with a stand-in for the VS Code side of postMessage.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pageHtml } from '../../src/panel/pageHtml';
import type { HostMessage, WebviewMessage } from '../../src/shared/protocol';
import { projectRoot } from '../projectRoot';

/** The project folder: the nearest one above this bundle with a package.json. */
const ROOT = projectRoot(__dirname);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY3';

export interface WebviewHarness {
  page: Page;
  /** Messages the webview sent to the host, in order. */
  sent: WebviewMessage[];
  /** Calls `listener` with each message the webview sends from now on. */
  onSent(listener: (message: WebviewMessage) => void): void;
  post(message: HostMessage): Promise<void>;
  /** What the webview saved with setState (its zoom, selection, filter). */
  viewState(): Promise<Record<string, unknown> | undefined>;
  /** Waits until the webview has sent a message that `match` accepts, and returns it. */
  waitForSent(match: (m: WebviewMessage) => boolean): Promise<WebviewMessage>;
  close(): Promise<void>;
}

let browser: Browser | undefined;

/**
 * `bypassCSP` only for benchmarks that feed the page through their own transport; `state`: what
 * an earlier page saved with setState, as VS Code hands it back to a panel shown again.
 */
export async function openWebview(options: { bypassCSP?: boolean; state?: Record<string, unknown> } = {}): Promise<WebviewHarness> {
  const server = http.createServer((req, res) => {
    const file = { '/webview.js': 'dist/webview.js', '/webview.css': 'dist/webview.css' }[req.url ?? ''];
    if (req.url === '/') {
      res.setHeader('content-type', 'text/html');
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      res.end(pageHtml({ nonce: NONCE, cspSource: origin, scriptUri: `${origin}/webview.js`, styleUri: `${origin}/webview.css` }));
    } else if (file) {
      res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : 'text/css');
      res.end(fs.readFileSync(path.join(ROOT, file)));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ bypassCSP: options.bypassCSP ?? false });
  const sent: WebviewMessage[] = [];
  const listeners: ((message: WebviewMessage) => void)[] = [];
  await page.exposeFunction('__tasklaneSend', (message: WebviewMessage) => {
    sent.push(message);
    for (const listener of listeners) listener(message);
  });
  await page.addInitScript((saved) => {
    const w = window as unknown as { acquireVsCodeApi: () => unknown; __tasklaneSend: (m: unknown) => void; __tasklaneState: unknown };
    w.__tasklaneState = saved;
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => w.__tasklaneSend(m),
      getState: () => w.__tasklaneState,
      setState: (s: unknown) => {
        w.__tasklaneState = s;
      },
    });
  }, options.state);
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return {
    page,
    sent,
    onSent: (listener) => listeners.push(listener),
    post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
    viewState: () => page.evaluate(() => (window as unknown as { __tasklaneState?: Record<string, unknown> }).__tasklaneState),
    waitForSent: async (match) => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = sent.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`the webview did not send the expected message; it sent ${JSON.stringify(sent)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      await page.close();
      server.close();
    },
  };
}

/** Closes the shared browser (idempotent). */
export async function closeBrowser(): Promise<void> {
  const b = browser;
  browser = undefined;
  await b?.close();
}
