// A thread that sends the trace while the program keeps its threads busy. A script stuck in an
// endless loop never lets the runner's own flush timer run, so without it the trace would stop at
// the last flush before the loop and never show which task holds the loop.
// Each traced thread's encoder writes its records into a channel of shared memory and says where
// the complete ones end; this thread sends them once that thread has written nothing new for a
// while (or has gone: a worker the program terminated), and locks keep frames whole and in order.
import { Worker } from 'node:worker_threads';
import { Op } from '../../trace/codec';
import { framed, type FrameMemory } from '../../trace/frameEncoder';

/** Slots of a channel's control block. */
const LOCK = 0;
const COMMITTED = 1;
const SENT = 2;
/** Bumped as the channel's buffer is replaced: the flusher thread sends from the one it knows only. */
const GENERATION = 3;
/** The worker thread whose records the channel holds (0: the main thread's; not yet known). */
const THREAD = 4;
/** Set by a worker thread as it exits, everything sent: its channel is let go of. */
const DONE = 5;
/** The worker thread's own task, once it has one: its parent ends it if the thread is terminated. */
const ROOT = 6;
const CONTROL_SLOTS = 7;
/** Where records start in a channel's buffer (the frame's length comes first). */
const FIRST_RECORD = 4;
/** The thread looks every TICK_MS and steps in after QUIET_TICKS looks without news from a channel. */
const TICK_MS = 25;
const QUIET_TICKS = 2;
/** A worker thread's channel: records up to this size stay where the flusher thread can send them. */
const WORKER_CHANNEL_BYTES = 1024 * 1024;

/** A worker thread's channel as its parent thread makes it: shared memory, handed over in the worker's environment data. */
export interface ChannelMemory {
  control: SharedArrayBuffer;
  buffer: SharedArrayBuffer;
}

