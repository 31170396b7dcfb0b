// Writes the runner's records into frames of the wire format (see codec.ts).
import { Op } from './codec';
import { END_STATES, EXIT_REASONS, TASK_KINDS, type EndState, type ExitReason, type TaskKind, type TraceEvent } from './events';

/** A record this much before the latest or less is written at it: a TaskBefore, EndBefore or AwaitBefore record's bytes buy nothing. */
const BEFORE_MIN_NS = 20_000;

const utf8Encoder = new TextEncoder();

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

  /** A task's making; it may be timed before the latest record (one made known after it was made). */
  task(ns: number, id: number, parent: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    const nameRef = this.intern(name);
    const siteRef = this.intern(site);
    this.timedMaybeBefore(Op.Task, Op.TaskBefore, ns);
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
