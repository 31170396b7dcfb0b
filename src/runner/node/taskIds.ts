// Task ids, unique across the program's threads: each traced thread takes them in blocks from one
// counter in shared memory, so a program without workers numbers its tasks 1, 2, 3… as before.

/** Ids a thread takes at a time: one atomic add per block, not per task. */
const BLOCK = 256;

export class TaskIds {
  private next = 0;
  private end = 0;
  private readonly counter: Int32Array;

  /** `counter`: the shared counter (a new one, for the main thread, starts at 1). */
  constructor(counter?: SharedArrayBuffer) {
    this.counter = new Int32Array(counter ?? new SharedArrayBuffer(4));
    if (counter === undefined) this.counter[0] = 1;
  }

  get shared(): SharedArrayBuffer {
    return this.counter.buffer as SharedArrayBuffer;
  }

  take(): number {
    if (this.next === this.end) {
      this.next = Atomics.add(this.counter, 0, BLOCK);
      this.end = this.next + BLOCK;
    }
    return this.next++;
  }
}