// Plain CommonJS run with `eval`: the runner is one bundle, so the thread cannot load a file of it.
// Channel 0 is the main thread's, whose lock is the side channel's: every write holds it.
const THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const [LOCK, COMMITTED, SENT, GENERATION, THREAD, DONE, TICK_MS, QUIET_TICKS] = ${JSON.stringify([LOCK, COMMITTED, SENT, GENERATION, THREAD, DONE, TICK_MS, QUIET_TICKS])};
const { fd } = workerData;
const channels = [];
function add(control, buffer, generation) {
  channels.push({ control: new Int32Array(control), buffer: new Uint8Array(buffer), generation, seen: -1, quiet: 0 });
}
add(workerData.control, workerData.buffer, workerData.generation);
parentPort.on('message', (m) => {
  if (m.add) add(m.add.control, m.add.buffer, 0);
  else if (m.generation > channels[0].generation) { channels[0].generation = m.generation; channels[0].buffer = new Uint8Array(m.buffer); }
});
const pause = new Int32Array(new SharedArrayBuffer(4));
let broken = false;
function writeAll(bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    try { offset += fs.writeSync(fd, bytes, offset, bytes.length - offset); }
    catch (err) { if (err.code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; } broken = true; return; }
  }
}
function header(thread) {
  if (thread === 0) return [];
  const bytes = [${Op.Thread}];
  for (let n = thread; ; n = Math.floor(n / 0x80)) { if (n < 0x80) { bytes.push(n); return bytes; } bytes.push((n % 0x80) | 0x80); }
}
function send(channel, main) {
  const control = channel.control;
  if (Atomics.compareExchange(control, LOCK, 0, 1) !== 0) return;
  const writes = main.control;
  if (channel !== main && Atomics.compareExchange(writes, LOCK, 0, 1) !== 0) { Atomics.store(control, LOCK, 0); return; }
  try {
    const from = Atomics.load(control, SENT);
    const to = Atomics.load(control, COMMITTED);
    const thread = Atomics.load(control, THREAD);
    if (Atomics.load(control, GENERATION) !== channel.generation || to <= from || (channel !== main && thread === 0)) return;
    const head = header(thread);
    const frame = new Uint8Array(4 + head.length + to - from);
    new DataView(frame.buffer).setUint32(0, head.length + to - from, true);
    frame.set(head, 4);
    frame.set(channel.buffer.subarray(from, to), 4 + head.length);
    writeAll(frame);
    Atomics.store(control, SENT, to);
  } finally {
    if (channel !== main) { Atomics.store(writes, LOCK, 0); Atomics.notify(writes, LOCK); }
    Atomics.store(control, LOCK, 0);
    Atomics.notify(control, LOCK);
  }
}
const timer = setInterval(() => {
  for (let i = channels.length - 1; i > 0; i--) if (Atomics.load(channels[i].control, DONE) === 1) channels.splice(i, 1);
  for (const channel of channels) {
    if (broken) { clearInterval(timer); return; }
    const committed = Atomics.load(channel.control, COMMITTED);
    if (committed !== channel.seen) { channel.seen = committed; channel.quiet = 0; continue; }
    if (++channel.quiet >= QUIET_TICKS) send(channel, channels[0]);
  }
}, TICK_MS);
`;

/**
 * One thread's records in shared memory, with where the complete ones end and what of them was
 * sent. The main thread's grows as it needs; a worker thread's is the one its parent made, shared
 * with the flusher thread, while its records fit (beyond, they are the worker's own to send).
 */
export class FrameChannel implements FrameMemory {
  readonly control: Int32Array;
  private buffer: Uint8Array | undefined;
  /** The thread watching a worker's channel holds its lock while the worker is being terminated (see holdWhileTerminated). */
  private held = false;
  /** Told of each buffer the main thread's channel grows into. */
  onBuffer: ((generation: number, buffer: SharedArrayBuffer) => void) | undefined;

  /**
   * The main thread's channel, or (`memory` and `writes`: the main thread's control block, whose
   * lock every write holds) a worker thread's, whose critical sections hold the locks of the
   * channels of the workers it runs under too (`ancestors`, see lineage).
   */
  private constructor(memory: ChannelMemory | undefined, private readonly writes: Int32Array | undefined, private readonly ancestors: Int32Array[] = []) {
    this.control = new Int32Array(memory?.control ?? new SharedArrayBuffer(4 * CONTROL_SLOTS));
    this.buffer = memory && new Uint8Array(memory.buffer);
  }

  static main(): FrameChannel {
    const channel = new FrameChannel(undefined, undefined);
    channel.control[SENT] = FIRST_RECORD;
    channel.control[COMMITTED] = FIRST_RECORD;
    return channel;
  }

  /** Memory for a worker thread's channel, made by the thread that starts it. */
  static memoryForWorker(): ChannelMemory {
    const control = new SharedArrayBuffer(4 * CONTROL_SLOTS);
    const slots = new Int32Array(control);
    slots[SENT] = FIRST_RECORD;
    slots[COMMITTED] = FIRST_RECORD;
    return { control, buffer: new SharedArrayBuffer(WORKER_CHANNEL_BYTES) };
  }

  /**
   * The channel in `memory`, as the thread that made it for a worker sees it (see sendLeftover);
   * `ancestors`: that thread's lineage.
   */
  static watching(memory: ChannelMemory, writes: SharedArrayBuffer, ancestors: SharedArrayBuffer[]): FrameChannel {
    return new FrameChannel(memory, new Int32Array(writes), ancestors.map((a) => new Int32Array(a)));
  }

  /**
   * Worker thread `thread`'s channel in `memory` (`writes`: the main thread's control block;
   * `ancestors`: its parent thread's lineage), or undefined when another thread has it: a worker
   * started where the tracer did not see it (past the event cap) finds the memory its parent's
   * last traced worker was handed.
   */
  static worker(memory: ChannelMemory, writes: SharedArrayBuffer, thread: number, ancestors: SharedArrayBuffer[]): FrameChannel | undefined {
    const channel = new FrameChannel(memory, new Int32Array(writes), ancestors.map((a) => new Int32Array(a)));
    return Atomics.compareExchange(channel.control, THREAD, 0, thread) === 0 ? channel : undefined;
  }

  /**
   * The control blocks whose locks the critical sections of this thread's workers' channels hold
   * besides their own: this channel's and its ancestors' (none for the main thread's). Node stops
   * a worker's workers as it ends; while the thread ending or terminating it holds its lock, they
   * wait at it holding nothing of the side channel's as they are stopped.
   */
  lineage(): SharedArrayBuffer[] {
    if (this.writes === undefined) return [];
    return [this.control.buffer as SharedArrayBuffer, ...this.ancestors.map((a) => a.buffer as SharedArrayBuffer)];
  }

  get buffers(): { control: SharedArrayBuffer; buffer: SharedArrayBuffer | undefined; generation: number } {
    return { control: this.control.buffer as SharedArrayBuffer, buffer: this.buffer?.buffer as SharedArrayBuffer | undefined, generation: this.control[GENERATION] };
  }

  allocate(bytes: number, old: Uint8Array | undefined, keep: number): Uint8Array {
    if (this.writes !== undefined) {
      const shared = this.buffer!;
      if (old === undefined && bytes <= shared.length) return shared;
      // Too big for the shared buffer: the worker sends its records itself from here on.
      const next = new Uint8Array(bytes);
      this.locked(() => {
        if (old !== undefined) next.set(old.subarray(0, keep));
        this.buffer = next;
        this.control[GENERATION]++;
      });
      return next;
    }
    const next = new Uint8Array(new SharedArrayBuffer(bytes));
    this.locked(() => {
      if (old !== undefined) next.set(old.subarray(0, keep));
      this.buffer = next;
      const generation = ++this.control[GENERATION];
      this.onBuffer?.(generation, next.buffer as SharedArrayBuffer);
    });
    return next;
  }

  committed(end: number): void {
    Atomics.store(this.control, COMMITTED, end);
  }

  /**
   * Runs `send` with the records the flusher thread has not sent yet (from that offset in the
   * buffer), while no other thread can send; the encoder starts a new frame in it.
   */
  sendRest(send: (from: number) => void): void {
    this.locked(() => {
      send(Atomics.load(this.control, SENT));
      Atomics.store(this.control, SENT, FIRST_RECORD);
      Atomics.store(this.control, COMMITTED, FIRST_RECORD);
    });
  }

  /** Says that nobody need look at the channel again: its worker thread has sent everything, or another thread has for it. */
  close(): void {
    Atomics.store(this.control, DONE, 1);
  }

  get rootTask(): number {
    return Atomics.load(this.control, ROOT);
  }

  set rootTask(id: number) {
    Atomics.store(this.control, ROOT, id);
  }

  /**
   * Takes the channel's lock until `letGo`, called by the thread that is terminating the channel's
   * worker. Terminated inside a critical section of its channel (a flush), the worker would keep
   * the side channel's lock for good, and every thread writing would wait forever; it waits at
   * the lock instead, holding nothing, while it stops.
   */
  holdWhileTerminated(): void {
    if (!this.held && lockUnlessDone(this.control)) this.held = true;
  }

  /**
   * Takes this thread's own channel's lock for good as the worker thread exits (see lineage): Node
   * stops its workers after its exit listeners have run.
   */
  holdAsExiting(): void {
    if (!this.held) lock(this.control);
    this.held = true;
  }

  /** Gives back the lock holdWhileTerminated took, if it did: the worker's thread has ended. */
  letGo(): void {
    if (!this.held) return;
    this.held = false;
    unlock(this.control);
  }

  /** The worker thread has exited and sent everything. */
  get done(): boolean {
    return Atomics.load(this.control, DONE) === 1;
  }

  /**
   * Sends, through `write`, the complete records of a worker thread's channel nobody has sent: at
   * the program's exit, a worker it terminated (or that runs on) has no chance to.
   */
  sendLeftover(write: (frame: Uint8Array) => void): void {
    this.locked(() => {
      const from = this.control[SENT];
      const to = this.control[COMMITTED];
      const thread = this.control[THREAD];
      if (this.control[GENERATION] !== 0 || to <= from || thread === 0) return;
      write(framed(this.buffer!.subarray(from, to), thread));
      this.control[SENT] = to;
    });
  }

  /** Runs `fn` holding this channel's lock (unless it is done: nothing is left to do), its ancestors' and the side channel's. */
  private locked(fn: () => void): void {
    const own = !this.held; // held, the lock is this thread's already
    if (own && !lockUnlessDone(this.control)) return;
    try {
      if (this.writes === undefined) fn();
      else {
        for (const ancestor of this.ancestors) lock(ancestor);
        lock(this.writes);
        try {
          fn();
        } finally {
          unlock(this.writes);
          for (let i = this.ancestors.length - 1; i >= 0; i--) unlock(this.ancestors[i]);
        }
      }
    } finally {
      if (own) unlock(this.control);
    }
  }
}

function lock(control: Int32Array): void {
  while (Atomics.compareExchange(control, LOCK, 0, 1) !== 0) Atomics.wait(control, LOCK, 1, 5);
}

/** Takes the lock of a channel, unless its worker has exited first (its lock may then stay taken): whether it did. */
function lockUnlessDone(control: Int32Array): boolean {
  while (Atomics.compareExchange(control, LOCK, 0, 1) !== 0) {
    if (Atomics.load(control, DONE) === 1) return false;
    Atomics.wait(control, LOCK, 1, 5);
  }
  return true;
}

function unlock(control: Int32Array): void {
  Atomics.store(control, LOCK, 0);
  Atomics.notify(control, LOCK);
}

export class FlusherThread {
  private worker: Worker | undefined;

  constructor(private readonly fd: number, private readonly main: FrameChannel) {
    main.onBuffer = (generation, buffer) => this.worker?.postMessage({ generation, buffer });
  }

  /** Starts the thread (call it untraced: its own resources are not the program's). Without one, each thread sends everything itself. */
  start(): void {
    // `new Worker` queues a process.nextTick (its 'worker' event): the first microtasks of the
    // program would then run inside Node's tick processing, one more frame in the stack trace of
    // an error they throw. Queued as a microtask instead, nothing the program prints changes.
    const nextTick = process.nextTick;
    process.nextTick = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => callback(...args))) as typeof process.nextTick;
    try {
      this.worker = new Worker(THREAD_SOURCE, {
        eval: true,
        workerData: { fd: this.fd, ...this.main.buffers },
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

  /** Has the thread send a worker thread's channel too. */
  watch(memory: ChannelMemory): void {
    this.worker?.postMessage({ add: memory });
  }
}
