// Turns V8's promise hooks and async_hooks callbacks into task-level events. Runs inside the
// user's process: every hook is cheap, allocation-light and wrapped so that nothing it does can
// reach the user's program. Promises are PromiseTasks' to follow, other resources ResourceTasks'
// (and when they end, HandleEnds'); this file wires the hooks and follows callbacks as they start
// and return.
import * as asyncHooks from 'node:async_hooks';
import type { FrameEncoder } from '../../trace/frameEncoder';
import type { EndState } from '../../trace/events';
import type { CallReader } from './callsites';
import type { CallSiteInfo } from './callSiteInfo';
import { EventOutput } from './eventOutput';
import { HandleEnds, type WorkerWatch } from './handleEnds';
import type { UndiciRequest } from './names';
import { asyncHooksInUse, installPromiseHooks, type PromiseHooks } from './promiseHooks';
import { marks } from './promiseMarks';
import { PromiseSettles } from './promiseSettles';
import { PromiseTasks } from './promiseTasks';
import { ResourceTasks } from './resourceTasks';
import type { TaskIds } from './taskIds';
import { IDLE_GAP_NS, INTERNALS_CODE, TaskStack } from './taskStack';
import { CALLBACK_RUN, CHECKS_PER_RESUME, JOB_RUN, TaskSites } from './taskSites';
import { newTaskState, type TaskState } from './taskState';
import { MEMBER_JOB, NODE_ITERATOR_JOB, PROGRAM_CALLBACK, RETURNED_JOB, THENABLE_JOB } from './thenSites';

/** What a guarded hook does. */
const ENTER = 0;
const ENTER_REACTION = 1;
const LEAVE = 2;
const SETTLED = 3;
const TESTS_RAN = 4;
/** An await resumed sooner than this, with nothing run in between, is merged into its run. */
const MERGE_WAIT_NS = 20_000;

export interface TracerOptions {
  encoder: FrameEncoder;
  maxEvents: number;
  /** Sends the frame built so far. */
  flush: () => void;
  now: () => number;
  capture: (skipAbove: Function, withParent: boolean) => CallSiteInfo;
  /** A cheaper look at the stack, checking a cached async call (see SiteCache). */
  probe: (skipAbove: Function) => string;
  /** Reads calls under way from the stack (see CallReader). */
  calls: CallReader;
  /** Where task ids come from (shared with the program's other threads). */
  ids: TaskIds;
  /** The task that started this thread (a worker's `new Worker`), 0 for the main thread. */
  parentTask: number;
  /** Told of each `new Worker`'s task as it is made, before the worker thread starts, and as the thread has ended. */
  workers: WorkerWatch;
}

export class Tracer {
  private readonly hook: asyncHooks.AsyncHook;
  private readonly out: EventOutput;
  private readonly now: () => number;
  private readonly stack: TaskStack;
  private readonly promises: PromiseTasks;
  private readonly settles: PromiseSettles;
  private readonly resources: ResourceTasks;
  private readonly ends: HandleEnds;
  /** Told as the thread's loop goes idle, its outermost callback returned (see startWorker). */
  wentIdle: (() => void) | undefined;
  /** Set while the tracer does its own work, whose resources must not be traced. */
  private paused = false;
  private readonly ownIds = new Set<number>();
  /** The hook running now: stack captures start below it. */
  private hookFrame: Function;
  private readonly promiseHooks: PromiseHooks;
  private stopPromiseHooks: () => void = () => undefined;
  /** Tasks standing for the runner's own work, by name. */
  private readonly ownTasks = new Map<string, TaskState>();
  private readonly parentTask: number;

