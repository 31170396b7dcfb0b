// Sends encoded frames down the side channel with synchronous writes, so nothing buffered is
// lost when the program dies right after; a slow reader slows the program rather than losing data.
// The flusher thread sends what the main thread cannot while the program keeps it busy.
import * as fs from 'node:fs';
import { STREAM_MAGIC, type FrameEncoder } from '../../trace/codec';
import type { FlusherThread } from './flusherThread';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export class FrameSink {
  broken = false;

  constructor(private readonly fd: number, private readonly encoder: FrameEncoder, private readonly flusher: FlusherThread) {
    this.write(STREAM_MAGIC);
  }

  flush(): void {
    this.flusher.sendRest((from) => {
      const frame = this.encoder.takeFrame(from);
      if (frame) this.write(frame);
    });
  }

  private write(bytes: Uint8Array): void {
    if (this.broken) return;
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += fs.writeSync(this.fd, bytes, offset, bytes.length - offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(sleepCell, 0, 0, 1); // the reader is behind: wait for it
          continue;
        }
        this.broken = true; // the reader is gone; the program goes on untraced
        return;
      }
    }
  }
}
