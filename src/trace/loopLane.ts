// One thread's event loop as the model folds it: which task holds it and since when, and where the
// runs of the tasks taking it and leaving it begin and end.
import type { ChangedTasks } from './changedTasks';
import type { Task } from './task';
import type { TaskTable } from './taskTable';

/** One thread's event loop: who holds it, and since when. */
export interface LoopLane {
  /** Occupancy in time order as flat [start, end, task] triples. */
  segments: number[];
  running: number;
  /** The task `running` names, kept to spare a lookup at each switch. */
  runningTask: Task | undefined;
}

/** How far back the loop's segments are searched for a run a late wait ends (see endRunAt). */
const RECENT_SEGMENTS = 8;

export function newLane(): LoopLane {
  return { segments: [], running: 0, runningTask: undefined };
}

/**
 * A run record of the task holding the loop, which began to wait since its run began (Python's
 * runner, a task whose `sleep(0)` found nothing else ready running its next step at once): the
 * wait ends now, and the run is cut around it.
 */
function resumeInPlace(lane: LoopLane, task: Task, t: number, changed: ChangedTasks): void {
  const runs = task.runs;
  const waitedFrom = runEnd(task, t);
  if (waitedFrom === t || !closeWait(task, t)) return;
  runs[runs.length - 1] = waitedFrom;
  runs.push(t, NaN);
  const loop = lane.segments;
  loop[loop.length - 2] = waitedFrom;
  loop.push(t, NaN, task.id);
  changed.mark(task.id);
}

/**
 * A wait starting at `t` told after the task's last run ended past `t` (an async function's
 * `return load()`, written once the runtime adopts the promise): the run ended at `t`, and so did
 * its stretch of the loop, one of the lane's latest. (An open run ends so at the switch; see runEnd.)
 */
export function endRunAt(lanes: ReadonlyMap<number, LoopLane>, task: Task, t: number): void {
  const runs = task.runs;
  const last = runs.length - 1;
  if (last < 1 || Number.isNaN(runs[last]) || runs[last] <= t || runs[last - 1] > t) return;
  const loop = lanes.get(task.thread)?.segments ?? [];
  for (let i = loop.length - 3; i >= 0 && i >= loop.length - 3 * RECENT_SEGMENTS; i -= 3) {
    if (loop[i + 2] === task.id && loop[i + 1] === runs[last]) {
      loop[i + 1] = t;
      break;
    }
  }
  runs[last] = t;
}

/** Gives `lane` to task `id` at `t` (0: the loop is idle), ending the run of the task that held it. */
export function switchTo(lane: LoopLane, id: number, t: number, tasks: TaskTable, changed: ChangedTasks): void {
  if (id === lane.running) {
    if (lane.runningTask !== undefined) resumeInPlace(lane, lane.runningTask, t, changed);
    return;
  }
  changed.mark(lane.running);
  const previous = lane.runningTask;
  let end = t;
  if (previous && previous.runs.length && Number.isNaN(previous.runs[previous.runs.length - 1])) {
    end = runEnd(previous, t);
    previous.runs[previous.runs.length - 1] = end;
  }
  const loop = lane.segments;
  if (lane.running !== 0 && loop.length) loop[loop.length - 2] = end;
  lane.running = id;
  const next = tasks.get(id);
  lane.runningTask = next;
  if (!next) {
    lane.running = 0;
    return;
  }
  closeWait(next, t);
  if (next.runs.length === 0) next.runs = [t, NaN];
  else next.runs.push(t, NaN);
  loop.push(t, NaN, id);
}

/**
 * Where the task's open run ends as another task takes the loop at `t`, or as it is told to run
 * again: where it began to wait, if it did since the run started (at the first of its waits told
 * since, when a runner tells one suspension twice: a `for await` step, then what the generator
 * awaits). A runner times an await as it happens but the switch as the callback returns; what ran
 * in between is the runtime finishing the callback (and the tracer's own work), no code of the
 * task's. (Its loop segment ends there too, so that a file, which keeps the runs, gives back the
 * same loop.)
 */
function runEnd(task: Task, t: number): number {
  const runStart = task.runs[task.runs.length - 2];
  let first = t;
  for (let i = task.waits.length - 1; i >= 0 && task.waits[i].start >= runStart; i--) first = Math.min(first, task.waits[i].start);
  return first;
}

/**
 * When `waker` woke a wait (begun at `waitStart`) it was told of at `t`: in the waker's latest run
 * by then, if that ended in the wait. A runner may tell it only once the microtasks its callback
 * fed have run (Node's stream iterator yielding a chunk after the file read's callback returned),
 * or in a done callback of a task that has ended (Python's TaskGroup): the waker did it as that
 * run ended. A task that ended before the wait began woke it at `t`, in its done callback.
 */
export function inLastRun(waker: Task | undefined, t: number, waitStart: number): number {
  const runs = waker?.runs;
  if (!runs) return t;
  for (let i = runs.length - 2; i >= 0; i -= 2) {
    if (runs[i] > t) continue;
    const end = runs[i + 1]; // NaN while the run goes on
    return end < t && end >= waitStart ? end : t;
  }
  return t;
}

/** Ends the task's open wait at `t`; says whether there was one. */
export function closeWait(task: Task, t: number): boolean {
  const wait = task.waits.at(-1);
  if (!wait || !Number.isNaN(wait.end)) return false;
  wait.end = t;
  return true;
}
