// A thread that sends the trace while the program keeps the main thread busy. A script stuck in
// an endless loop never lets the runner's own flush timer run, so without it the trace would stop
// at the last flush before the loop and never show which task holds the loop.
// The encoder writes its records into shared memory and says where the complete ones end; this
// thread sends them only once the main thread has written nothing new for a while, and a lock
// keeps its frames and the main thread's in order.
import { Worker } from 'node:worker_threads';
import type { FrameMemory } from '../../trace/codec';

/** Slots of the shared control block. */
const LOCK = 0;
const COMMITTED = 1;
const SENT = 2;
const GENERATION = 3;
/** Where records start in the encoder's buffer (the frame's length comes first). */
const FIRST_RECORD = 4;
/** The thread looks every TICK_MS and steps in after QUIET_TICKS looks without news from the main thread. */
const TICK_MS = 25;
const QUIET_TICKS = 2;

// Plain CommonJS run with `eval`: the runner is one bundle, so the thread cannot load a file of it.
const THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const [LOCK, COMMITTED, SENT, GENERATION, TICK_MS, QUIET_TICKS] = ${JSON.stringify([LOCK, COMMITTED, SENT, GENERATION, TICK_MS, QUIET_TICKS])};
const { control, fd } = workerData;
let buffer = new Uint8Array(workerData.buffer);
let generation = workerData.generation;
parentPort.on('message', (m) => {
  if (m.generation > generation) { generation = m.generation; buffer = new Uint8Array(m.buffer); }
});
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeAll(bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    try { offset += fs.writeSync(fd, bytes, offset, bytes.length - offset); }
    catch (err) { if (err.code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; } return false; }
  }
  return true;
}
let seen = -1;
let quiet = 0;
const timer = setInterval(() => {
  const committed = Atomics.load(control, COMMITTED);
  if (committed !== seen) { seen = committed; quiet = 0; return; }
  if (++quiet < QUIET_TICKS || Atomics.compareExchange(control, LOCK, 0, 1) !== 0) return;
  try {
    const from = Atomics.load(control, SENT);
    const to = Atomics.load(control, COMMITTED);
    if (Atomics.load(control, GENERATION) !== generation || to <= from) return;
    const frame = new Uint8Array(4 + to - from);
    frame.set(buffer.subarray(from, to), 4);
    new DataView(frame.buffer).setUint32(0, to - from, true);
    if (!writeAll(frame)) clearInterval(timer);
    Atomics.store(control, SENT, to);
  } finally {
    Atomics.store(control, LOCK, 0);
    Atomics.notify(control, LOCK);
  }
}, TICK_MS);
`;

export class FlusherThread implements FrameMemory {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * 4));
  private buffer: Uint8Array | undefined;
  private worker: Worker | undefined;

  constructor(private readonly fd: number) {
    this.control[SENT] = FIRST_RECORD;
    this.control[COMMITTED] = FIRST_RECORD;
  }

  /** Starts the thread (call it untraced: its own resources are not the program's). Without one, the main thread sends everything. */
  start(): void {
    // `new Worker` queues a process.nextTick (its 'worker' event): the first microtasks of the
    // program would then run inside Node's tick processing, one more frame in the stack trace of
    // an error they throw. Queued as a microtask instead, nothing the program prints changes.
    const nextTick = process.nextTick;
    process.nextTick = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => callback(...args))) as typeof process.nextTick;
    try {
      this.worker = new Worker(THREAD_SOURCE, {
        eval: true,
        workerData: { control: this.control, fd: this.fd, buffer: this.buffer!.buffer, generation: this.control[GENERATION] },
        env: {},
        stdout: true,
        stderr: true,
      });
      this.worker.unref();
      this.worker.on('error', () => undefined);
    } catch {
      this.worker = undefined;
    } finally {
      process.nextTick = nextTick;
    }
  }

  allocate(bytes: number, old: Uint8Array | undefined, keep: number): Uint8Array {
    const next = new Uint8Array(new SharedArrayBuffer(bytes));
    this.locked(() => {
      if (old !== undefined) next.set(old.subarray(0, keep));
      this.buffer = next;
      const generation = ++this.control[GENERATION];
      this.worker?.postMessage({ generation, buffer: next.buffer });
    });
    return next;
  }

  committed(end: number): void {
    Atomics.store(this.control, COMMITTED, end);
  }

  /**
   * Runs `send` with the records the thread has not sent yet (from that offset in the buffer),
   * while the thread cannot send; the encoder starts a new frame in it.
   */
  sendRest(send: (from: number) => void): void {
    this.locked(() => {
      send(Atomics.load(this.control, SENT));
      Atomics.store(this.control, SENT, FIRST_RECORD);
      Atomics.store(this.control, COMMITTED, FIRST_RECORD);
    });
  }

  private locked(fn: () => void): void {
    const control = this.control;
    while (Atomics.compareExchange(control, LOCK, 0, 1) !== 0) Atomics.wait(control, LOCK, 1, 5);
    try {
      fn();
    } finally {
      Atomics.store(control, LOCK, 0);
      Atomics.notify(control, LOCK);
    }
  }
}
