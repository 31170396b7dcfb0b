// The runner → host wire format: a 4-byte magic, then frames of [u32le length][records].
// Records are an opcode byte and varint fields; times are nanosecond deltas; repeated
// strings are sent once (a STRING record) and referenced by id afterwards. A frame that starts with
// a THREAD record holds a worker thread's records: each thread has its own strings and clock deltas
// (its encoder is its own), so frames of several threads may interleave.
import { END_STATES, EXIT_REASONS, TASK_KINDS, type EndState, type ExitReason, type TaskKind, type TraceEvent, type TraceSink } from './events';

export const STREAM_MAGIC = Uint8Array.from([0x54, 0x4c, 0x46, 0x31]); // "TLF1"
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export const enum Op {
  String = 0,
  Start = 1,
  Task = 2,
  Rename = 3,
  Run = 4,
  Await = 5,
  AwaitBy = 6,
  Join = 7,
  End = 8,
  Dropped = 9,
  Exit = 10,
  /** A run and the await that ends it, in one record (the Python runner's commonest step). */
  Step = 11,
  /** A run and the task's end with it, resolved (the Python runner's commonest last step). */
  StepEnd = 12,
  /** An end timed before the latest record: [how long before][the End record's fields]. */
  EndBefore = 13,
  Signal = 14,
  Recast = 15,
  WaitOn = 16,
  /** An await timed before the latest record: [how long before][the Await record's fields]. */
  AwaitBefore = 17,
  /** [thread id]: the frame's records are that thread's (first in its frame only). */
  Thread = 18,
  /**
   * [loop]: the records that follow in the frame are on that thread's event loop (the Python runner's
   * loops in several threads, which share its strings and clock). A frame starts on its thread's.
   */
  Loop = 19,
}

/** A record this much before the latest or less is written at it: an EndBefore or AwaitBefore record's bytes buy nothing. */
const BEFORE_MIN_NS = 20_000;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Memory for an encoder whose complete records another thread may send: the Node runner's flusher
 * thread sends them while the program keeps its own thread busy.
 */
export interface FrameMemory {
  /** A buffer of `bytes` bytes for records, starting with the first `keep` bytes of `old`. */
  allocate(bytes: number, old: Uint8Array | undefined, keep: number): Uint8Array;
  /** Told where the complete records end, after each record. */
  committed(end: number): void;
}

/** Writes records into frames. Used on the runner's hot path, so it allocates nothing per record. */
export class FrameEncoder {
  private buf: Uint8Array;
  private pos = 4;
  private lastNs = 0;
  private readonly strings = new Map<string, number>();

  /** `thread`: the worker thread whose records these are (0: the main thread's, whose frames need no THREAD record). */
  constructor(initialBytes = 64 * 1024, private readonly memory?: FrameMemory, private readonly thread = 0) {
    this.buf = memory ? memory.allocate(initialBytes, undefined, 0) : new Uint8Array(initialBytes);
  }

  /** Bytes buffered in the frame being built. */
  get pendingBytes(): number {
    return this.pos - 4;
  }

  start(info: { runtime: string; runtimeVersion: string; pid: number; script: string; cwd: string; startedAt: number }): void {
    this.op(Op.Start);
    this.inline(info.runtime);
    this.inline(info.runtimeVersion);
    this.uint(info.pid);
    this.inline(info.script);
    this.inline(info.cwd);
    this.uint(Math.round(info.startedAt));
    this.commit();
  }

  task(ns: number, id: number, parent: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    const nameRef = this.intern(name);
    const siteRef = this.intern(site);
    this.timed(Op.Task, ns);
    this.uint(id);
    this.uint(parent);
    this.byte(TASK_KINDS.indexOf(kind));
    this.uint(nameRef);
    this.uint(siteRef);
    this.byte(internal ? 1 : 0);
    this.commit();
  }

  rename(ns: number, id: number, name: string): void {
    const nameRef = this.intern(name);
    this.timed(Op.Rename, ns);
    this.uint(id);
    this.uint(nameRef);
    this.commit();
  }