  constructor(options: TracerOptions, script: string) {
    this.now = options.now;
    this.out = new EventOutput(options.encoder, options.maxEvents, options.flush, options.now);
    this.stack = new TaskStack(this.out, this.now, script, options.ids);
    this.parentTask = options.parentTask;
    const { capture, probe, calls } = options;
    const sites = new TaskSites(
      (withParent) => capture(this.hookFrame, withParent),
      () => probe(this.hookFrame),
      { call: (fnKey) => calls.call(this.hookFrame, fnKey), helper: () => calls.helper(this.hookFrame) },
      this.stack.internals,
    );
    this.promises = new PromiseTasks(this.stack, sites, this.out, this.now, (promise) => this.settles.onSettled(promise));
    this.settles = new PromiseSettles(this.stack, this.out, this.now, (fn) => this.untraced(fn));
    this.ends = new HandleEnds(this.stack, this.now, (task) => this.resources.forget(task), options.workers);
    this.resources = new ResourceTasks(this.stack, sites, this.now, (info) => this.promises.popReturnedCalls(info, false), (top, info, ns) => this.promises.stepShown(top, info, false, ns), options.workers,
      this.promises, this.ends);
    // Resources other than promises come through async_hooks.
    const init = (asyncId: number, type: string, trigger: number, resource: object): void => {
      if (this.paused) {
        this.ownIds.add(asyncId);
        return;
      }
      if (type === 'PROMISE') return; // only while the program has async hooks of its own: promises come through V8's hooks
      if (this.out.full && !this.resources.followedPastCap(type, trigger)) {
        this.out.drop();
        return;
      }
      this.paused = true;
      this.hookFrame = init;
      try {
        this.resources.onResource(asyncId, type, trigger, resource);
      } catch {
        // never let tracing reach the program
      } finally {
        this.paused = false;
      }
    };
    // Promises come through V8's promise hooks; the tracer's own promises stay unmarked, so their
    // reactions are ignored too.
    const promiseInit = (promise: Promise<unknown>, parent: Promise<unknown> | undefined): void => {
      if (this.paused) return;
      if (this.out.full) {
        // Past the cap a new promise is no task's end to record: unfollowed, its reactions cost nothing.
        this.out.drop();
        return;
      }
      marks.follow(promise, this.stack.internals);
      this.paused = true;
      this.hookFrame = promiseInit;
      try {
        // A call that settled at once ends as the next promise is made: a loop of such calls
        // keeps no task states alive until it returns (each would live through a GC or two).
        if (this.settles.settling) this.settles.settlePending();
        this.promises.onPromise(promise, parent);
      } catch {
        // never let tracing reach the program
      } finally {
        this.paused = false;
      }
    };
    this.hookFrame = init;
    this.hook = asyncHooks.createHook({
      init,
      before: (id) => {
        const owner = this.resources.ownerOf(id);
        if (owner !== undefined) this.guarded(ENTER, owner, id);
      },
      after: (id) => {
        if (this.paused || this.ownIds.delete(id)) return;
        const owner = this.resources.ownerOf(id);
        if (owner === undefined) return;
        this.resources.callbackDone(id, owner);
        this.guarded(LEAVE, owner, 0);
      },
    });
    this.promiseHooks = {
      init: promiseInit,
      before: (promise) => {
        const owner = marks.owner(promise);
        if (owner === undefined) return;
        let thenSite = marks.thenSite(promise);
        // A .then's callback runs once: V8 runs the promise's hooks again only for the job that
        // adopts what the callback returned, when that is a promise (no run of the task's). A
        // task's own promise has no callback: its only job adopts what the task returned.
        if (thenSite > 0) marks.setThenSite(promise, THENABLE_JOB);
        else if (owner.promise === promise) thenSite = RETURNED_JOB;
        this.guarded(ENTER_REACTION, owner, thenSite, promise);
      },
      after: (promise) => {
        const owner = marks.owner(promise);
        if (owner !== undefined) this.guarded(LEAVE, owner, 0);
      },
      settled: (promise) => {
        if (this.paused) return;
        if (marks.watched(promise)) this.guarded(SETTLED, undefined, 0, promise);
        // node:test runs a test in promises of its own, which settle as it ends: look at them then.
        else if (this.ends.testsRunning) this.guarded(TESTS_RAN, undefined, 0);
      },
    };
  }

  start(): void {
    const ns = this.now();
    const root = this.stack.root;
    this.stack.sync.push(root);
    this.stack.emitTask(root, ns, this.parentTask, '', false);
    this.stack.switchTo(root.id, ns);
    const othersHadHooks = asyncHooksInUse();
    this.hook.enable();
    this.stopPromiseHooks = installPromiseHooks(this.promiseHooks, othersHadHooks);
  }

  /**
   * The main script's own synchronous run has ended (a tick queued before it runs just after it):
   * the loop is idle from here unless a callback follows at once. Nothing else ends that run.
   */
  scriptRan(): void {
    this.untraced(() => {
      // No main module yet: the script is an ES module, which Node goes on to load.
      this.stack.loadingModules = process.mainModule === undefined;
      this.stack.scriptRunEnded = true;
      this.resources.nameMadeHandles(-1);
      if (this.stack.frameBase.length === 0 && this.stack.idleSince < 0) this.stack.idleSince = this.now();
    });
  }

  /** The id of the thread's own task (given as the tracer starts). */
  get rootTask(): number {
    return this.stack.root.id;
  }

