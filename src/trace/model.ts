// Folds the event stream into tasks, segments and links, incrementally, for the CLI and the live panel.
import { laneOwner, ownStretch, timeWithin } from './spanTime';
import { ChangedTasks } from './changedTasks';
import { closeWait, endRunAt, inLastRun, newLane, switchTo, type LoopLane } from './loopLane';
import { TaskTable } from './taskTable';
import type { LoopBlock, ProgramExit, Task, WaitSegment } from './task';
import { isProgramWork, MAX_SIGNALS, replay, type EndState, type ExitReason, type RunnerInfo, type TaskKind, type TraceEvent, type TraceSink } from './events';

export interface ModelOptions {
  /** A running segment longer than this holds the loop too long (microseconds). */
  longBlockUs: number;
  /**
   * Events folded from a stream at most (tasklane.maxEvents): past it, only the ends of tasks the
   * model has, drop reports and the exit; the rest are counted as dropped. The Node runner stops
   * recording there itself; Python's does not, and the reader's memory must stay bounded anyway.
   */
  maxEvents: number;
}

export const DEFAULT_LONG_BLOCK_MS = 50;
/** How a worker thread ends that Node stopped as the thread that started it ended. */
const STOPPED_WITH_STARTER = 'terminated as the thread that started it ended';
/**
 * Shared by every task that has none yet (runs, waits; members: all but combinators), replaced on
 * the first: a flood of short tasks makes no empty lists to throw away. Frozen, so a push to one
 * fails loudly rather than reaching every task.
 */
const NO_MEMBERS: number[] = Object.freeze([]) as unknown as number[];
const NO_RUNS: number[] = Object.freeze([]) as unknown as number[];
const NO_WAITS: WaitSegment[] = Object.freeze([]) as unknown as WaitSegment[];

export class TraceModel implements TraceSink {
  info: RunnerInfo | undefined;
  readonly tasks = new TaskTable();
  /** Main-thread loop occupancy in time order as flat [start, end, task] triples. */
  readonly loop: number[];
  /** Each other thread's loop occupancy (a Node worker's, a Python thread's running a loop), as `loop` is the main thread's, by thread. */
  readonly threadLoops = new Map<number, number[]>();
  readonly dropped: { t: number; count: number }[] = [];
  /** Signals the program received, in order (the first MAX_SIGNALS). */
  readonly signals: { t: number; signal: string }[] = [];
  exit: ProgramExit | undefined;
  /** Latest time seen in the stream. */
  endTime = 0;
  eventCount = 0;
  finished = false;
  /** The thread whose events come now, and its loop. */
  private thread = 0;
  private lane: LoopLane;
  private readonly mainLane: LoopLane;
  private readonly lanes = new Map<number, LoopLane>();
  private readonly options: ModelOptions;
  /** What the model dropped itself past the cap, in `dropped` too. */
  private ownDrops: { t: number; count: number } | undefined;
  /** Tasks touched since the last `takeChanged()`. */
  private readonly changed = new ChangedTasks();
  /** A wait that goes on after a callback of its task ran (waitOn), to the stretch before it. */
  private readonly waitedBefore = new WeakMap<WaitSegment, WaitSegment>();
  /** Tasks whose waits before their latest were relabeled since the last `takeRelabeled()`: the first such wait's index. */
  private relabeled = new Map<number, number>();
  /** Worker threads' scripts by the thread that started them (Node stops a thread's workers as it ends). */
  private readonly workersOf = new Map<number, Task[]>();
  /** When each worker thread whose script ended did. */
  private readonly threadEnds = new Map<number, number>();
  /** Each worker thread's tasks until its script ends (see end), and the list of the thread whose events come now. */
  private readonly threadTasks = new Map<number, Task[]>();
  private threadTaskList: Task[] | undefined;

  /** Tasks whose earlier waits were relabeled since the last call (see onAwaitBy), with the index of the first. */
  takeRelabeled(): Map<number, number> {
    const relabeled = this.relabeled;
    this.relabeled = new Map();
    return relabeled;
  }

  /** The ids of tasks that changed since the last call. */
  takeChanged(): number[] {
    return this.changed.take();
  }

  /** The task holding the event loop as far as the stream has told (0: idle, or none yet). */
  get loopHolder(): number {
    return this.mainLane.running;
  }

  constructor(options: Partial<ModelOptions> = {}) {
    this.options = { longBlockUs: DEFAULT_LONG_BLOCK_MS * 1000, maxEvents: Infinity, ...options };
    this.lane = this.mainLane = newLane();
    this.lanes.set(0, this.mainLane);
    this.loop = this.mainLane.segments;
  }