  recast(ns: number, id: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    const nameRef = this.intern(name);
    const siteRef = this.intern(site);
    this.timed(Op.Recast, ns);
    this.uint(id);
    this.byte(TASK_KINDS.indexOf(kind));
    this.uint(nameRef);
    this.uint(siteRef);
    this.byte(internal ? 1 : 0);
    this.commit();
  }

  run(ns: number, id: number): void {
    this.timed(Op.Run, ns);
    this.uint(id);
    this.commit();
  }

  /** A task's wait; it may be timed before the latest record (a call that returned a promise, waiting since). */
  await(ns: number, id: number, target: number, label: string, site: string): void {
    const labelRef = this.intern(label);
    const siteRef = this.intern(site);
    this.timedMaybeBefore(Op.Await, Op.AwaitBefore, ns);
    this.uint(id);
    this.uint(target);
    this.uint(labelRef);
    this.uint(siteRef);
    this.commit();
  }

  awaitBy(ns: number, id: number, by: number, label: string): void {
    const labelRef = this.intern(label);
    this.timed(Op.AwaitBy, ns);
    this.uint(id);
    this.uint(by);
    this.uint(labelRef);
    this.commit();
  }

  waitOn(ns: number, id: number): void {
    this.timed(Op.WaitOn, ns);
    this.uint(id);
    this.commit();
  }

  join(ns: number, id: number, member: number): void {
    this.timed(Op.Join, ns);
    this.uint(id);
    this.uint(member);
    this.commit();
  }

  /** A task's end; it may be timed before the latest record (an end written once its outcome could be read). */
  end(ns: number, id: number, state: EndState, message: string, site: string): void {
    const siteRef = this.intern(site);
    this.timedMaybeBefore(Op.End, Op.EndBefore, ns);
    this.uint(id);
    this.byte(END_STATES.indexOf(state));
    this.inline(message);
    this.uint(siteRef);
    this.commit();
  }

  dropped(ns: number, count: number): void {
    this.timed(Op.Dropped, ns);
    this.uint(count);
    this.commit();
  }

  signal(ns: number, signal: string): void {
    this.timed(Op.Signal, ns);
    this.inline(signal);
    this.commit();
  }

  exit(ns: number, reason: ExitReason, code: number | null, signal: string, message: string, site: string): void {
    this.timed(Op.Exit, ns);
    this.byte(EXIT_REASONS.indexOf(reason));
    this.uint(code === null ? 0 : code + 1);
    this.inline(signal);
    this.inline(message);
    this.inline(site);
    this.commit();
  }

  /** Encodes any event; the runner calls the typed methods directly instead. */
  event(e: TraceEvent): void {
    const ns = 't' in e ? Math.round(e.t * 1000) : 0;
    switch (e.type) {
      case 'start': return this.start(e);
      case 'task': return this.task(ns, e.id, e.parent, e.kind, e.name, e.site, e.internal);
      case 'rename': return this.rename(ns, e.id, e.name);
      case 'recast': return this.recast(ns, e.id, e.kind, e.name, e.site, e.internal);
      case 'run': return this.run(ns, e.id);
      case 'await': return this.await(ns, e.id, e.target, e.label, e.site);
      case 'awaitBy': return this.awaitBy(ns, e.id, e.by, e.label);
      case 'waitOn': return this.waitOn(ns, e.id);
      case 'join': return this.join(ns, e.id, e.member);
      case 'end': return this.end(ns, e.id, e.state, e.message, e.site);
      case 'dropped': return this.dropped(ns, e.count);
      case 'signal': return this.signal(ns, e.signal);
      case 'exit': return this.exit(ns, e.reason, e.code, e.signal, e.message, e.site);
      case 'thread': throw new Error('a thread\'s records come from an encoder of its own (see the constructor)');
      default: throw new Error(`unknown event type ${(e as { type: string }).type}`);
    }
  }

  /**
   * Returns the records built since `from` (the flusher thread sent those before) as a frame, length
   * prefix included, and starts a new one; null when there are none.
   */
  takeFrame(from = 4): Uint8Array | null {
    const start = Math.min(Math.max(from, 4), this.pos);
    const end = this.pos;
    this.pos = 4;
    return start === end ? null : framed(this.buf.subarray(start, end), this.thread);
  }