  /** Names the thread's own task (a worker's, once Node has told it which file it runs). */
  nameRoot(name: string): void {
    this.untraced(() => this.stack.rename(this.stack.root, this.now(), name));
  }

  /**
   * Runs the runner's own work in the program's thread (transpiling TypeScript) untraced, as an
   * internal task named `name`: the loop lane then says whose time it was, not the script's.
   */
  ownWork<T>(name: string, fn: () => T): T {
    return this.untraced(() => {
      let task = this.ownTasks.get(name);
      if (task === undefined) {
        task = newTaskState('tracer', name, INTERNALS_CODE, false);
        this.ownTasks.set(name, task);
        this.stack.emitTask(task, this.now(), this.stack.top.id, '', true);
      }
      const resume = this.stack.running;
      this.stack.switchTo(task.id, this.now());
      try {
        return fn();
      } finally {
        this.stack.switchTo(resume, this.now());
      }
    });
  }

  /**
   * Tells the program's signal tasks (SignalTasks) of a listener it adds or removes, or of a signal
   * arriving at the runner's listener: the program's listeners run next, as its signal task.
   */
  signalListeners(what: 'adds' | 'removed' | 'arrived', signal: string): void {
    if (this.paused) return;
    let arrived: TaskState | undefined;
    const hookFrame = this.hookFrame;
    this.paused = true;
    this.hookFrame = Tracer.prototype.signalListeners; // where the program's frames begin
    try {
      if (what === 'arrived') arrived = this.resources.signals.arrived(signal, asyncHooks.executionAsyncId());
      else this.resources.signals[what](signal);
    } catch {
      // never let tracing reach the program
    } finally {
      this.hookFrame = hookFrame;
      this.paused = false;
    }
    if (arrived !== undefined) this.guarded(ENTER, arrived, 0);
  }

  /** Node says an HTTP client request failed (`http.client.request.error`: `{ request, error }`). */
  clientRequestFailed(message: unknown): void {
    this.told(() => {
      const { request, error } = message as { request: object; error: unknown };
      this.resources.clientRequests.failed(request, error);
    });
  }

  /** undici says it makes a request (`undici:request:create`: `{ request }`), fetch's among them. */
  undiciRequestMade(message: unknown): void {
    this.told(() => this.resources.clientRequests.undiciRequestMade((message as { request: UndiciRequest }).request));
  }

  /** Runs what the program's code tells the tracer of, untraced, never letting its throw out. */
  private told(fn: () => void): void {
    if (this.paused) return;
    this.untraced(() => {
      try {
        fn();
      } catch {
        // never let tracing reach the program
      }
    });
  }

  /** Runs `fn` without tracing the resources it creates. */
  untraced<T>(fn: () => T): T {
    const was = this.paused;
    this.paused = true;
    try {
      return fn();
    } finally {
      this.paused = was;
    }
  }

  /** Called on each flush: reports idleness and drops since the last flush. */
  onFlush(): void {
    this.untraced(() => {
      this.out.releaseAwait();
      this.settles.settlePending();
      this.settles.describeRejected();
      // Before the ends of closed handles, which are timed now: see enter().
      if (this.stack.idleSince >= 0) this.stack.recordIdle();
      this.ends.endClosedHandles();
      this.out.reportDropped();
    });
  }

  /**
   * The task whose code is running now (0: none, or Node's own code), not a helper it called
   * before (see runningBelowHelpers); `threw`: the one whose code threw what nothing caught.
   */
  runningTask(threw: boolean): number {
    return (threw ? this.stack.throwing() : this.stack.runningBelowHelpers()).id;
  }

  /**
   * Ends the trace: every task still open is left pending (the runner's own are done); the root
   * ends as the program did, and `failedTask` (running when an uncaught error struck) ends
   * rejected with it.
   */
  finish(rootState: EndState, message: string, site: string, failedTask = 0): void {
    this.untraced(() => {
      const stack = this.stack;
      stack.loadingModules = false;
      this.out.releaseAwait();
      this.settles.settlePending();
      this.settles.describeRejected();
      // Records that happened earlier go first, then those timed now: see enter().
      if (stack.idleSince >= 0) stack.recordIdle();
      const failed = failedTask !== stack.root.id ? stack.stateOf(failedTask) : undefined;
      if (failed && !failed.ended) stack.endTask(failed, this.now(), 'rejected', message, site);
      this.ends.endClosedHandles();
      this.ends.endProgramResources();
      for (const own of this.ownTasks.values()) stack.endTask(own, this.now(), 'resolved', '', ''); // its work is done, not pending
      this.hook.disable();
      this.stopPromiseHooks();
      const ns = this.now();
      stack.switchTo(0, ns);
      this.out.reportDropped();
      this.out.enc.end(ns, stack.root.id, rootState, message, site);
    });
  }

