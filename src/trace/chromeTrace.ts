// Chrome Trace Event Format: one lane (tid) per task, run and await slices, creation links as flows.
// Perfetto and chrome://tracing open it; `importChromeTrace` reads our own exports back.
import type { EndState, TaskKind } from './events';
import { isProgramWork, TASK_KINDS } from './events';
import { TraceModel } from './model';
import type { Task } from './task';
import { InvalidTraceError, validExit, validInfo } from './validate';

export interface ChromeEvent {
  name: string;
  ph: 'X' | 'M' | 's' | 'f' | 'i';
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

/** The lane that shows which task held the main thread's event loop (another thread's is numbered after every task's). */
export const LOOP_TID = 0;

function endText(model: TraceModel, task: Task): string {
  const state = model.endState(task);
  return state === 'rejected' || (state === 'cancelled' && task.end?.message) ? `${state}: ${task.end!.message}` : state;
}

function round(us: number): number {
  return Math.round(us * 1000) / 1000;
}

export function exportChromeTrace(model: TraceModel): ChromeTrace {
  const pid = model.info?.pid ?? 1;
  const events: ChromeEvent[] = [];
  const end = model.endTime;
  events.push({ name: 'process_name', ph: 'M', pid, tid: LOOP_TID, ts: 0, args: { name: model.info ? `${model.info.script} (${model.info.runtime} ${model.info.runtimeVersion})` : 'tasklane' } });
  let order = 0;
  // Creation flows take their child's id; wake flows the numbers after every task's, and so do
  // other threads' loop lanes.
  let nextFlow = 1;
  for (const id of model.tasks.keys()) nextFlow = Math.max(nextFlow, id + 1);
  const loops: [number, number, number[]][] = [[LOOP_TID, 0, model.loop]];
  for (const [thread, loop] of model.threadLoops) loops.push([nextFlow++, thread, loop]);
  for (const [tid, thread] of loops) {
    events.push({ name: 'thread_name', ph: 'M', pid, tid, ts: 0, args: { name: thread === 0 ? 'event loop' : `event loop (thread ${thread})`, loop: thread } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid, tid, ts: 0, args: { sort_index: thread - 1 - model.threadLoops.size } });
  }
  const flows = new FlowPoints(model, end);
  for (const task of model.tasks.values()) {
    const name = model.displayName(task);
    const args: Record<string, unknown> = {
      id: task.id, parent: task.parent, kind: task.kind, site: task.site, end: endText(model, task),
      created: round(task.created), internal: task.internal, thread: task.thread, endSite: task.end?.site ?? '', endedAt: task.end ? round(task.end.t) : null,
    };
    // A combinator's members go on its first slice only: on each of Promise.all ×10000's 10,000
    // runs they made a file of 600 MB.
    let firstSlice = true;
    const sliceArgs = (): Record<string, unknown> => {
      if (!firstSlice) return args;
      firstSlice = false;
      return { ...args, members: task.members };
    };
    events.push({ name: 'thread_name', ph: 'M', pid, tid: task.id, ts: 0, args: { name } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid, tid: task.id, ts: 0, args: { sort_index: order++ } });
    let first = task.created;
    for (let i = 0; i < task.runs.length; i += 2) {
      const start = task.runs[i];
      const stop = Number.isNaN(task.runs[i + 1]) ? end : task.runs[i + 1];
      if (i === 0) first = start;
      events.push({ name, ph: 'X', cat: 'run', pid, tid: task.id, ts: round(start), dur: round(stop - start), args: sliceArgs() });
    }
    for (const wait of task.waits) {
      const stop = Number.isNaN(wait.end) ? end : wait.end;
      first = Math.min(first, wait.start);
      const label = model.waitLabel(wait);
      const wokenAt = Number.isNaN(wait.wokenAt) ? null : round(wait.wokenAt);
      events.push({ name: label, ph: 'X', cat: 'await', pid, tid: task.id, ts: round(wait.start), dur: round(stop - wait.start), args: { ...sliceArgs(), target: wait.target, by: wait.by, awaitSite: wait.site, wokenAt } });
      // What woke it, where its name does not say: a flow from the waker's run to the wait's end.
      const waker = model.wokenBy(wait, label);
      if (waker !== 0 && wokenAt !== null && !Number.isNaN(wait.end)) {
        const id = nextFlow++;
        flows.point({ name: 'woke', ph: 's', cat: 'wake', id, pid, tid: waker, ts: wokenAt });
        flows.point({ name: 'woke', ph: 'f', bp: 'e', cat: 'wake', id, pid, tid: task.id, ts: round(wait.end) });
      }
    }
    if (task.runs.length === 0 && task.waits.length === 0) {
      // A lane with no slices would vanish in Perfetto: a Python coroutine span or a combinator is
      // one slice from its creation to its end (cat "task", which is neither a run nor a wait).
      events.push({ name, ph: 'X', cat: 'task', pid, tid: task.id, ts: round(task.created), dur: round((task.end ? task.end.t : end) - task.created), args: sliceArgs() });
    }
    if (task.parent !== 0 && model.tasks.has(task.parent)) {
      flows.point({ name: 'created', ph: 's', cat: 'spawn', id: task.id, pid, tid: task.parent, ts: round(task.created) });
      flows.point({ name: 'created', ph: 'f', bp: 'e', cat: 'spawn', id: task.id, pid, tid: task.id, ts: round(Math.max(first, task.created)) });
    }
  }
  // After every slice: a viewer that meets a flow and a slice at the same moment takes them in file order.
  for (const flow of flows.events) events.push(flow);
  for (const [tid, , loop] of loops) {
    for (let i = 0; i < loop.length; i += 3) {
      const start = loop[i];
      const stop = Number.isNaN(loop[i + 1]) ? end : loop[i + 1];
      const holder = model.tasks.get(loop[i + 2]);
      const long = stop - start > model.longBlockUs && isProgramWork(holder?.kind);
      events.push({ name: holder ? model.displayName(holder) : 'task', ph: 'X', cat: long ? 'loop,long-block' : 'loop', pid, tid, ts: round(start), dur: round(stop - start), args: { task: loop[i + 2], long } });
    }
  }
  for (const d of model.dropped) {
    events.push({ name: `dropped ${d.count} events`, ph: 'i', s: 'g', cat: 'dropped', pid, tid: LOOP_TID, ts: round(d.t), args: { count: d.count } });
  }
  for (const s of model.signals) {
    events.push({ name: s.signal, ph: 'i', s: 'g', cat: 'signal', pid, tid: LOOP_TID, ts: round(s.t), args: { signal: s.signal } });
  }
  if (model.exit) {
    const x = model.exit;
    events.push({ name: `exit: ${x.reason}`, ph: 'i', s: 'g', cat: 'exit', pid, tid: LOOP_TID, ts: round(x.t), args: { ...x } });
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { tasklane: 1, info: model.info, longBlockUs: model.longBlockUs, endTime: round(end) } };
}

/** Nanoseconds, as Perfetto reads a time in microseconds. */
function ns(us: number): number {
  return Math.round(us * 1000);
}

/**
 * Flow events, each on a slice of its lane: Perfetto and chrome://tracing tie a flow to the slice
 * that holds its moment on its lane, and lose it (Perfetto: or tie it to a slice that had ended)
 * where none does. A task makes children while Node's work for it runs, before its own first run
 * (fetch's socket), or from where the trace shows another task (a timer re-armed by its callback,
 * Python's script inside `asyncio.run`); there its lane gets a slice of no length to carry the flow.
 */
class FlowPoints {
  readonly events: ChromeEvent[] = [];

