// Which task holds the loop: the tasks entered synchronously in the callback running now, the
// callbacks' frames, and the run, idle, creation and end records that follow from them. Shared by
// the tracer's promise side and resource side.
import type { EndState } from '../../trace/events';
import { isPackageFile } from './callFrames';
import type { CallSiteInfo } from './callSiteInfo';
import { isCalledThrough } from './callsites';
import type { EventOutput } from './eventOutput';
import { taskBehind } from './promiseMarks';
import { knownSettled } from './promiseState';
import type { TaskIds } from './taskIds';
import { HOOKLESS_RUN } from './taskSites';
import { newTaskState, type TaskState } from './taskState';

/** Code numbers for the two tasks that have no creation site; SiteCache numbers sites from FIRST_CODE. */
const ROOT_CODE = 0;
export const INTERNALS_CODE = 1;
/** Gap after a callback beyond which the loop counts as idle rather than still busy. */
export const IDLE_GAP_NS = 20_000;

export class TaskStack {
  /** The script's own task. */
  readonly root: TaskState;
  /** Node's own code, which runs as no task of the program's (id 0). */
  readonly internals: TaskState;
  /** Tasks entered synchronously in the current callback; the last is running. */
  readonly sync: TaskState[] = [];
  /** For each callback running (nested when one runs inside another), where its tasks start in `sync`. */
  readonly frameBase: number[] = [];
  /** The task whose callback or reaction each frame runs. */
  readonly frameOwners: TaskState[] = [];
  /** What each frame's run is shown as: its owner, or Node's own work (a callback of a task that waits at an await). */
  readonly frameShownAs: TaskState[] = [];
  /** The task whose callback (not a promise reaction) ran last: the microtasks running now follow it. */
  checkpointOf: TaskState | undefined;
  /** Callbacks (not promise reactions) entered so far: numbers the microtask checkpoints. */
  checkpoints = 0;
  /**
   * While V8 runs the job that adopts a promise (a .then callback of this task returned one, or the
   * task awaits a thenable): the promise chained on it in that job tells what the task waits for now.
   */
  adopting: TaskState | undefined;
  /** What `adopting`'s job adopts is the promise the task itself returned. */
  adoptingReturned = false;
  /** The job running now adopts for a task whose wait is held since its .then callback ended: it runs as part of that wait. */
  quietJob = false;
  /**
   * Async generators a builtin steps (`Array.fromAsync(gen())`), by their function's key
   * (CallSiteInfo.callers), each with the task awaiting the builtin: see hooklessStepOwner.
   */
  readonly builtinStepped = new Map<string, TaskState>();
  /** Tasks awaiting a builtin that runs the program's code in jobs no hook reports (TaskState.awaitsBuiltinStepping). */
  private readonly builtinSteppers: TaskState[] = [];
  /** The task whose builtin runs the hookless job running now (see enterHooklessJob); undefined in a callback. */
  private hooklessOwner: TaskState | undefined;
  /** Where in `sync` that job's tasks start. */
  private hooklessBase = 0;
  /** The job has run the program's code, shown as its owner's run (see hooklessJobMade). */
  private hooklessShown = false;
  /** The main script's own synchronous run has ended: code that runs in no callback from then on runs in a hookless job. */
  scriptRunEnded = false;
  /** Timers and handles still open, checked at each flush for clearTimeout or close. */
  readonly liveHandles = new Set<TaskState>();
  /** The task the trace last said holds the loop (0: none). */
  running = 0;
  /** When the loop went idle after the last callback, -1 while one runs. */
  idleSince = -1;
  /**
   * Node is loading the script's ES modules (from the end of its first run until code of the
   * program runs): the loader's work, reading and compiling every module, is the script's run,
   * as a CommonJS script's require() calls are, not Node's own work shown as idle.
   */
  loadingModules = false;

  constructor(private readonly out: EventOutput, private readonly now: () => number, script: string, private readonly ids: TaskIds) {
    this.root = newTaskState('script', script, ROOT_CODE, false);
    this.internals = newTaskState('callback', 'node internals', INTERNALS_CODE, false);
    this.internals.id = 0;
  }

  /** The task a run of `task`'s code is shown as. */
  runShownAs(task: TaskState): number {
    if (task === this.internals && this.loadingModules) return this.root.id;
    // The script's code that Node's runs while its body waits at a top-level await (a web stream
    // calling the program's pull) resumes no await of it: Node's work inside its wait, which goes
    // on. (A builtin awaited there that steps the program's code, Array.fromAsync's, runs it as the
    // script's, its wait going on after each step: see enterHooklessJob.)
    // (A callback of the program's that cut its wait is its code: see Tracer.enter.)
    if (task === this.root && task.awaiting && !task.awaitsBuiltinStepping && !task.waitCut) return this.internals.id;
    return task.id;
  }

