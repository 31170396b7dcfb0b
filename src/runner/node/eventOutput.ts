// What the tracer writes, and whether: the event cap and the reports of what it dropped, frames
// sent once they are big enough, and the one await held back in case its task resumes at once.
import type { FrameEncoder } from '../../trace/frameEncoder';
import type { TaskState } from './taskState';

/**
 * The time of a record whose time no reader uses (a combinator's member, what woke a waiter): the
 * encoder writes it at the latest time written, and the clock is not read (W1: every member).
 */
export const UNTIMED = 0;

/** Frames are sent once they reach this size (and on the runner's timer). */
const FLUSH_BYTES = 64 * 1024;
/** Drops are reported on each flush, and every so often in between: a flood of microtasks holds the flush timer off. */
const DROP_REPORT_EVERY = 65_536;

export interface HeldAwait {
  /** The task that awaits; undefined when nothing is held. */
  waiter: TaskState | undefined;
  /** The awaited task's id, 0 when it is not a task. */
  target: number;
  /** What is awaited, in words, when it is no task ("events.on"); else "". */
  label: string;
  site: string;
  /** When; -1 until the callback it happened in ends (see PromiseTasks.onAwait). */
  ns: number;
  /** The awaited promise had settled already: the task's continuation is queued as a microtask. */
  queued: boolean;
  /** Awaited in an async generator's body on the task's stack: the task's next await waits for it. */
  inGenerator: boolean;
  /** The task's wait, in the trace already, goes on after a callback of its own ran (a `.then` it attached): no new await. */
  continues: boolean;
}

export class EventOutput {
  /**
   * The latest await, held back: if its task resumes with nothing else run in between (it awaited
   * a value or a settled promise), the tracer drops it and the wait never reaches the trace.
   */
  readonly held: HeldAwait = { waiter: undefined, target: 0, label: '', site: '', ns: 0, queued: false, inGenerator: false, continues: false };
  /** The cap is reached: nothing more is written but the ends of tasks the trace has. */
  full: boolean;
  private events = 0;
  private droppedSinceReport = 0;
  private droppingSince = 0;

  constructor(readonly enc: FrameEncoder, private readonly maxEvents: number, private readonly flush: () => void, private readonly now: () => number) {
    this.full = maxEvents <= 0;
  }

  /** Counts an event in, or as dropped once the cap is reached; the caller then writes it. */
  admit(): boolean {
    if (this.held.waiter !== undefined) this.releaseAwait();
    if (this.full) {
      this.drop();
      return false;
    }
    if (++this.events >= this.maxEvents) this.full = true;
    if (this.enc.pendingBytes >= FLUSH_BYTES) this.flush();
    return true;
  }

  /**
   * Counts one event dropped: a record refused past the cap, or a promise or async resource the
   * program made past it, which the tracer no longer follows (it would only cost the program time
   * for records never written).
   */
  drop(): void {
    if (this.droppedSinceReport === 0) this.droppingSince = this.now();
    if (++this.droppedSinceReport === DROP_REPORT_EVERY) this.reportDropped();
  }

  /** Ends of tasks the trace has are kept past the cap, so that it says how they ended. */
  admitEnd(): boolean {
    this.releaseAwait();
    if (this.enc.pendingBytes >= FLUSH_BYTES) this.flush();
    return true;
  }

  /** Writes the held await, if any: something else happened first. */
  releaseAwait(): void {
    const held = this.held;
    const waiter = held.waiter;
    if (waiter === undefined) return;
    held.waiter = undefined;
    if (!this.admit()) return;
    const ns = held.ns < 0 ? this.now() : held.ns;
    if (held.continues) this.enc.waitOn(ns, waiter.id);
    else this.enc.await(ns, waiter.id, held.target, held.label, held.site);
    waiter.waitShown = true;
  }

  /** Says how many events were dropped since the last report, timed at the first of them. */
  reportDropped(): void {
    if (this.droppedSinceReport === 0) return;
    this.enc.dropped(this.droppingSince, this.droppedSinceReport);
    this.droppedSinceReport = 0;
  }
}