  private commit(): void {
    if (this.memory !== undefined) this.memory.committed(this.pos);
  }

  private intern(s: string): number {
    let id = this.strings.get(s);
    if (id === undefined) {
      id = this.strings.size + 1;
      this.strings.set(s, id);
      this.op(Op.String);
      this.uint(id);
      this.bytes(s);
    }
    return id;
  }

  private inline(s: string): void {
    this.bytes(s);
  }

  /** `op` at `ns`, or `before` at the latest record's time and how long before it `ns` was. */
  private timedMaybeBefore(op: Op, before: Op, ns: number): void {
    if (ns > 0 && ns < this.lastNs - BEFORE_MIN_NS) {
      this.timed(before, this.lastNs);
      this.uint(this.lastNs - ns);
    } else {
      this.timed(op, ns);
    }
  }

  private timed(op: Op, ns: number): void {
    this.op(op);
    const delta = ns > this.lastNs ? ns - this.lastNs : 0;
    if (ns > this.lastNs) this.lastNs = ns;
    this.uint(delta);
  }

  private op(op: Op): void {
    this.byte(op);
  }

  private byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  private uint(n: number): void {
    if (this.pos + 10 > this.buf.length) this.grow(10);
    // Arithmetic rather than bit operations so values above 2^31 (epoch milliseconds) survive.
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  private bytes(s: string): void {
    if (s.length === 0) return this.uint(0);
    const encoded = utf8Encoder.encode(s);
    this.uint(encoded.length);
    if (this.pos + encoded.length > this.buf.length) this.grow(encoded.length);
    this.buf.set(encoded, this.pos);
    this.pos += encoded.length;
  }

  private grow(atLeast: number): void {
    const bytes = Math.max(this.buf.length * 2, this.pos + atLeast);
    if (this.memory !== undefined) {
      this.buf = this.memory.allocate(bytes, this.buf, this.pos);
      return;
    }
    const next = new Uint8Array(bytes);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

/** `records` as one frame, length prefix included, opened by a THREAD record for a worker thread's (`thread` > 0). */
export function framed(records: Uint8Array, thread: number): Uint8Array {
  const header: number[] = [];
  if (thread > 0) {
    header.push(Op.Thread);
    for (let n = thread; ; n = Math.floor(n / 0x80)) {
      if (n < 0x80) {
        header.push(n);
        break;
      }
      header.push((n % 0x80) | 0x80);
    }
  }
  const length = header.length + records.length;
  const frame = new Uint8Array(4 + length);
  frame[0] = length & 0xff;
  frame[1] = (length >>> 8) & 0xff;
  frame[2] = (length >>> 16) & 0xff;
  frame[3] = (length >>> 24) & 0xff;
  frame.set(header, 4);
  frame.set(records, 4 + header.length);
  return frame;
}

/** A problem found in a frame stream; decoding stops at the first one, keeping what came before. */
export class CorruptStreamError extends Error {}

class RecordReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next byte, left unread (-1 at the end). */
  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos] : -1;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new CorruptStreamError('a record runs past the end of its frame');
    return this.buf[this.pos++];
  }

  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new CorruptStreamError('a number is longer than 8 bytes');
  }

  text(): string {
    const length = this.uint();
    if (length === 0) return '';
    if (this.pos + length > this.buf.length) throw new CorruptStreamError('a string runs past the end of its frame');
    const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return s;
  }
}

/** What a frame's records are decoded against: its thread's strings and clock. */
interface ThreadStream {
  thread: number;
  strings: string[];
  lastNs: number;
}

function pick<T>(values: readonly T[], index: number, what: string): T {
  const value = values[index];
  if (value === undefined) throw new CorruptStreamError(`unknown ${what} ${index}`);
  return value;
}

/**
 * Decodes a frame stream delivered in arbitrary chunks. Never throws: a corrupt or truncated
 * stream stops decoding and is reported through `error`, and everything decoded before it is kept.
 */
