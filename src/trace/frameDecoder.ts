// Reads a frame stream of the wire format (see codec.ts) into a TraceSink, refusing what is damaged.
import { MAX_FRAME_BYTES, Op, STREAM_MAGIC } from './codec';
import { END_STATES, EXIT_REASONS, TASK_KINDS, type TraceSink } from './events';

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

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
        case Op.Task:
        case Op.TaskBefore: {
          const at = op === Op.Task ? t : Math.max(0, this.lastNs - r.uint()) / 1000;
          const id = r.uint();
          const parent = r.uint();
          const kind = pick(TASK_KINDS, r.byte(), 'task kind');
          const name = this.ref(r);
          const site = this.ref(r);
          sink.onTask(at, id, parent, kind, name, site, r.byte() === 1);
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