  get longBlockUs(): number {
    return this.options.longBlockUs;
  }

  /** Folds one event object (a file's, a synthesized exit); the live path has the decoder call the sink methods below. */
  apply(e: TraceEvent): void {
    replay(e, this);
  }

  onStart(info: RunnerInfo): void {
    this.eventCount++;
    this.info = info;
  }

  onTask(t: number, id: number, parent: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    if (!this.admit(t, id)) return;
    // `end` is there from the start: added at the task's end it would change the object's shape then.
    const task: Task = { id, parent, kind, name, site, internal, thread: this.thread, created: t, runs: NO_RUNS, waits: NO_WAITS, members: NO_MEMBERS, end: undefined };
    this.tasks.add(task);
    this.threadTaskList?.push(task);
    const starter = kind === 'script' && this.thread !== 0 ? this.tasks.get(parent) : undefined;
    if (starter === undefined || starter.thread === this.thread) return;
    // Its records can come after the end of the thread that started it (it sent them itself).
    const starterEnd = this.threadEnds.get(starter.thread);
    if (starterEnd !== undefined) this.end(task, Math.max(t, starterEnd), 'cancelled', STOPPED_WITH_STARTER, '', false);
    else if (this.workersOf.has(starter.thread)) this.workersOf.get(starter.thread)!.push(task);
    else this.workersOf.set(starter.thread, [task]);
  }

  onRename(t: number, id: number, name: string): void {
    if (!this.admit(t, id)) return;
    const task = this.tasks.get(id);
    if (task) task.name = name;
  }

  onRecast(t: number, id: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    if (!this.admit(t, id)) return;
    const task = this.tasks.get(id);
    if (!task) return;
    task.kind = kind;
    task.name = name;
    task.site = site;
    task.internal = internal;
  }

  onRun(t: number, id: number): void {
    if (!this.admit(t, id)) return;
    switchTo(this.lane, id, t, this.tasks, this.changed);
  }

  onAwait(t: number, id: number, target: number, label: string, site: string): void {
    if (!this.admit(t, id)) return;
    const task = this.tasks.get(id);
    if (!task) return;
    const open = task.waits.at(-1);
    if (open !== undefined && Number.isNaN(open.end) && open.site === site && open.target === 0 && open.label === '' && open.by === 0) {
      // What the open wait at this await is for, learned later (the call a thenable's then() made):
      // the same wait, told what it is for.
      open.target = target;
      open.label = label;
      return;
    }
    closeWait(task, t);
    endRunAt(this.lanes, task, t);
    const wait = { start: t, end: NaN, target, label, by: 0, byLabel: '', site, wokenAt: NaN };
    // A list's first push would make room for 17; most tasks have one wait or run, made to measure.
    if (task.waits.length === 0) task.waits = [wait];
    else task.waits.push(wait);
  }

  onAwaitBy(t: number, id: number, by: number, label: string): void {
    if (!this.admit(t, id)) return;
    const waits = this.tasks.get(id)?.waits;
    if (!waits || waits.length === 0) return;
    const wokenAt = inLastRun(this.tasks.get(by), t, waits[waits.length - 1].start);
    // The whole wait was for what ended it, its stretches before callbacks of the task's ran too
    // (each the wait before the next).
    let first = waits.length;
    for (let wait = waits.at(-1); wait !== undefined && wait.by === 0; wait = this.waitedBefore.get(wait)) {
      wait.by = by;
      wait.byLabel = label;
      wait.wokenAt = wokenAt;
      first--;
    }
    if (first < waits.length - 1) this.relabeled.set(id, Math.min(first, this.relabeled.get(id) ?? first));
  }

  onWaitOn(t: number, id: number): void {
    if (!this.admit(t, id)) return;
    const task = this.tasks.get(id);
    const before = task?.waits.at(-1);
    // (Python's runner tells it after any callback of the program's a task scheduled, ended or not.)
    if (!task || !before || task.end) return;
    closeWait(task, t);
    endRunAt(this.lanes, task, t);
    const wait = { start: t, end: NaN, target: before.target, label: before.label, by: 0, byLabel: '', site: before.site, wokenAt: NaN };
    task.waits.push(wait);
    this.waitedBefore.set(wait, before);
  }

  onJoin(t: number, id: number, member: number): void {
    if (!this.admit(t, id)) return;
    const task = this.tasks.get(id);
    if (!task) return;
    if (task.members === NO_MEMBERS) task.members = [];
    task.members.push(member);
  }