  constructor(private readonly model: TraceModel, private readonly end: number) {}

  point(flow: ChromeEvent): void {
    const task = this.model.tasks.get(flow.tid)!;
    if (!this.onSlice(task, flow.ts)) this.events.push({ name: flow.name, ph: 'X', cat: flow.cat, pid: flow.pid, tid: flow.tid, ts: flow.ts, dur: 0, args: { flow: flow.id } });
    this.events.push(flow);
  }

  /** Whether one of the slices the export draws on the task's lane holds `ts`, ends included. */
  private onSlice(task: Task, ts: number): boolean {
    const at = ns(ts);
    const runs = task.runs;
    // Runs and waits each follow one another: the last to begin by `at` is the one that may hold it.
    const run = lastAtOrBefore(runs.length / 2, (i) => ns(round(runs[2 * i])), at);
    if (run >= 0 && at <= this.sliceEnd(runs[2 * run], runs[2 * run + 1])) return true;
    const waits = task.waits;
    const wait = lastAtOrBefore(waits.length, (i) => ns(round(waits[i].start)), at);
    if (wait >= 0 && at <= this.sliceEnd(waits[wait].start, waits[wait].end)) return true;
    // A task with neither is one slice from its creation to its end.
    return runs.length === 0 && waits.length === 0 && ns(round(task.created)) <= at && at <= this.sliceEnd(task.created, task.end ? task.end.t : this.end);
  }

