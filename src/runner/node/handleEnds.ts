// When the resources that are tasks end: timers cleared, handles closed, node:test's tests run,
// worker threads ended, the program's AsyncResources let go of; looked at as callbacks return and
// as the flusher looks.
import { childProcessClosed, childProcessEnd, clientRequestEnd, CLOSED, isClientRequest, isClosed, isGone, jsObjectOf, streamEnd } from './handleState';
import { truncate } from './lists';
import { CHILD_PROCESS, isNodeTest, nodeTestFinished, testFailure } from './names';
import { isTimerKind } from './resourceTypes';
import type { TaskStack } from './taskStack';
import type { TaskState } from './taskState';

/** What the thread's runner does as the program starts a worker thread, and once that thread has ended. */
export interface WorkerWatch {
  /** `handle`: the worker's native handle (its async resource), whose stopThread terminate() calls. */
  starting(task: TaskState, handle: object): void;
  ended(task: TaskState, ns: number): void;
}

/** Timers of one task looked at for a clear as its runs return (see watchForClear). */
const MAX_WATCHED_TIMERS = 8;
/** While no more handles than this are live, every callback returning to the loop looks at their timers (see endClearedTimersOfAll). */
const MAX_HANDLES_LOOKED_AT_EACH_CALLBACK = 16;

export class HandleEnds {
  /** Tasks of `new Worker` whose thread has not ended yet. */
  private readonly liveWorkers = new Set<TaskState>();
  /**
   * node:test's tests that have started and not ended, whose ends are looked for as node:test's
   * promises settle (endFinishedTests): few at a time, as node:test runs them one after another.
   */
  private readonly liveTests: TaskState[] = [];
  /** Whether there are any: read as every promise settles. */
  testsRunning = false;
  /**
   * AsyncResources of the program's still reachable: callback tasks, which end when the program
   * lets go of their resource (nothing runs its callback after that) or as it ends (see endProgramResources).
   */
  private readonly programResources = new Set<TaskState>();
  /** Tells when the program has let go of an AsyncResource of its own (express's one a request). */
  private readonly resourceDropped = new FinalizationRegistry<TaskState>((task) => this.endProgramResource(task, true));

  /** `forget`: lets go of a task that runs no more callbacks (see ResourceTasks.forget). */
  constructor(
    private readonly stack: TaskStack,
    private readonly now: () => number,
    private readonly forget: (task: TaskState) => void,
    private readonly workers: WorkerWatch,
  ) {}

  /** A `new Worker`'s task, whose thread has started. */
  addWorker(task: TaskState): void {
    this.liveWorkers.add(task);
  }

  /** A node:test test, started. */
  addTest(task: TaskState): void {
    this.liveTests.push(task);
    this.testsRunning = true;
  }

  /** A callback task for an AsyncResource of the program's (see programResources). */
  addProgramResource(task: TaskState, resource: object): void {
    this.programResources.add(task);
    this.resourceDropped.register(resource, task);
  }

  /**
   * As the program ends: an AsyncResource of the program's that has run ended as its callback last
   * returned (it had done its work; only a destroy hook is told when it is done), and one that
   * never ran is left pending (a callback never called).
   */
  endProgramResources(): void {
    for (const task of this.programResources) this.endProgramResource(task, false);
  }

  /** Ends an AsyncResource's task as its callback last returned, if it ran; `dropped`: its resource is gone, so is the task. */
  private endProgramResource(task: TaskState, dropped: boolean): void {
    if (!task.ended && task.lastReturnAt > 0) this.stack.endTask(task, task.lastReturnAt, 'resolved', '', '');
    if (!dropped) return;
    this.programResources.delete(task);
    this.forget(task);
  }

  /**
   * Ends timers cleared before they fired and handles that have closed, found when the flusher
   * looks: a handle closed in a callback of its own ended then (endIfClosed).
   */
  endClosedHandles(): void {
    const ns = this.now();
    for (const task of this.stack.liveHandles) this.endIfClosed(task, ns);
  }

  /**
   * Notes a timer its maker's code may clear. Only its latest few are looked at as its runs return
   * (a loop setting thousands would cost each return as much): older ones end when the flusher looks.
   */
  watchForClear(maker: TaskState, timer: TaskState): void {
    const timers = (maker.timers ??= []);
    if (timers.length === MAX_WATCHED_TIMERS) timers.shift();
    timers.push(timer);
  }

  /** Ends the timers `maker` made that its code, which has just run, cleared; forgets those that have ended. */
  endClearedTimers(maker: TaskState, ns: number): void {
    const timers = maker.timers!;
    let kept = 0;
    for (const timer of timers) {
      if (!timer.ended && timer.handle?._destroyed === true) this.endIfClosed(timer, ns < 0 ? this.now() : ns);
      if (!timer.ended) timers[kept++] = timer;
    }
    truncate(timers, kept);
  }

  /**
   * Ends the timers any code cleared (a watchdog cleared by another task than its maker), as a
   * callback returns to the loop: while few handles are live, looking costs less than the callback.
   */
  endClearedTimersOfAll(ns: number): void {
    const live = this.stack.liveHandles;
    if (live.size > MAX_HANDLES_LOOKED_AT_EACH_CALLBACK) return;
    for (const task of live) if (isTimerKind(task) && task.handle?._destroyed === true) this.endIfClosed(task, ns);
  }

  /** Ends node:test's tests that have run (a promise of node:test's settled: one may have). */
  endFinishedTests(ns: number): void {
    let kept = 0;
    for (const task of this.liveTests) {
      if (!task.ended) this.endIfClosed(task, ns);
      if (!task.ended) this.liveTests[kept++] = task;
    }
    truncate(this.liveTests, kept);
    this.testsRunning = kept > 0;
  }

  /** Ends `task`'s timer, handle or test at `ns` if it was cleared, has closed or has run. */
  endIfClosed(task: TaskState, ns: number): void {
    const handle = task.handle!;
    // Timers first: they are most of the handles looked at (W2: one a task a tick), and a test is none.
    if (isTimerKind(task)) {
      if (handle._destroyed === true && task.resumes === 0) this.stack.endTask(task, ns, 'cancelled', 'cleared before it fired', '');
      else if (handle._destroyed === true && !task.oneShot) this.stack.endTask(task, ns, 'resolved', 'cleared', '');
      if (task.ended) this.forget(task); // a cleared timer runs no more
    } else if (isNodeTest(handle)) {
      if (nodeTestFinished(handle)) {
        if (handle.passed === false) this.stack.endTask(task, ns, 'rejected', testFailure(handle), '');
        else this.stack.endTask(task, ns, 'resolved', '', '');
      }
    } else {
      const child = task.name.startsWith(CHILD_PROCESS) ? jsObjectOf(handle) : undefined;
      if (!((child && childProcessClosed(child)) ?? isClosed(handle))) return;
      const [state, message] = child ? childProcessEnd(child) : isClientRequest(handle) ? clientRequestEnd(handle) : streamEnd(handle, CLOSED);
      this.stack.endTask(task, ns, state, message, '');
      if (this.liveWorkers.delete(task)) this.workers.ended(task, ns);
      if (isGone(handle)) this.forget(task); // else its close callback may be still to run (see callbackDone)
    }
  }
}
