// The webview's copy of the trace, kept up to date from timeline updates (pure).
import type { SignalMark, TimelineTask, TimelineUpdate, ThreadLoopUpdate } from '../../src/shared/protocol';
import { unpackTasks } from '../../src/shared/taskPacking';
import { isProgramWork, MAX_SIGNALS } from '../../src/trace/events';

const NO_SEGMENTS = new Float64Array(0);

/** One thread's event loop: who held it, and which of its segments held it too long. */
export class LoopTrack {
  /** [start, end, task] triples; an end of -1 is still open. */
  readonly segments: number[] = [];
  /** Indices into `segments` of the closed segments longer than the store's `longBlockUs`. */
  private long: number[] = [];

  constructor(private readonly store: TimelineStore) {}

  /** Takes `values` from index `from` on, and finds the long blocks among them (among all, when `rescanAll`: the threshold changed). */
  splice(from: number, values: Float64Array, rescanAll: boolean): void {
    const kept = Math.min(this.segments.length, from);
    this.segments.length = kept;
    for (const v of values) this.segments.push(v);
    const rescan = rescanAll ? 0 : kept;
    const loop = this.segments;
    this.long = this.long.filter((i) => i < rescan);
    for (let i = rescan; i + 2 < loop.length; i += 3) {
      if (loop[i + 1] >= 0 && loop[i + 1] - loop[i] > this.store.longBlockUs && this.heldByProgram(i)) this.long.push(i);
    }
  }

  /** Indices into `segments` of the segments that hold the loop too long, the open one included. */
  longBlocks(): number[] {
    const loop = this.segments;
    const last = loop.length - 3;
    if (last >= 0 && loop[last + 1] < 0 && this.store.endTime - loop[last] > this.store.longBlockUs && this.heldByProgram(last)) return [...this.long, last];
    return this.long;
  }

  /** The segment at `i` is the program's, not the tracer's own work (which is never a long block). */
  private heldByProgram(i: number): boolean {
    return isProgramWork(this.store.tasks.get(this.segments[i + 2])?.kind);
  }
}

export class TimelineStore {
  readonly tasks = new Map<number, TimelineTask>();
  /** The main thread's loop. */
  mainLoop = new LoopTrack(this);
  /** Each other thread's loop (a Node worker's, a Python thread's), by thread, in the order they came. */
  readonly threadLoops = new Map<number, LoopTrack>();
  endTime = 0;
  longBlockUs = 50_000;
  live = false;
  /** Where recording stopped at the event cap, -1 if it did not. */
  recordedUntil = -1;
  /** The signals the program received, in the order they came. */
  signals: SignalMark[] = [];
  /** Bumped when tasks are added or change name, parent, kind or internality, or a loop lane is added: lanes must be laid out again. */
  structureVersion = 0;

  /** The main thread's loop, [start, end, task] triples; an end of -1 is still open. */
  get loop(): number[] {
    return this.mainLoop.segments;
  }

  /** Applies an update whole, or throws before changing anything when its tasks or loops are damaged. */
  apply(u: TimelineUpdate): void {
    const tasks = unpackTasks(u.tasks);
    if (!(u.loop instanceof Float64Array)) throw new Error('timeline update: the loop is not a Float64Array');
    const threadLoops = u.threadLoops ?? [];
    if (!Array.isArray(threadLoops) || !threadLoops.every(isThreadLoop)) throw new Error('timeline update: a thread loop is damaged');
    if (u.signals !== undefined && !(Array.isArray(u.signals) && u.signals.length <= MAX_SIGNALS && u.signals.every(isSignalMark))) throw new Error('timeline update: a signal is damaged');
    if (u.reset) {
      this.tasks.clear();
      this.mainLoop = new LoopTrack(this);
      this.threadLoops.clear();
      this.signals = [];
      this.structureVersion++;
    }
    if (u.signals) this.signals = u.signals;
    for (const task of tasks) this.merge(task);
    const rescanAll = u.longBlockUs !== this.longBlockUs;
    this.endTime = u.endTime;
    this.longBlockUs = u.longBlockUs;
    this.mainLoop.splice(u.loopFrom, u.loop, rescanAll);
    for (const w of threadLoops) {
      if (this.threadLoops.has(w.thread)) continue;
      this.threadLoops.set(w.thread, new LoopTrack(this));
      this.structureVersion++; // one more loop lane: the task lanes move down
    }
    for (const [thread, track] of this.threadLoops) {
      const w = threadLoops.find((update) => update.thread === thread);
      track.splice(w ? w.loopFrom : track.segments.length, w ? w.loop : NO_SEGMENTS, rescanAll);
    }
    this.live = u.live;
    const until = u.recordedUntil;
    this.recordedUntil = typeof until === 'number' && Number.isFinite(until) && until >= 0 ? until : -1;
  }