  get top(): TaskState {
    return this.sync.length ? this.sync[this.sync.length - 1] : this.internals;
  }

  /**
   * What the code running now is shown as: the task on top, or what its frame is shown as when that
   * task is the frame's own (no call entered since the callback started).
   */
  shownNow(): TaskState {
    const top = this.top;
    const frame = this.frameBase.length - 1;
    return frame >= 0 && this.sync.length - 1 === this.frameBase[frame] ? this.frameShownAs[frame] : top;
  }

  /** Where the current callback's tasks start in `sync`. */
  frameFloor(): number {
    return this.frameBase.length ? this.frameBase[this.frameBase.length - 1] : 0;
  }

  stateOf(id: number): TaskState | undefined {
    for (let i = this.sync.length - 1; i >= 0; i--) if (this.sync[i].id === id) return this.sync[i];
    return undefined;
  }

  /** A callback (`reaction`: a promise reaction) starts running `owner`'s code, on top of whatever it interrupts. */
  enterFrame(owner: TaskState, reaction: boolean, shownAs: TaskState): void {
    if (this.hooklessOwner !== undefined) this.leaveHooklessJob();
    this.frameBase.push(this.sync.length);
    this.frameOwners.push(owner);
    this.frameShownAs.push(shownAs);
    if (!reaction) {
      this.checkpointOf = owner;
      this.checkpoints++;
    }
    this.sync.push(owner);
  }

  /** The callback enterFrame started has returned: the tasks entered in it leave the stack. */
  leaveFrame(): void {
    const base = this.frameBase.pop() ?? 0;
    while (this.sync.length > base) this.sync.pop();
    this.frameOwners.pop();
    this.frameShownAs.pop();
    this.adopting = undefined;
  }

  /**
   * The task whose code runs: the one on top, or below the helpers and combinators on top, which
   * stay there once they have returned until the code makes a promise (but a helper's own callback).
   */
  runningBelowHelpers(): TaskState {
    return this.below((task) => task.transient);
  }

  /**
   * The task whose code threw an exception nothing caught: as runningBelowHelpers, and not an
   * async function either, which turns what its code throws into its rejection (one on the stack
   * has returned its promise: `const source = load();` before the throw).
   */
  throwing(): TaskState {
    return this.below((task) => task.transient || task.kind === 'async');
  }

  /** The task nearest the top of this callback's stack that is not `passed` (its first one, else). */
  private below(passed: (task: TaskState) => boolean): TaskState {
    const floor = this.frameFloor();
    let at = this.sync.length - 1;
    while (at > floor && passed(this.sync[at])) at--;
    return this.sync[at] ?? this.top;
  }

  /**
   * User code runs again: the helpers and combinators it called before have returned, but the one
   * that called it back (one of `calledBy`, see CallSiteInfo), whose code it is part of.
   */
  popReturnedTransients(calledBy = ''): TaskState {
    while (this.top.transient && !isCalledThrough(calledBy, this.top.apiKey) && this.sync.length > this.frameFloor() + 1) this.sync.pop();
    return this.top;
  }

  /**
   * Whether user code that made something (`info`) is code the helper on top called back (an async
   * generator a stream pipeline pulls, a Transform's function), and so part of the helper's work:
   * called through the helper's API while its call runs, or run in a job of the helper's own (where
   * its caller never resumes).
   */
  calledBack(info: CallSiteInfo): boolean {
    const top = this.top;
    if (!top.transient || info.site === '') return false;
    if (info.calledBy !== '') return isCalledThrough(info.calledBy, top.apiKey);
    return this.frameBase.length > 0 && this.sync.length - 1 === this.frameFloor();
  }

  /**
   * User code running inside a callback of Node's own (an ES module body evaluated by the loader,
   * a listener called from an internal tick) belongs to the script: the root task takes over.
   */
  adoptUserCode(info: CallSiteInfo): boolean {
    if (this.top !== this.internals || info.shape === 'none' || this.frameBase.length === 0) return false;
    if (endsLoading(info)) this.loadingModules = false;
    this.sync.push(this.root);
    this.switchTo(this.runShownAs(this.root), this.now());
    return true;
  }

