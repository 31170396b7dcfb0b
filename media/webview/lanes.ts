// Lane layout (pure): one lane per task, in creation order, each under its parent; collapsed
// tasks hide their descendants. Coroutine spans (Python) sit on their task's lane.
import type { TimelineTask } from '../../src/shared/protocol';
import { laneOwner } from '../../src/trace/spanTime';

export interface Lane {
  task: TimelineTask;
  /** The task whose lane it sits under (its parent, or the nearest ancestor shown), 0 for none. */
  under: number;
  depth: number;
  /** Top of the lane in CSS pixels, below the axis and the loop lane. */
  y: number;
  hasChildren: boolean;
}

export interface LaneOptions {
  hideInternal: boolean;
  filter: string;
  collapsed: ReadonlySet<number>;
  laneHeight: number;
  top: number;
}

/** The lanes, each task's lane by id, and the coroutine spans drawn on each (by the lane's task id, oldest first). */
export interface LaneLayout {
  lanes: Lane[];
  byId: Map<number, Lane>;
  spans: Map<number, TimelineTask[]>;
}

/** Internal tasks passed over at most looking for a visible ancestor (a malformed trace may loop). */
const MAX_HIDDEN_ANCESTORS = 64;

/**
 * The nearest ancestor of a task not hidden as internal: a route handler whose parent is Node's
 * own HTTP request sits under the server that received it, not at the top.
 */
function visibleAncestor(task: TimelineTask, tasks: ReadonlyMap<number, TimelineTask>): TimelineTask | undefined {
  let parent = tasks.get(task.parent);
  for (let hops = 0; parent?.internal && hops < MAX_HIDDEN_ANCESTORS; hops++) parent = tasks.get(parent.parent);
  return parent?.internal ? undefined : parent;
}

/** Tasks a slice of a gradual layout handles before it yields. */
const SLICE_TASKS = 4096;

export function layoutLanes(tasks: ReadonlyMap<number, TimelineTask>, o: LaneOptions): Lane[] {
  const steps = layoutLanesGradually(tasks, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value.lanes;
  }
}

/**
 * The layout a slice at a time: each `next()` does a few thousand tasks' worth and yields, so
 * that laying out hundreds of thousands of tasks never holds the webview's thread for long. Tasks
 * added to `tasks` meanwhile are included while it still reads them, else left for the next layout.
 */
export function* layoutLanesGradually(tasks: ReadonlyMap<number, TimelineTask>, o: LaneOptions): Generator<void, LaneLayout, void> {
  const children = new Map<number, TimelineTask[]>();
  const roots: TimelineTask[] = [];
  const spans = new Map<number, TimelineTask[]>();
  let work = 0;
  for (const task of tasks.values()) {
    if (++work % SLICE_TASKS === 0) yield;
    if (task.kind === 'coroutine') {
      const owner = laneOwner(task, tasks).id;
      const list = spans.get(owner);
      if (list) list.push(task);
      else spans.set(owner, [task]);
      continue;
    }
    if (o.hideInternal && task.internal) continue;
    const parent = o.hideInternal ? visibleAncestor(task, tasks) : tasks.get(task.parent);
    if (parent) {
      const list = children.get(parent.id);
      if (list) list.push(task);
      else children.set(parent.id, [task]);
    } else {
      roots.push(task);
    }
  }
  const filter = o.filter.trim().toLowerCase();
  // With a filter, a task stays when it or one of its descendants matches.
  const keep = new Map<number, boolean>();
  const kept = (t: TimelineTask): boolean => {
    const known = keep.get(t.id);
    if (known !== undefined) return known;
    const result = t.name.toLowerCase().includes(filter) || (children.get(t.id) ?? []).some(kept);
    keep.set(t.id, result);
    return result;
  };
  const lanes: Lane[] = [];
  const byId = new Map<number, Lane>();
  // Depth-first in creation order: a stack of tasks and their depths, children pushed in reverse.
  const stack: TimelineTask[] = [];
  const depths: number[] = [];
  const unders: number[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    stack.push(roots[i]);
    depths.push(0);
    unders.push(0);
  }
  while (stack.length) {
    if (++work % SLICE_TASKS === 0) yield;
    const task = stack.pop()!;
    const depth = depths.pop()!;
    const under = unders.pop()!;
    if (filter && !kept(task)) continue;
    const kids = children.get(task.id);
    const lane = { task, under, depth, y: o.top + lanes.length * o.laneHeight, hasChildren: kids !== undefined };
    lanes.push(lane);
    byId.set(task.id, lane);
    if (kids === undefined || o.collapsed.has(task.id)) continue;
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push(kids[i]);
      depths.push(depth + 1);
      unders.push(task.id);
    }
  }
  return { lanes, byId, spans };
}

/** The lane under a y coordinate, by arithmetic rather than search. */
export function laneAt(lanes: readonly Lane[], y: number, top: number, laneHeight: number): Lane | undefined {
  const index = Math.floor((y - top) / laneHeight);
  return index >= 0 && index < lanes.length ? lanes[index] : undefined;
}

/**
 * The innermost of a lane's spans (oldest first, as the layout keeps them) that `t` falls in: a
 * wait at `t` is inside that coroutine. A span ending at `t` is over by then.
 */
export function spanAt(spans: readonly TimelineTask[] | undefined, t: number, tasks: ReadonlyMap<number, TimelineTask>, endTime: number): TimelineTask | undefined {
  if (!spans) return undefined;
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].created <= t) lo = mid + 1;
    else hi = mid;
  }
  // Spans nest: the latest to start before `t` holds it, or one of the spans it was awaited in.
  let span: TimelineTask | undefined = lo > 0 ? spans[lo - 1] : undefined;
  while (span && (span.end ? span.end.t : endTime) <= t) {
    const outer = tasks.get(span.parent);
    span = outer?.kind === 'coroutine' ? outer : undefined;
  }
  return span;
}

/**
 * The span to name beside a wait's label: spanAt's, unless the label names it already (a package's
 * coroutine awaiting a bare future is the wait's own words: `DataQueue.read`).
 */
export function spanBesideWait(spans: readonly TimelineTask[] | undefined, t: number, label: string, tasks: ReadonlyMap<number, TimelineTask>, endTime: number): TimelineTask | undefined {
  const span = spanAt(spans, t, tasks, endTime);
  return span && (label === span.name || label.startsWith(`${span.name},`)) ? undefined : span;
}

/**
 * Index of the first record whose end is at or after `t`. Records are `stride` numbers each,
 * [start, end, …], sorted by start with ends that never go back; an open end (-1) is later than
 * any time.
 */
export function firstEndingAfter(records: ArrayLike<number>, t: number, stride = 2): number {
  let lo = 0;
  let hi = Math.floor(records.length / stride);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const end = records[mid * stride + 1];
    if (end >= 0 && end < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
