// The webview's copy of the trace, kept up to date from timeline updates (pure).
import type { TimelineTask, TimelineUpdate } from '../../src/shared/protocol';
import { unpackTasks } from '../../src/shared/taskPacking';
import { isProgramWork } from '../../src/trace/events';

export class TimelineStore {
  readonly tasks = new Map<number, TimelineTask>();
  /** [start, end, task] triples; an end of -1 is still open. */
  loop: number[] = [];
  endTime = 0;
  longBlockUs = 50_000;
  live = false;
  /** Where recording stopped at the event cap, -1 if it did not. */
  recordedUntil = -1;
  /** Bumped when tasks are added or change name, parent, kind or internality: lanes must be laid out again. */
  structureVersion = 0;
  /** Indices into `loop` of the closed segments longer than `longBlockUs`. */
  private long: number[] = [];

  /** Applies an update whole, or throws before changing anything when its tasks do not unpack. */
  apply(u: TimelineUpdate): void {
    const tasks = unpackTasks(u.tasks);
    if (!(u.loop instanceof Float64Array)) throw new Error('timeline update: the loop is not a Float64Array');
    if (u.reset) {
      this.tasks.clear();
      this.loop = [];
      this.structureVersion++;
    }
    for (const task of tasks) this.merge(task);
    const kept = Math.min(this.loop.length, u.loopFrom);
    this.loop.length = kept;
    for (const v of u.loop) this.loop.push(v);
    const rescan = u.longBlockUs !== this.longBlockUs ? 0 : kept;
    this.endTime = u.endTime;
    this.longBlockUs = u.longBlockUs;
    this.long = this.long.filter((i) => i < rescan);
    for (let i = rescan; i + 2 < this.loop.length; i += 3) {
      if (this.loop[i + 1] >= 0 && this.loop[i + 1] - this.loop[i] > this.longBlockUs && this.heldByProgram(i)) this.long.push(i);
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

  /** Indices into `loop` of the segments that hold the loop too long, the open one included. */
  longBlocks(): number[] {
    const last = this.loop.length - 3;
    if (last >= 0 && this.loop[last + 1] < 0 && this.endTime - this.loop[last] > this.longBlockUs && this.heldByProgram(last)) return [...this.long, last];
    return this.long;
  }

  /** The loop segment at `i` is the program's, not the tracer's own work (which is never a long block). */
  private heldByProgram(i: number): boolean {
    return isProgramWork(this.tasks.get(this.loop[i + 2])?.kind);
  }

  /** An end time for drawing: open ends run to the end of the trace. */
  endOf(t: number): number {
    return t < 0 ? this.endTime : t;
  }
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