export class FrameDecoder {
  error: string | undefined;
  /** The stream has told how the program ended. */
  sawExit = false;
  private pending: Uint8Array = new Uint8Array(0);
  private magicSeen = false;
  /** The main thread's strings and clock, and each worker thread's. */
  private readonly mainStream: ThreadStream = { thread: 0, strings: [''], lastNs: 0 };
  private readonly threads = new Map<number, ThreadStream>([[0, this.mainStream]]);
  /** The thread whose records the sink was last handed. */
  private sinkThread = 0;
  /** The clock and strings of the thread whose frame is being read. */
  private lastNs = 0;
  private strings: string[] = this.mainStream.strings;
  private offset = 0;
  /** Events handed to the sink so far. */
  private decoded = 0;

  /** `sink` is handed every event as it is decoded. */
  constructor(private readonly sink: TraceSink) {}

  /** Decodes what `chunk` completes; returns how many events it handed to the sink. */
  push(chunk: Uint8Array): number {
    const before = this.decoded;
    if (this.error !== undefined) return 0;
    this.pending = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    try {
      if (!this.magicSeen) {
        if (this.pending.length < STREAM_MAGIC.length) return 0;
        for (let i = 0; i < STREAM_MAGIC.length; i++) {
          if (this.pending[i] !== STREAM_MAGIC[i]) throw new CorruptStreamError('the stream does not start with a Tasklane header');
        }
        this.magicSeen = true;
        this.advance(STREAM_MAGIC.length);
      }
      while (this.pending.length >= 4) {
        // The top byte is added, not or-ed: `|` would turn a length of 2 GB or more negative.
        const length = (this.pending[0] | (this.pending[1] << 8) | (this.pending[2] << 16)) + this.pending[3] * 0x1000000;
        if (length === 0 || length > MAX_FRAME_BYTES) throw new CorruptStreamError(`a frame claims ${length} bytes`);
        if (this.pending.length < 4 + length) break;
        this.decodeFrame(this.pending.subarray(4, 4 + length));
        this.advance(4 + length);
      }
    } catch (err) {
      this.error = `corrupt trace stream at byte ${this.offset}: ${err instanceof Error ? err.message : String(err)}`;
    }
    return this.decoded - before;
  }

  /** Call when the stream has ended; reports bytes left in an unfinished frame. */
  finish(): void {
    if (this.error === undefined && this.pending.length > 0) {
      this.error = `the trace stream ended in the middle of a frame (${this.pending.length} bytes lost)`;
    }
  }

  private advance(n: number): void {
    this.pending = this.pending.subarray(n);
    this.offset += n;
  }

  private decodeFrame(frame: Uint8Array): void {
    const r = new RecordReader(frame);
    const stream = this.streamOf(r);
    this.tellThread(stream.thread);
    this.strings = stream.strings;
    try {
      this.decodeRecords(r, stream);
    } finally {
      // Even a corrupt frame's time so far is the thread's: the records before it were handed on.
      stream.lastNs = this.lastNs;
    }
  }

  /** Tells the sink that the records from here on are `thread`'s, unless it knows. */
  private tellThread(thread: number): void {
    if (thread === this.sinkThread) return;
    this.sinkThread = thread;
    this.sink.onThread(thread);
  }

  /** The thread whose frame `r` starts, its THREAD record read. */
  private streamOf(r: RecordReader): ThreadStream {
    if (r.peek() !== Op.Thread) {
      this.lastNs = this.mainStream.lastNs;
      return this.mainStream;
    }
    r.byte();
    const thread = r.uint();
    let stream = this.threads.get(thread);
    if (stream === undefined) {
      if (thread === 0) throw new CorruptStreamError('a thread record names the main thread');
      stream = { thread, strings: [''], lastNs: 0 };
      this.threads.set(thread, stream);
    }
    this.lastNs = stream.lastNs;
    return stream;
  }

