// Sends encoded frames down the side channel with synchronous writes, so nothing buffered is
// lost when the program dies right after; a slow reader slows the program rather than losing data.
// The flusher thread sends what a thread cannot while the program keeps it busy.
import * as fs from 'node:fs';
import { STREAM_MAGIC } from '../../trace/codec';
import type { FrameEncoder } from '../../trace/frameEncoder';
import type { FrameChannel } from './flusherThread';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export class FrameSink {
  broken = false;

  constructor(private readonly fd: number, private readonly encoder: FrameEncoder, private readonly channel: FrameChannel) {}

  /** Starts the stream (the main thread's sink, once). */
  open(): void {
    this.write(STREAM_MAGIC);
  }

  flush(): void {
    this.channel.sendRest((from) => {
      const frame = this.encoder.takeFrame(from);
      if (frame) this.write(frame);
    });
  }

  /** Writes bytes whole (call it holding the side channel's lock, as `flush` does). */
  readonly write = (bytes: Uint8Array): void => {
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
  };
}