  /** Where a viewer ends the slice: its start and its length are rounded each on its own. */
  private sliceEnd(start: number, stop: number): number {
    return ns(round(start)) + ns(round((Number.isNaN(stop) ? this.end : stop) - start));
  }
}

/** The last index below `count` whose key is at most `at` (keys ascending), or -1. */
function lastAtOrBefore(count: number, key: (i: number) => number, at: number): number {
  let [lo, hi] = [0, count];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Rebuilds a model from a Chrome trace that Tasklane exported. Throws a readable error otherwise. */
export function importChromeTrace(data: unknown): TraceModel {
  const root = data as Partial<ChromeTrace> | null;
  if (!root || typeof root !== 'object' || !Array.isArray(root.traceEvents)) throw new InvalidTraceError('this is not a Chrome trace: it has no traceEvents array');
  const other = (root.otherData ?? {}) as Record<string, unknown>;
  if (other.tasklane !== 1) throw new InvalidTraceError('this Chrome trace was not written by Tasklane, so it has no task information');
  const longBlockUs = typeof other.longBlockUs === 'number' ? other.longBlockUs : undefined;
  const model = new TraceModel(longBlockUs ? { longBlockUs } : {});
  const tasks = new Map<number, Task>();
  // Loop lanes are rebuilt from the tasks' runs.
  const loopLanes = new Set((root.traceEvents as ChromeEvent[]).filter((e) => e?.ph === 'M' && typeof e.args?.loop === 'number').map((e) => e.tid));
  loopLanes.add(LOOP_TID);
  for (const e of root.traceEvents as ChromeEvent[]) {
    if (!e || typeof e !== 'object' || typeof e.tid !== 'number' || loopLanes.has(e.tid)) continue;
    const args = (e.args ?? {}) as Record<string, unknown>;
    let task = tasks.get(e.tid);
    if (!task) {
      task = { id: e.tid, parent: 0, kind: 'callback', name: '', site: '', internal: false, thread: 0, created: 0, runs: [], waits: [], members: [], end: undefined };
      tasks.set(e.tid, task);
    }
    if (e.ph === 'M' && e.name === 'thread_name' && typeof args.name === 'string') task.name = args.name;
    if (typeof args.id === 'number' && typeof args.created === 'number') applyArgs(task, args);
    if (e.ph === 'X' && typeof e.ts === 'number' && typeof e.dur === 'number') {
      if (e.cat === 'run') task.runs.push(e.ts, e.ts + e.dur);
      if (e.cat === 'await') {
        const wokenAt = typeof args.wokenAt === 'number' && Number.isFinite(args.wokenAt) ? args.wokenAt : NaN;
        task.waits.push({ start: e.ts, end: e.ts + e.dur, target: num(args.target), label: typeof e.name === 'string' ? e.name : '', by: num(args.by), byLabel: '', site: typeof args.awaitSite === 'string' ? args.awaitSite : '', wokenAt });
      }
    }
  }
  const exit = (root.traceEvents as ChromeEvent[]).find((e) => e && e.cat === 'exit' && e.ph === 'i');
  const dropped = (root.traceEvents as ChromeEvent[])
    .filter((e) => e && e.cat === 'dropped' && e.ph === 'i')
    .map((e) => ({ t: num(e.ts), count: num((e.args as Record<string, unknown> | undefined)?.count) }))
    .filter((d) => d.count > 0);
  const signals = (root.traceEvents as ChromeEvent[])
    .filter((e) => e && e.cat === 'signal' && e.ph === 'i' && typeof e.name === 'string')
    .map((e) => ({ t: num(e.ts), signal: e.name as string }));
  model.adopt({
    tasks: [...tasks.values()].filter((t) => t.name !== '' || t.runs.length > 0),
    endTime: num(other.endTime),
    info: validInfo(other.info),
    exit: exit ? validExit(exit.args) : undefined,
    dropped,
    signals,
  });
  return model;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function applyArgs(task: Task, args: Record<string, unknown>): void {
  task.parent = num(args.parent);
  task.kind = TASK_KINDS.includes(args.kind as TaskKind) ? (args.kind as TaskKind) : 'callback';
  task.site = typeof args.site === 'string' ? args.site : '';
  task.created = num(args.created);
  task.internal = args.internal === true;
  task.thread = num(args.thread);
  if (Array.isArray(args.members)) task.members = args.members.filter((m): m is number => typeof m === 'number');
  const end = typeof args.end === 'string' ? args.end : 'pending';
  const state = end.split(':')[0] as EndState | 'pending';
  if (state !== 'pending' && typeof args.endedAt === 'number') {
    task.end = { t: args.endedAt, state, message: end.slice(state.length + 2), site: typeof args.endSite === 'string' ? args.endSite : '' };
  }
  if (task.kind === 'combinator') task.name = task.name.replace(/ ×\d+$/, '');
}