  private decodeRecords(r: RecordReader, stream: ThreadStream): void {
    const sink = this.sink;
    while (!r.done) {
      const op = r.byte();
      if (op === Op.String) {
        const id = r.uint();
        if (id !== this.strings.length) throw new CorruptStreamError(`string ${id} defined out of order`);
        this.strings.push(r.text());
        continue;
      }
      if (op === Op.Thread) throw new CorruptStreamError('a thread record in the middle of a frame');
      if (op === Op.Loop) {
        this.tellThread(r.uint());
        continue;
      }
      if (op === Op.Start) {
        if (stream.thread !== 0) throw new CorruptStreamError('a worker thread\'s frame starts the trace');
        const runtime = pick(['node', 'python'] as const, ['node', 'python'].indexOf(r.text()), 'runtime');
        sink.onStart({ runtime, runtimeVersion: r.text(), pid: r.uint(), script: r.text(), cwd: r.text(), startedAt: r.uint() });
        this.decoded++;
        continue;
      }
      this.lastNs += r.uint();
      const t = this.lastNs / 1000;
      switch (op) {
        case Op.Task: {
          const id = r.uint();
          const parent = r.uint();
          const kind = pick(TASK_KINDS, r.byte(), 'task kind');
          const name = this.ref(r);
          const site = this.ref(r);
          sink.onTask(t, id, parent, kind, name, site, r.byte() === 1);
          break;
        }
        case Op.Recast: {
          const id = r.uint();
          const kind = pick(TASK_KINDS, r.byte(), 'task kind');
          const name = this.ref(r);
          const site = this.ref(r);
          sink.onRecast(t, id, kind, name, site, r.byte() === 1);
          break;
        }
        case Op.Rename: {
          const id = r.uint();
          sink.onRename(t, id, this.ref(r));
          break;
        }
        case Op.Run:
          sink.onRun(t, r.uint());
          break;
        case Op.Await:
        case Op.AwaitBefore: {
          const at = op === Op.Await ? t : Math.max(0, this.lastNs - r.uint()) / 1000;
          const id = r.uint();
          const target = r.uint();
          const label = this.ref(r);
          sink.onAwait(at, id, target, label, this.ref(r));
          break;
        }
        case Op.Step: {
          // [start delta][run length][id][target][label][site]: a run, then its await.
          this.lastNs += r.uint();
          const id = r.uint();
          const target = r.uint();
          const label = this.ref(r);
          const site = this.ref(r);
          this.decoded++;
          sink.onRun(t, id);
          sink.onAwait(this.lastNs / 1000, id, target, label, site);
          break;
        }
        case Op.StepEnd: {
          // [start delta][run length][id]: a run, then the task resolves.
          this.lastNs += r.uint();
          const id = r.uint();
          this.decoded++;
          sink.onRun(t, id);
          sink.onEnd(this.lastNs / 1000, id, 'resolved', '', '');
          break;
        }
        case Op.AwaitBy: {
          const id = r.uint();
          const by = r.uint();
          sink.onAwaitBy(t, id, by, this.ref(r));
          break;
        }
        case Op.WaitOn:
          sink.onWaitOn(t, r.uint());
          break;
        case Op.Join: {
          const id = r.uint();
          sink.onJoin(t, id, r.uint());
          break;
        }
        case Op.End:
        case Op.EndBefore: {
          const at = op === Op.End ? t : Math.max(0, this.lastNs - r.uint()) / 1000;
          const id = r.uint();
          const state = pick(END_STATES, r.byte(), 'end state');
          const message = r.text();
          sink.onEnd(at, id, state, message, this.ref(r));
          break;
        }
        case Op.Dropped:
          sink.onDropped(t, r.uint());
          break;
        case Op.Signal:
          sink.onSignal(t, r.text());
          break;
        case Op.Exit: {
          const reason = pick(EXIT_REASONS, r.byte(), 'exit reason');
          const code = r.uint();
          const signal = r.text();
          const message = r.text();
          const site = r.text();
          this.sawExit = true;
          sink.onExit(t, reason, code === 0 ? null : code - 1, signal, message, site);
          break;
        }
        default:
          throw new CorruptStreamError(`unknown record type ${op}`);
      }
      this.decoded++;
    }
  }

  private ref(r: RecordReader): string {
    const id = r.uint();
    const s = this.strings[id];
    if (s === undefined) throw new CorruptStreamError(`string ${id} used before it was defined`);
    return s;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