  /**
   * One hook's work: not while the tracer is at work itself, and nothing it throws reaches the
   * program. (A switch rather than a function argument keeps every call here monomorphic.)
   */
  private guarded(what: number, owner: TaskState | undefined, detail: number, promise?: Promise<unknown>): void {
    if (this.paused) return;
    this.paused = true;
    try {
      if (what === ENTER) this.enter(owner!, false, this.resources.runsProgramCallback(detail) ? PROGRAM_CALLBACK : 0);
      else if (what === ENTER_REACTION) this.enter(owner!, true, detail, promise);
      else if (what === LEAVE) this.leave(owner!);
      else if (what === SETTLED) this.settles.onSettled(promise!);
      else this.ends.endFinishedTests(this.now());
    } catch {
      // never let tracing reach the program
    } finally {
      this.paused = false;
    }
  }

  /**
   * A callback (a promise reaction when `reaction`, the job of `promise`) starts running `owner`'s
   * code. `thenSite`: the .then it was attached at (0: none, as when it resumes from an await).
   */
  private enter(owner: TaskState, reaction: boolean, thenSite: number, promise?: Promise<unknown>): void {
    const pending = this.out.held;
    // A promise reaction runs in a microtask checkpoint, right after the callback or reaction
    // before it: the loop cannot have been idle in between. Its task resuming with no other task
    // run since awaited something already settled: no wait, and no need to read the clock.
    const ns = reaction && owner.id === this.stack.running && owner.resource === undefined ? -1 : this.now();
    // A callback folded into a task that waits at an await (the end of its stdout write, Node's
    // follow-up of its net.connect), or that has returned a promise it waits for (`return
    // once(child, 'close')`, the child's spawn tick), does not resume it: it runs as Node's work
    // and the wait goes on.
    // What it makes is still the task's. Only a promise reaction resumes the task. Nor is a
    // callback or job of a task that has ended a run of it after its end (a timer whose callback
    // wrote to stdout, the write completing after it; fetch's body streaming on inside Node), but
    // a .then callback it attached, which is its code (and may hold the loop). So is the job in
    // which V8 calls the then() of a thenable the task awaits (or of a member of a subclass's
    // combinator), and a step of Node's own async iterator the task's `for await` pulls.
    // A function of the program's that it queued itself (`process.nextTick(fn)`, `queueMicrotask(fn)`)
    // is its code too, which may hold the loop: while it waits at an await, as a .then callback's
    // (the wait goes on after it); not while it waits for a promise it returned.
    const thenableJob = thenSite === THENABLE_JOB || thenSite === RETURNED_JOB || thenSite === MEMBER_JOB;
    const iteratorJob = thenSite === NODE_ITERATOR_JOB;
    const programCallback = thenSite === PROGRAM_CALLBACK && (owner.awaiting || owner.returnedAt === 0);
    const aside = thenableJob || iteratorJob || (owner.ended && thenSite === 0) || (!reaction && !programCallback && (owner.awaiting || owner.returnedAt > 0));
    if (programCallback && owner.awaiting) owner.waitCut = true;
    // A .then callback the task attached before it awaited runs as the task's code, but the task
    // still waits at its await: the wait goes on once the callback returns (see leave).
    const resumesAwait = reaction && thenSite === 0 && promise === owner.resumesVia;
    if (reaction && !thenableJob && !iteratorJob) {
      if ((thenSite !== 0 || (owner.awaitsBuiltinStepping && !resumesAwait)) && owner.awaiting) owner.waitCut = true;
      else owner.awaiting = false;
    }
    if (pending.waiter === owner && !aside && (reaction ? this.stack.running === owner.id : ns - pending.ns < MERGE_WAIT_NS && (this.stack.running === owner.id || this.stack.idleSince >= 0))) {
      pending.waiter = undefined;
    }
    // The idle run goes first: records are in time order, so one written after the rename (timed
    // now) would start the idle only now, and the task before it would seem to hold the loop.
    if (this.stack.idleSince >= 0) {
      if (!reaction && (ns - this.stack.idleSince > IDLE_GAP_NS || owner.id !== this.stack.running)) this.stack.recordIdle();
      this.stack.idleSince = -1;
    }
    if (owner.resource !== undefined) this.resources.nameFromResource(owner, ns);
    owner.resumes++;
    owner.made = 0;
    owner.checksLeft = CHECKS_PER_RESUME;
    // A callback is no resumption: what it runs is Node's or a callback's code, not what follows
    // the await, and the await is still the one the task will resume from.
    const resumedFrom = !reaction ? CALLBACK_RUN : resumesAwait ? owner.suspendedAt || JOB_RUN : thenSite > 0 ? thenSite : ((owner.transient || owner === this.stack.internals) && marks.jobSite(promise!)) || JOB_RUN;
    if (resumesAwait) {
      owner.awaitsBuiltinStepping = false;
      owner.suspendedAt = 0;
      owner.resumesVia = undefined;
      owner.awaited = undefined;
      owner.returnedAt = 0; // a job of its promises that resumed no await was no return (see leave)
    }
    if (resumedFrom !== owner.resumedFrom) {
      owner.resumedFrom = resumedFrom;
      owner.siteRow = undefined;
    }
    const shownAs = aside ? this.stack.internals : owner;
    this.stack.enterFrame(owner, reaction, shownAs);
    // A promise the task awaits adopts another (a .then callback returned one, `resolve(work())`
    // was called with one): the task waits for that one now. Not so for one it does not await. A
    // subclass's combinator chains on a member in such a job: that member joins it.
    if (thenableJob && (thenSite !== THENABLE_JOB || promise === owner.awaited)) {
      this.stack.adopting = owner;
      this.stack.adoptingReturned = thenSite === RETURNED_JOB;
      // Adopting what the task's .then callback returned, right after it: the task's wait, held
      // since the callback, is for what the job adopts (onAdopt); writing Node's run would write it.
      if (pending.waiter === owner) {
        this.stack.quietJob = true;
        return;
      }
    }
    this.stack.switchTo(this.stack.runShownAs(shownAs), ns);
  }