  onEnd(t: number, id: number, state: EndState, message: string, site: string): void {
    const task = this.tasks.get(id);
    // Past the cap the end of a task the model has still counts: the trace says how it ended.
    if (task) this.stamp(t, id);
    else if (!this.admit(t, id)) return;
    if (!task || task.end) return;
    this.end(task, t, state, message, site, true);
  }

  /**
   * `told`: the trace says so. A worker thread's script the program terminated is ended by its
   * parent once everything the thread recorded has been sent, so its unfinished tasks end with it;
   * one stopped as the thread that started it ended (which the model infers) may still have
   * records to come, and its tasks stay as they are.
   */
  private end(task: Task, t: number, state: EndState, message: string, site: string, told: boolean): void {
    closeWait(task, t);
    task.end = { t, state, message, site };
    if (task.kind === 'script' && task.thread !== 0) {
      // A worker thread's script ended: nothing runs on its loop after (a task terminated mid-run),
      // and the workers it started are stopped with it.
      switchTo(this.laneOf(task.thread), 0, t, this.tasks, this.changed);
      this.threadEnds.set(task.thread, t);
      const unfinished = told && state === 'cancelled' ? this.threadTasks.get(task.thread) ?? [] : [];
      this.threadTasks.delete(task.thread);
      for (const other of [...unfinished, ...(this.workersOf.get(task.thread) ?? [])]) {
        if (other.end) continue;
        this.changed.mark(other.id);
        const stopped = other.thread !== task.thread;
        this.end(other, t, 'cancelled', stopped ? STOPPED_WITH_STARTER : message, '', false);
      }
      this.workersOf.delete(task.thread);
    }
    // Lists of more than one grew with room to spare, and the task is done now: keep them exact.
    if (task.runs.length > 2) task.runs = task.runs.slice();
    if (task.waits.length > 1) task.waits = task.waits.slice();
  }

  onDropped(t: number, count: number): void {
    this.stamp(t, -1);
    this.dropped.push({ t, count });
  }

  onSignal(t: number, signal: string): void {
    this.stamp(t, -1);
    if (this.signals.length < MAX_SIGNALS) this.signals.push({ t, signal });
  }

  onExit(t: number, reason: ExitReason, code: number | null, signal: string, message: string, site: string): void {
    this.stamp(t, -1);
    this.exit = { t, reason, code, signal, message, site };
  }

  onThread(id: number): void {
    this.thread = id;
    this.lane = this.laneOf(id);
    if (id === 0) this.threadTaskList = undefined;
    else if (this.threadTasks.has(id)) this.threadTaskList = this.threadTasks.get(id);
    else this.threadTasks.set(id, (this.threadTaskList = []));
  }

  private laneOf(thread: number): LoopLane {
    let lane = this.lanes.get(thread);
    if (lane === undefined) {
      lane = newLane();
      this.lanes.set(thread, lane);
      this.threadLoops.set(thread, lane.segments);
    }
    return lane;
  }

  /** Stamps the event, or counts it dropped once the cap is reached. */
  private admit(t: number, id: number): boolean {
    if (this.eventCount < this.options.maxEvents) {
      this.stamp(t, id);
      return true;
    }
    if (this.ownDrops === undefined) {
      this.ownDrops = { t, count: 0 };
      this.dropped.push(this.ownDrops);
      // Who holds the loops from here is not known: the last task seen running did not hold one to the end.
      for (const lane of this.lanes.values()) switchTo(lane, 0, t, this.tasks, this.changed);
    }
    this.ownDrops.count++;
    return false;
  }

  /** Every event counts, moves the trace's end, and marks its task changed (-1: it has none). */
  private stamp(t: number, id: number): void {
    this.eventCount++;
    if (t > this.endTime) this.endTime = t;
    if (id >= 0) this.changed.mark(id);
  }

  /** Closes whatever is still open at the end of the program. */
  finish(t = this.endTime): void {
    if (this.finished) return;
    this.endTime = Math.max(this.endTime, t);
    for (const lane of this.lanes.values()) switchTo(lane, 0, this.endTime, this.tasks, this.changed);
    for (const task of this.tasks.values()) {
      if (closeWait(task, this.endTime)) this.changed.mark(task.id);
    }
    this.finished = true;
  }

  /** The name to show: combinators count their members ("Promise.all ×3"). */
  displayName(task: Task): string {
    return task.kind === 'combinator' && task.members.length > 0 ? `${task.name} ×${task.members.length}` : task.name;
  }