  /** `task` awaits a builtin that runs the program's code in jobs no hook reports (Array.fromAsync). */
  awaitsBuiltinStepping(task: TaskState): void {
    task.awaitsBuiltinStepping = true;
    if (!this.builtinSteppers.includes(task)) this.builtinSteppers.push(task);
  }

  /**
   * Called as the program makes a promise or resource. Code running in no callback after the
   * script's own run runs in a job of V8's that no hook reports: while one task awaits a builtin
   * that runs the program's code so (Array.fromAsync calls its mapper and resumes an async
   * generator after its first step in such jobs), the job is that task's, entered as a
   * callback's task is (see HOOKLESS_RUN) until the next callback. The job's end is unseen: see
   * hooklessSuspended.
   */
  enterHooklessJob(): void {
    if (this.frameBase.length > 0 || !this.scriptRunEnded) return;
    if (this.hooklessOwner !== undefined) {
      if (this.hooklessShown) this.idleSince = -1; // the job goes on: the loop was not idle since its code suspended
      return;
    }
    if (this.sync.length !== 1 || this.builtinSteppers.length === 0) return;
    const owner = this.builtinStepper();
    if (owner === undefined) return;
    this.hooklessOwner = owner;
    this.hooklessShown = false;
    this.hooklessBase = this.sync.length;
    this.sync.push(owner);
    owner.resumedFrom = HOOKLESS_RUN;
    owner.siteRow = undefined;
  }

  /**
   * What the hookless job entered made (`info`) tells whether it runs the program's code: V8's and
   * Node's own steps of the builtin (over an array's values, a stream's iterator) are the owner's
   * work, what they make its (a stream's close), but no run of its code. The job runs in the
   * microtask checkpoint after the last callback, whose end the loop was taken to be idle from:
   * the owner's step ran from then.
   */
  hooklessJobMade(info: CallSiteInfo): void {
    const owner = this.hooklessOwner;
    if (owner === undefined || this.hooklessShown || info.shape === 'none') return;
    this.hooklessShown = true;
    const from = this.idleSince >= 0 ? this.idleSince : this.now();
    this.idleSince = -1;
    this.switchTo(owner.id, from);
  }

  /** Code runs now in a hookless job enterHooklessJob entered, its owner's. */
  inHooklessJob(): boolean {
    return this.hooklessOwner !== undefined;
  }

  /** The hookless job enterHooklessJob entered has ended, unseen until now: its tasks leave the stack. */
  private leaveHooklessJob(): void {
    const owner = this.hooklessOwner!;
    this.sync.length = this.hooklessBase;
    this.hooklessOwner = undefined;
    // It ran the owner's step to its end: the owner's wait for the builtin goes on from here.
    if (this.running === owner.id) this.resumeWait(owner, this.now());
  }

  /** The task awaiting such a builtin; the script while several do (see hooklessStepOwner); undefined while none does. */
  private builtinStepper(): TaskState | undefined {
    const steppers = this.builtinSteppers;
    for (let i = steppers.length - 1; i >= 0; i--) if (!steppers[i].awaitsBuiltinStepping || steppers[i].ended) steppers.splice(i, 1);
    return steppers.length === 0 ? undefined : steppers.length === 1 ? steppers[0] : this.root;
  }

  /**
   * With several tasks awaiting such builtins (see enterHooklessJob), the one whose builtin steps
   * the async generator running now in a hookless job, told by the generator's function: what the
   * step makes is that task's, not the script's, as the first step's was.
   */
  hooklessStepOwner(info: CallSiteInfo): TaskState | undefined {
    if (this.builtinStepped.size === 0 || this.frameBase.length > 0 || this.top !== this.root) return undefined;
    for (const fn of info.callers) {
      const owner = this.builtinStepped.get(fn);
      if (owner === undefined) continue;
      if (owner.awaitsBuiltinStepping && !owner.ended) return owner;
      this.builtinStepped.delete(fn); // the builtin has settled
    }
    return undefined;
  }