  /** The callback that `enter` started has returned. */
  private leave(owner: TaskState): void {
    const held = this.out.held;
    // A task that awaited a settled promise has its continuation queued in this same microtask
    // checkpoint: the loop cannot go idle before it runs, so no time is needed (W1: every await).
    const continues = held.queued && held.waiter === owner && held.ns < 0 && this.stack.frameBase.length === 1 && !owner.oneShot;
    const ns = continues ? -1 : this.now();
    if (held.ns < 0) held.ns = ns;
    if (owner.oneShot && owner.followUps === 0 && !owner.ended) this.resources.endOneShot(owner, ns);
    else if (owner.kind === 'callback' && ns >= 0) owner.lastReturnAt = ns;
    // A resumed async function that neither awaited nor settled returned a promise (`return save()`):
    // it waits from the first such return (not from a microtask it queued, running later as its code).
    else if (owner.kind === 'async' && ns >= 0 && !owner.awaiting && owner.settledAt === 0 && owner.resumes > 0 && owner.returnedAt === 0) owner.returnedAt = ns;
    // The socket a server accepts in this callback is connected once it returns, and may never run
    // a callback of its own to be named in (an HTTP server's parser reads it); a child process
    // started in it is spawned.
    this.resources.nameMadeHandles(ns);
    this.stack.leaveFrame();
    // An interval cleared in its own tick, a socket after its close callback and the 'close' event
    // it queued: ended as the outermost of its callbacks returns, not when the flusher next looks.
    if (owner.handle !== undefined && owner.foldedPending === 0 && ns >= 0 && !this.stack.frameOwners.includes(owner)) {
      this.ends.endIfClosed(owner, ns);
      if (owner.ended) this.resources.forget(owner); // its last callback (a socket's close) has returned
    }
    if (owner.timers !== undefined && owner.timers.length > 0) this.ends.endClearedTimers(owner, ns);
    if (owner.waitCut) this.stack.resumeWait(owner, ns);
    if (this.settles.settling) this.settles.settlePending();
    if (continues) return;
    const quiet = this.stack.quietJob;
    this.stack.quietJob = false;
    if (this.stack.frameBase.length === 0) {
      this.ends.endClearedTimersOfAll(ns);
      // A quiet job's time is its task's wait, held since before it: the loop was idle from then.
      this.stack.idleSince = quiet && held.waiter === owner ? held.ns : ns;
      this.wentIdle?.();
    } else if (!quiet) {
      // Back in the callback this one ran inside: as it was shown (Node's work, for a callback of
      // a task that waits), or as the task it called, unless that has ended meanwhile.
      const back = this.stack.shownNow();
      this.stack.switchTo(this.stack.runShownAs(back.ended ? this.stack.internals : back), ns);
    }
  }
}