  /** What a wait was for, in words. */
  waitLabel(wait: WaitSegment): string {
    if (wait.label) return wait.label;
    const target = this.tasks.get(wait.target);
    const by = this.tasks.get(wait.by);
    const how = wait.byLabel || (by ? this.displayName(by) : '');
    // A task awaited directly says enough; an I/O helper ("events.once") is clearer as what woke it,
    // unless that is the runtime's own work, hidden by default (SubtleCrypto.digest's crypto.hash),
    // or the helper's own (a fetch woken by a read of the socket it opened: the fetch says more).
    if (target && (target.kind !== 'io' || !how || (!wait.byLabel && by?.internal) || by?.parent === target.id)) return this.displayName(target);
    return how || 'promise';
  }

  /**
   * The task whose code woke a wait (a producer's Queue.put), where the wait's label does not name
   * it already (a sleep's timer, the socket a read was from); 0 if none or unknown. `label`: the
   * wait's waitLabel, when the caller has it.
   */
  wokenBy(wait: WaitSegment, label?: string): number {
    if (wait.by === 0 || wait.by === wait.target) return 0;
    const by = this.tasks.get(wait.by);
    if (!by) return 0;
    label ??= this.waitLabel(wait);
    return label === this.displayName(by) || label === wait.byLabel ? 0 : by.id;
  }

  endState(task: Task): EndState | 'pending' {
    return task.end ? task.end.state : 'pending';
  }

  /** A coroutine span's is its task's running while it is open (see spanTime). */
  runningTime(task: Task): number {
    const lane = laneOwner(task, this.tasks);
    const [from, to] = ownStretch(task, lane, task.created, this.endTimeOf(task));
    return timeWithin(lane.runs, from, to, this.openEnd);
  }

  /** A coroutine span's is its task's waiting while it is open (see spanTime). */
  waitingTime(task: Task): number {
    const lane = laneOwner(task, this.tasks);
    const [from, to] = ownStretch(task, lane, task.created, this.endTimeOf(task));
    let total = 0;
    for (const w of lane.waits) total += Math.max(0, Math.min(this.openEnd(w.end), to) - Math.max(w.start, from));
    return total;
  }

  private readonly openEnd = (end: number): number => (Number.isNaN(end) ? this.endTime : end);

  /** The trace's time (µs) at a wall-clock moment (epoch ms), never before its last event. */
  timeAt(epochMs: number): number {
    const started = this.info?.startedAt;
    return started ? Math.max(this.endTime, (epochMs - started) * 1000) : this.endTime;
  }

  /** When the task ended, or the end of the trace for one still pending. */
  endTimeOf(task: Task): number {
    return task.end ? task.end.t : this.endTime;
  }

  /** Loop segments longer than the threshold, longest first; the tracer's own work is none of the program's. */
  longBlocks(): LoopBlock[] {
    const blocks: LoopBlock[] = [];
    for (const [thread, lane] of this.lanes) {
      const loop = lane.segments;
      for (let i = 0; i < loop.length; i += 3) {
        const start = loop[i];
        const end = Number.isNaN(loop[i + 1]) ? this.endTime : loop[i + 1];
        if (end - start > this.options.longBlockUs && isProgramWork(this.tasks.get(loop[i + 2])?.kind)) blocks.push({ task: loop[i + 2], thread, start, end });
      }
    }
    return blocks.sort((a, b) => b.end - b.start - (a.end - a.start));
  }

  /** Takes over tasks read from a file; the loop lane is rebuilt from their running segments. */
  adopt(parts: { tasks: Task[]; endTime: number; info?: RunnerInfo; exit?: ProgramExit; dropped?: { t: number; count: number }[]; signals?: { t: number; signal: string }[]; eventCount?: number }): void {
    for (const task of parts.tasks) this.tasks.add(task);
    const runs: number[][] = [];
    for (const task of parts.tasks) for (let i = 0; i < task.runs.length; i += 2) runs.push([task.runs[i], task.runs[i + 1], task.id, task.thread]);
    runs.sort((a, b) => a[0] - b[0]);
    let lastRun = 0;
    for (const r of runs) {
      this.laneOf(r[3]).segments.push(r[0], r[1], r[2]);
      lastRun = Math.max(lastRun, r[1]);
    }
    this.info = parts.info;
    this.exit = parts.exit;
    this.dropped.push(...(parts.dropped ?? []));
    this.signals.push(...(parts.signals ?? []).slice(0, MAX_SIGNALS));
    this.eventCount = parts.eventCount ?? 0;
    this.endTime = Math.max(parts.endTime, lastRun);
    this.finished = true;
  }

  childrenOf(id: number): Task[] {
    const out: Task[] = [];
    for (const task of this.tasks.values()) if (task.parent === id) out.push(task);
    return out;
  }
}