  /**
   * A task from an update: new, or its runs and waits to splice onto our copy from where the update
   * says (from the first, when it sends them all again: a task with one run and one wait so far).
   */
  private merge(task: TimelineTask): void {
    const known = this.tasks.get(task.id);
    if (!known || known.name !== task.name || known.parent !== task.parent || known.kind !== task.kind || known.internal !== task.internal) this.structureVersion++;
    if (!known) {
      this.tasks.set(task.id, task);
      return;
    }
    const runsFrom = task.runsFrom ?? 0;
    const waitsFrom = task.waitsFrom ?? 0;
    const runs = spliceFrom(known.runs, runsFrom * 2, task.runs);
    const waits = spliceFrom(known.waits, waitsFrom * 2, task.waits);
    const waitLabels = spliceFrom(known.waitLabels, waitsFrom, task.waitLabels);
    const waitSites = spliceFrom(known.waitSites, waitsFrom, task.waitSites);
    const waitWakers = spliceFrom(known.waitWakers, waitsFrom, task.waitWakers);
    // The same object stays in the map, even when the update sends the task whole, so lanes laid
    // out earlier still point at it: a new object would leave them drawing the old one until the
    // next layout (and no copy of the update's task is made: a flood merges thousands an update).
    Object.assign(known, task);
    known.runs = runs;
    known.waits = waits;
    known.waitLabels = waitLabels;
    known.waitSites = waitSites;
    known.waitWakers = waitWakers;
    known.runsFrom = undefined;
    known.waitsFrom = undefined;
  }

  /** A task as text refers to it: "#3 producer" ("#3" before it has arrived). */
  describe(id: number): string {
    const task = this.tasks.get(id);
    return task ? `#${id} ${task.name}` : `#${id}`;
  }

  /** Indices into `loop` of the segments that hold the main thread's loop too long, the open one included. */
  longBlocks(): number[] {
    return this.mainLoop.longBlocks();
  }

  /** An end time for drawing: open ends run to the end of the trace. */
  endOf(t: number): number {
    return t < 0 ? this.endTime : t;
  }
}

function isSignalMark(s: SignalMark): boolean {
  return typeof s === 'object' && s !== null && Number.isFinite(s.t) && s.t >= 0 && typeof s.signal === 'string' && s.signal.length <= 32;
}

function isThreadLoop(w: ThreadLoopUpdate): boolean {
  return typeof w === 'object' && w !== null && Number.isInteger(w.thread) && w.thread > 0 && w.loop instanceof Float64Array && Number.isInteger(w.loopFrom) && w.loopFrom >= 0 && w.loop.length % 3 === 0;
}

/**
 * Replaces `target` from index `from` on with `values` (no push(...values): lists can be long);
 * returns the list to keep, a new one in place of the shared empty list, which is never written.
 */
function spliceFrom<T>(target: T[], from: number, values: readonly T[]): T[] {
  if (Object.isFrozen(target)) return values.length ? values.slice() : target;
  target.length = Math.min(target.length, from);
  for (const v of values) target.push(v);
  return target;
}