  /**
   * A .then callback of a task waiting at an await has returned: the task waits on, for the same.
   * Held like any await, so that a resume right after it (the callback settled what the task
   * awaits) leaves no wait in between. Unless the task it waited for, taken to settle a promise
   * that stands for no task, has ended and that promise is still pending: that task was not what
   * settles it (a promise whose executor chained a call for its side effect, `log().then(noop)`,
   * or to set the timer that resolves it), and the wait goes on for whatever does. (A chain on a
   * task's promise, `race(…).finally(cleanup)`, stands for the task, and settles a job later.)
   */
  resumeWait(task: TaskState, ns: number): void {
    task.waitCut = false;
    if (!task.awaiting || task.ended) return;
    this.out.releaseAwait();
    const awaited = task.awaited;
    const passed = task.waitTarget?.ended === true && awaited !== undefined && !knownSettled(awaited) && taskBehind(awaited) === undefined;
    if (passed) {
      task.waitTarget = undefined;
      task.waitLabel = '';
    }
    const held = this.out.held;
    held.waiter = task;
    held.target = task.waitTarget?.id ?? 0;
    held.label = task.waitLabel;
    held.site = task.waitSite;
    held.ns = ns < 0 ? this.now() : ns;
    held.queued = false;
    held.inGenerator = false;
    held.continues = task.waitShown && !passed;
  }

  /**
   * The code of a hookless job suspended (at an await, or back in the job's own code once a call
   * in it suspended): the job may end at any moment unseen, so the loop counts as idle from now
   * unless more of it follows. `ns`: when, -1 for now.
   */
  hooklessSuspended(ns: number): void {
    if (this.frameBase.length > 0 || !this.scriptRunEnded) return;
    const owner = this.hooklessOwner;
    if (owner === undefined) {
      // A job no task awaits the builtin of (one raced with a timeout): its code is the script's.
      if (this.sync.length === 1) this.idleSince = ns < 0 ? this.now() : ns;
      return;
    }
    if (!this.hooklessShown || this.top !== owner) return;
    this.idleSince = ns < 0 ? this.now() : ns;
    this.resumeWait(owner, this.idleSince); // its step ran inside its wait for the builtin, which goes on
  }

  /** Gives the task its id and writes its creation (unless past the event cap). */
  emitTask(task: TaskState, ns: number, parent: number, site: string, internal: boolean): void {
    task.id = this.ids.take();
    task.site = site;
    task.parentId = parent;
    task.announced = this.out.admit();
    if (task.announced) this.out.enc.task(ns, task.id, parent, task.kind, task.name, site, internal);
  }

  endTask(task: TaskState, ns: number, state: EndState, message: string, site: string): void {
    task.ended = true;
    task.promise = undefined;
    task.resource = undefined;
    if (task.handle !== undefined) {
      task.handle = undefined;
      this.liveHandles.delete(task);
    }
    if (task.announced && this.out.admitEnd()) this.out.enc.end(ns, task.id, state, message, site);
  }

  rename(task: TaskState, ns: number, name: string): void {
    if (name === task.name) return;
    task.name = name;
    if (this.out.admit()) this.out.enc.rename(ns, task.id, name);
  }

  /**
   * The loop is the code's running now from `ns` (a call it made has returned or suspended): shown
   * as shownNow says, so a callback of a task that waits stays Node's work when a call inside it ends.
   */
  switchToRunning(ns: number): void {
    this.switchTo(this.runShownAs(this.shownNow()), ns);
    this.hooklessSuspended(ns);
  }

  switchTo(id: number, ns: number): void {
    // Code runs in no callback after the script's own run (a hookless job, see enterHooklessJob):
    // the loop has not been idle since the callback before, in whose microtasks it runs.
    if (this.idleSince >= 0 && this.frameBase.length === 0 && this.scriptRunEnded) this.idleSince = -1;
    if (id === this.running) return;
    this.running = id;
    if (this.out.admit()) this.out.enc.run(ns, id);
  }

  /** Writes the idle run that started when the last callback returned. */
  recordIdle(): void {
    const at = this.idleSince;
    this.idleSince = -1;
    if (this.running !== 0) {
      this.running = 0;
      if (this.out.admit()) this.out.enc.run(at, 0);
    }
  }

  /**
   * Node makes a resource at `ns` between callbacks (libuv accepting a connection): the loop was
   * idle until then, which goes first, as records are in time order (written after the resource's,
   * the idle would start only at `ns`, and the callback before would seem to have held the loop).
   */
  idleUntil(ns: number): void {
    if (this.idleSince >= 0 && ns - this.idleSince > IDLE_GAP_NS) this.recordIdle();
  }
}

/**
 * Whether code that runs while the script's ES modules load is the script's own, which ends the
 * loading: a package's CommonJS code runs as the loader evaluates it, and a module with top-level
 * await makes its promise at its start (line 1, column 1) as it is linked, before its imports run.
 */
function endsLoading(info: CallSiteInfo): boolean {
  return !isPackageFile(info.site) && !(info.moduleBody && info.site.endsWith(':1:1'));
}
