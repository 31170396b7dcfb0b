// Turns V8's promise hooks and async_hooks callbacks into task-level events. Runs inside the
// user's process: every hook is cheap, allocation-light and wrapped so that nothing it does can
// reach the user's program.
import * as asyncHooks from 'node:async_hooks';
import type { FrameEncoder } from '../../trace/codec';
import type { EndState, TaskKind } from '../../trace/events';
import type { CallSiteInfo } from './callsites';
import { EventOutput } from './eventOutput';
import { ioNameWhenActive, ioTaskName, opName, timerName, type IoResource } from './names';
import { asyncHooksInUse, installPromiseHooks, type PromiseHooks } from './promiseHooks';
import { marks } from './promiseMarks';
import { knownSettled, promiseState, REJECTED_UNREAD, unreadOutcome } from './promiseState';
import { FOLDED_TYPES, isNodesOwn, isOneShot, taskKindOf, TIMER_TYPES } from './resourceTypes';
import { CHECKS_PER_RESUME, PROMISE_TYPE, TaskSites } from './taskSites';
import type { TaskState } from './taskState';

/** Code numbers for the two tasks that have no creation site; SiteCache numbers sites from 2. */
const ROOT_CODE = 0;
const INTERNALS_CODE = 1;
/** Gap after a callback beyond which the loop counts as idle rather than still busy. */
const IDLE_GAP_NS = 20_000;
/** What a guarded hook does. */
const ENTER = 0;
const ENTER_REACTION = 1;
const LEAVE = 2;
const SETTLED = 3;
/**
 * The time of a record whose time no reader uses (a combinator's member, what woke a waiter): the
 * encoder writes it at the latest time written, and the clock is not read (W1: every member).
 */
const UNTIMED = 0;
/** The "then site" of the promise V8 wraps an awaited thenable in: its job calls the thenable's then(). */
const THENABLE_JOB = -1;
/** An await resumed sooner than this, with nothing run in between, is merged into its run. */
const MERGE_WAIT_NS = 20_000;

/**
 * "read TCP socket 127.0.0.1:PORT", made once per socket name: a string built anew for every read
 * is hashed anew when the encoder interns it (W3: every message).
 */
const readLabels = new Map<string, string>();
const MAX_READ_LABELS = 4096;

function readLabel(socketName: string): string {
  let label = readLabels.get(socketName);
  if (label === undefined) {
    label = `read ${socketName}`;
    if (readLabels.size < MAX_READ_LABELS) readLabels.set(socketName, label);
  }
  return label;
}

/** The I/O helper or combinator whose code made the promise, if one did. */
function transientOwner(promise: Promise<unknown>): TaskState | undefined {
  const owner = marks.owner(promise);
  return owner?.transient ? owner : undefined;
}

/**
 * Whether a handle without a file descriptor (a child process) has closed: Node's hasRef() answers
 * true or false for a live handle, referenced or not, and nothing once the handle is gone.
 */
function isClosed(handle: IoResource): boolean {
  try {
    return typeof handle.hasRef === 'function' && handle.hasRef() === undefined;
  } catch {
    return false;
  }
}

export interface TracerOptions {
  encoder: FrameEncoder;
  maxEvents: number;
  /** Sends the frame built so far. */
  flush: () => void;
  now: () => number;
  capture: (skipAbove: Function) => CallSiteInfo;
}

export class Tracer {
  readonly root: TaskState;
  private readonly internals: TaskState;
  private readonly hook: asyncHooks.AsyncHook;
  private readonly out: EventOutput;
  private readonly enc: FrameEncoder;
  private readonly sites: TaskSites;
  private nextTaskId = 1;
  /** Set while the tracer does its own work, whose resources must not be traced. */
  private paused = false;
  private readonly ownIds = new Set<number>();
  /** Callbacks of resources other than promises: which task runs when the resource's callback runs. */
  private readonly owners = new Map<number, TaskState>();
  /** Tasks entered synchronously in the current callback; the last is running. */
  private readonly sync: TaskState[] = [];
  private readonly frameBase: number[] = [];
  /** The task whose callback or reaction each frame runs. */
  private readonly frameOwners: TaskState[] = [];
  /** The hook running now: stack captures start below it. */
  private hookFrame: Function;
  private readonly promiseHooks: PromiseHooks;
  private stopPromiseHooks: () => void = () => undefined;
  /** Timers and handles still open, checked at each flush for clearTimeout or close. */
  private readonly liveHandles = new Set<TaskState>();
  /** Resources whose callback runs more than once (sockets, servers, intervals). */
  private readonly repeating = new Set<number>();
  /** Follow-up requests of callback-style fs calls, folded into the call's task (see TaskState.followUps). */
  private readonly followUps = new Set<number>();
  /** The task whose callback (not a promise reaction) ran last: the microtasks running now follow it. */
  private checkpointOf: TaskState | undefined;
  /** A socket a TCP server accepted in the callback running now, to be named when it returns. */
  private accepted: TaskState | undefined;
  /** The latest `new Worker`, which the message ports made next belong to. */
  private lastWorker: TaskState | undefined;
  /** The wrapper V8 made for the latest `await value`: the await on it follows. */
  private awaitWrapper: Promise<unknown> | undefined;
  /** Tasks whose promise has settled, ended once its state can be read (see settlePending). */
  private readonly settles: TaskState[] = [];
  /** Rejected tasks whose error is still to be read (see describeLater). */
  private rejected: TaskState[] = [];
  /** Tasks standing for the runner's own work, by name. */
  private readonly ownTasks = new Map<string, TaskState>();
  private running = 0;
  private idleSince = -1;

  constructor(private readonly options: TracerOptions, script: string) {
    this.out = new EventOutput(options.encoder, options.maxEvents, options.flush, options.now);
    this.enc = options.encoder;
    const capture = options.capture;
    // Resources other than promises come through async_hooks.
    const init = (asyncId: number, type: string, trigger: number, resource: object): void => {
      if (this.paused) {
        this.ownIds.add(asyncId);
        return;
      }
      if (type === 'PROMISE') return; // only while the program has async hooks of its own: promises come through V8's hooks
      this.paused = true;
      this.hookFrame = init;
      try {
        this.onResource(asyncId, type, trigger, resource as IoResource);
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
      marks.follow(promise, this.internals);
      this.paused = true;
      this.hookFrame = promiseInit;
      try {
        this.onPromise(promise, parent);
      } catch {
        // never let tracing reach the program
      } finally {
        this.paused = false;
      }
    };
    this.root = this.newState('script', script, ROOT_CODE, false);
    this.internals = this.newState('callback', 'node internals', INTERNALS_CODE, false);
    this.sites = new TaskSites(() => capture(this.hookFrame), this.internals);
    this.internals.id = 0;
    this.hookFrame = init;
    this.hook = asyncHooks.createHook({
      init,
      before: (id) => {
        const owner = this.owners.get(id);
        if (owner !== undefined) this.guarded(ENTER, owner, 0);
      },
      after: (id) => {
        if (this.paused || this.ownIds.delete(id)) return;
        const owner = this.owners.get(id);
        if (owner === undefined) return;
        if (!this.repeating.has(id)) this.owners.delete(id);
        if (owner.followUps > 0 && this.followUps.delete(id)) owner.followUps--;
        this.guarded(LEAVE, owner, 0);
      },
    });
    this.promiseHooks = {
      init: promiseInit,
      before: (promise) => {
        const owner = marks.owner(promise);
        if (owner !== undefined) this.guarded(ENTER_REACTION, owner, marks.thenSite(promise));
      },
      after: (promise) => {
        const owner = marks.owner(promise);
        if (owner !== undefined) this.guarded(LEAVE, owner, 0);
      },
      settled: (promise) => {
        if (!this.paused && marks.watched(promise)) this.guarded(SETTLED, undefined, 0, promise);
      },
    };
  }

  start(): void {
    const ns = this.options.now();
    this.sync.push(this.root);
    this.emitTask(this.root, ns, 0, '', false);
    this.switchTo(this.root.id, ns);
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
      if (this.frameBase.length === 0 && this.idleSince < 0) this.idleSince = this.options.now();
    });
  }

  /**
   * Runs the runner's own work in the program's thread (transpiling TypeScript) untraced, as an
   * internal task named `name`: the loop lane then says whose time it was, not the script's.
   */
  ownWork<T>(name: string, fn: () => T): T {
    return this.untraced(() => {
      let task = this.ownTasks.get(name);
      if (task === undefined) {
        task = this.newState('callback', name, INTERNALS_CODE, false);
        this.ownTasks.set(name, task);
        this.emitTask(task, this.options.now(), this.top.id, '', true);
      }
      const resume = this.running;
      this.switchTo(task.id, this.options.now());
      try {
        return fn();
      } finally {
        this.switchTo(resume, this.options.now());
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
      this.settlePending();
      this.describeRejected();
      // Before the ends of closed handles, which are timed now: see enter().
      if (this.idleSince >= 0) this.recordIdle();
      this.endClosedHandles();
      this.out.reportDropped();
    });
  }

  /** Ends timers cleared before they fired and handles that have closed. */
  private endClosedHandles(): void {
    const ns = this.options.now();
    for (const task of this.liveHandles) {
      const handle = task.handle!;
      if (task.kind === 'timer' || task.kind === 'immediate') {
        if (handle._destroyed === true && task.resumes === 0) this.endTask(task, ns, 'cancelled', 'cleared before it fired', '');
        else if (handle._destroyed === true && !task.oneShot) this.endTask(task, ns, 'resolved', 'cleared', '');
      } else if ((typeof handle.fd === 'number' && handle.fd < 0) || isClosed(handle)) {
        this.endTask(task, ns, 'resolved', 'closed', '');
      }
    }
  }

  /** The task whose code is running now (0: none, or Node's own code). */
  runningTask(): number {
    return this.top.id;
  }

  /**
   * Ends the trace: every task still open is left pending; the root ends as the program did,
   * and `failedTask` (running when an uncaught error struck) ends rejected with it.
   */
  finish(rootState: EndState, message: string, site: string, failedTask = 0): void {
    this.untraced(() => {
      this.out.releaseAwait();
      this.settlePending();
      this.describeRejected();
      // Records that happened earlier go first, then those timed now: see enter().
      if (this.idleSince >= 0) this.recordIdle();
      const failed = failedTask !== this.root.id ? this.stateOf(failedTask) : undefined;
      if (failed && !failed.ended) this.endTask(failed, this.options.now(), 'rejected', message, site);
      this.endClosedHandles();
      this.hook.disable();
      this.stopPromiseHooks();
      const ns = this.options.now();
      this.switchTo(0, ns);
      this.out.reportDropped();
      this.enc.end(ns, this.root.id, rootState, message, site);
    });
  }

  /**
   * One hook's work: not while the tracer is at work itself, and nothing it throws reaches the
   * program. (A switch rather than a function argument keeps every call here monomorphic.)
   */
  private guarded(what: number, owner: TaskState | undefined, thenSite: number, promise?: Promise<unknown>): void {
    if (this.paused) return;
    this.paused = true;
    try {
      if (what === ENTER) this.enter(owner!, false, 0);
      else if (what === ENTER_REACTION) this.enter(owner!, true, thenSite);
      else if (what === LEAVE) this.leave(owner!);
      else this.onSettled(promise!);
    } catch {
      // never let tracing reach the program
    } finally {
      this.paused = false;
    }
  }

  private stateOf(id: number): TaskState | undefined {
    for (let i = this.sync.length - 1; i >= 0; i--) if (this.sync[i].id === id) return this.sync[i];
    return undefined;
  }

  private get top(): TaskState {
    return this.sync.length ? this.sync[this.sync.length - 1] : this.internals;
  }

  /** A promise is made, with the promise it was chained on or resolved from, if any. */
  private onPromise(promise: Promise<unknown>, parent: Promise<unknown> | undefined): void {
    const hasParent = parent !== undefined;
    const info = this.sites.lookup(this.top, PROMISE_TYPE, hasParent, parent && marks.owner(parent));
    this.adoptUserCode(info);
    let top = this.top;
    // User code calls a helper or combinator while one it called before is still on top (no await
    // in between, as in items.map((f) => fs.promises.readFile(f))): that one has returned. What a
    // call makes inside itself comes from the same code (same user line, same API), but elsewhere
    // in the API's function or deeper in the stack: a promise made where and as deep as the
    // helper's own was is the next call's.
    const sameCode = info.code === top.codeKey;
    const anotherCall = !hasParent && top.transient && (
      (info.shape === 'combinator' && !sameCode) ||
      (info.shape === 'internal' && (!sameCode || (info.depth === top.depth && info.madeAt === top.madeAt)))
    );
    // Back in user code: helpers and combinators called from it have returned.
    if (info.shape === 'user' || info.shape === 'newPromise' || info.shape === 'then' || anotherCall) top = this.popReturnedTransients();
    if (top.kind === 'async' && top.resumes === 0) top = this.popReturnedCalls(info, hasParent);
    switch (info.shape) {
      case 'then':
        marks.setOwner(promise, top);
        marks.setThenSite(promise, info.code);
        return;
      case 'user':
        if (hasParent && parent === top.promise) {
          // `await value`: V8 wraps the value in a promise whose parent is the function's own; the
          // await itself follows, on that wrapper.
          marks.setOwner(promise, top);
          this.awaitWrapper = promise;
        } else if (hasParent) {
          this.onAwait(promise, parent, info, parent !== this.awaitWrapper);
        } else if (info.moduleBody) {
          marks.setOwner(promise, top); // an ES module's body is the script itself
        } else {
          this.startAsync(promise, this.options.now(), info);
        }
        return;
      case 'combinator':
        // A promise Promise.all makes for itself (wrapping an element that is not a promise).
        if (top.kind === 'combinator' && top.transient && top.codeKey === info.code) {
          marks.setOwner(promise, top);
          return;
        }
        this.startTransient(promise, this.options.now(), 'combinator', `Promise.${info.api}`, info);
        return;
      case 'combinatorThen':
        marks.setOwner(promise, top);
        if (top.kind === 'combinator') {
          const member = parent && marks.task(parent);
          if (this.out.admit()) this.enc.join(UNTIMED, top.id, member ? member.id : 0);
        }
        return;
      case 'internal':
        if (!hasParent && !top.transient && top !== this.internals) {
          this.startTransient(promise, this.options.now(), info.module.startsWith('timers') ? 'timer' : 'io', opName(info), info);
          return;
        }
        if (!hasParent && top.transient) {
          if (info.code === top.codeKey && info.depth < top.depth) {
            // Nearer the user's call than the promise that started the helper (fetch's first call
            // loads undici, whose promises come first): this one is the helper's own, which settles as it does.
            top.promise = promise;
            top.depth = info.depth;
            top.madeAt = info.madeAt;
            marks.setTask(promise, top);
          } else {
            marks.setHelper(promise, top);
          }
        }
        // A helper that returns p.finally(…) hands out that promise: it stands for the helper too.
        if (hasParent && top.transient && marks.task(parent) === top) marks.setTask(promise, top);
        marks.setOwner(promise, top);
        return;
      case 'none':
        // Node's own promises (module loading, stream internals) run as Node's work, not a task's.
        return;
      default:
        marks.setOwner(promise, top);
    }
  }

  /**
   * User code running inside a callback of Node's own (an ES module body evaluated by the loader,
   * a listener called from an internal tick) belongs to the script: the root task takes over.
   */
  private adoptUserCode(info: CallSiteInfo): boolean {
    if (this.top !== this.internals || info.shape === 'none' || this.frameBase.length === 0) return false;
    this.sync.push(this.root);
    this.switchTo(this.root.id, this.options.now());
    return true;
  }

  /**
   * The task on top awaits the promise `awaited` through the throwaway `asyncId`. `watch`: note who
   * settles `awaited` (not for the wrapper of an `await value`, settled already).
   */
  private onAwait(throwaway: Promise<unknown>, awaited: Promise<unknown>, info: CallSiteInfo, watch: boolean): void {
    const waiter = this.top;
    if (waiter === this.internals) return;
    marks.setOwner(throwaway, waiter);
    waiter.suspendedAt = info.code;
    // A helper may hand out one of its inner promises (a wrapper around its own, or one chained on
    // another of its promises, as fetch does the first time): it stands for the helper.
    const target = marks.task(awaited) ?? marks.helper(awaited) ?? transientOwner(awaited);
    if (target?.transient) target.waiter = waiter;
    else if (!target && watch) marks.setWaiter(awaited, waiter);
    else if (!watch && !knownSettled(awaited)) {
      // `await thenable`: the wrapper settles only once V8 has called the thenable's then() in a
      // job of its own, which is no resumption of the task (see enter), and whoever then resolves it.
      marks.setThenSite(awaited, THENABLE_JOB);
      marks.setWaiter(awaited, waiter);
    }
    // An async generator's body runs on its caller's stack as part of the caller's task (only async
    // functions get tasks): its await suspends the generator, and the task runs on to its `for
    // await`, whose wait is for what the generator awaits.
    const inGenerator = waiter.kind === 'async' && info.fn !== '' && info.fn !== waiter.name;
    const held = this.out.held;
    if (held.waiter !== waiter || !held.inGenerator || target !== undefined) {
      this.out.releaseAwait();
      waiter.awaiting = true;
      held.waiter = waiter;
      held.target = waiter.waitTarget = target ? target.id : 0;
      held.site = waiter.waitSite = info.site;
      held.inGenerator = inGenerator;
      held.queued = this.frameBase.length > 0 && knownSettled(awaited);
    }
    // The clock costs as much as the rest of an await: when the awaiting code runs in a callback,
    // the await is timed when that callback ends (nothing of the task runs after it in between).
    held.ns = this.frameBase.length ? -1 : this.options.now();
    // The awaiting function has suspended: control returns to whoever called it.
    if (!inGenerator && this.sync.length > this.frameFloor() + 1) {
      this.sync.pop();
      if (held.ns < 0) held.ns = this.options.now();
      this.switchTo(this.top.id, held.ns);
    }
  }

  private startTransient(promise: Promise<unknown>, ns: number, kind: TaskKind, name: string, info: CallSiteInfo): void {
    const parent = this.top;
    const task = this.newState(kind, name, info.code, true);
    task.depth = info.depth;
    task.madeAt = info.madeAt;
    task.promise = promise;
    marks.setTask(promise, task);
    marks.setOwner(promise, task);
    this.emitTask(task, ns, parent.id, info.site, false);
    this.sync.push(task);
  }

  /** An async function was called: its promise is made as it starts, and it runs until its first await. */
  private startAsync(promise: Promise<unknown>, ns: number, info: CallSiteInfo): void {
    const parent = this.top;
    const task = this.newState('async', info.fn || '(anonymous)', info.code, false);
    task.fnKey = info.callers[0] ?? '';
    task.promise = promise;
    marks.setTask(promise, task);
    marks.setOwner(promise, task);
    this.emitTask(task, ns, parent.id, info.callerSite || info.site, false);
    this.sync.push(task);
    this.switchTo(task.id, ns);
  }

  private onResource(asyncId: number, type: string, trigger: number, resource: IoResource): void {
    // Outside any callback (libuv accepting a connection) the trigger says who caused it.
    let top = this.frameBase.length === 0 ? (this.owners.get(trigger) ?? this.top) : this.top;
    if (FOLDED_TYPES.has(type)) {
      this.owners.set(asyncId, top);
      return;
    }
    const ns = this.options.now();
    const maker = this.owners.get(trigger);
    const info = this.sites.lookup(this.top, this.sites.typeCode(type), false, maker);
    if (/^(bootstrap|console)\//.test(info.module)) {
      this.owners.set(asyncId, top); // process.stdout and friends, opened on first use (often by console.log)
      return;
    }
    if (this.adoptUserCode(info)) top = this.root;
    // Made by a Node API user code calls after a helper it called before (as onPromise says).
    else if (top === this.top && top.transient && info.shape === 'internal' && info.code !== top.codeKey) top = this.popReturnedTransients();
    if (TIMER_TYPES.has(type) && top.transient && top.kind === 'timer') {
      // timers/promises: the awaited promise and its timer are one task, named like the timer.
      const name = type === 'Timeout' ? timerName(info, resource) : 'setImmediate';
      if (name !== top.name) {
        top.name = name;
        if (this.out.admit()) this.enc.rename(ns, top.id, name);
      }
      this.owners.set(asyncId, top);
      return;
    }
    if (type === 'FSREQCALLBACK' && info.shape === 'none' && top === maker && top.oneShot && !top.ended) {
      // Node's next step of a callback-style fs call (readFile's read after its open): the same operation.
      this.owners.set(asyncId, top);
      this.followUps.add(asyncId);
      top.followUps++;
      return;
    }
    if (type === 'MESSAGEPORT' && info.api === 'Worker' && this.lastWorker !== undefined) {
      // The ports `new Worker` opens carry that worker's messages: they are the worker's.
      this.owners.set(asyncId, this.lastWorker);
      this.repeating.add(asyncId);
      return;
    }
    const kind = taskKindOf(type);
    const name = kind === 'timer' ? timerName(info, resource) : kind === 'immediate' ? 'setImmediate' : ioTaskName(type, info);
    const task = this.newState(kind, name, info.code, false);
    if (type === 'WORKER') this.lastWorker = task;
    task.oneShot = isOneShot(type, typeof resource._repeat === 'number');
    if (kind === 'io') task.resource = resource;
    if (!task.oneShot) this.repeating.add(asyncId);
    if (TIMER_TYPES.has(type) || !task.oneShot) {
      task.handle = resource;
      this.liveHandles.add(task);
    }
    this.owners.set(asyncId, task);
    if (type === 'TCPWRAP' && top.name.startsWith('TCP server')) this.accepted = task;
    // Made in Node's own code for an I/O resource of the user's (the connect of net.connect's
    // socket, after its deferred lookup): placed where that resource was made.
    const site = info.site || (info.shape === 'none' && maker?.kind === 'io' ? maker.site : '');
    this.emitTask(task, ns, top.id, site, isNodesOwn(type, info, top.transient));
  }

  /**
   * A callback (a promise reaction when `reaction`) starts running `owner`'s code. `thenSite`: the
   * .then it was attached at (0: it resumes from the owner's last await).
   */
  private enter(owner: TaskState, reaction: boolean, thenSite: number): void {
    const pending = this.out.held;
    // A promise reaction runs in a microtask checkpoint, right after the callback or reaction
    // before it: the loop cannot have been idle in between. Its task resuming with no other task
    // run since awaited something already settled: no wait, and no need to read the clock.
    const ns = reaction && owner.id === this.running && owner.resource === undefined ? -1 : this.options.now();
    // A callback folded into a task that waits at an await (the end of its stdout write, Node's
    // follow-up of its net.connect) does not resume it: it runs as Node's work and the wait goes on.
    // What it makes is still the task's. Only a promise reaction resumes the task. Likewise for
    // an async function that has returned: such a callback is not a run of it after its end.
    // So is the job in which V8 calls the then() of a thenable the task awaits.
    const thenableJob = thenSite === THENABLE_JOB;
    const aside = thenableJob || (!reaction && (owner.awaiting || (owner.ended && owner.kind === 'async')));
    // A .then callback the task attached before it awaited runs as the task's code, but the task
    // still waits at its await: the wait goes on once the callback returns (see leave).
    if (reaction && !thenableJob) {
      if (thenSite !== 0 && owner.awaiting) owner.waitCut = true;
      else owner.awaiting = false;
    }
    if (pending.waiter === owner && !aside && (reaction ? this.running === owner.id : ns - pending.ns < MERGE_WAIT_NS && (this.running === owner.id || this.idleSince >= 0))) {
      pending.waiter = undefined;
    }
    // The idle run goes first: records are in time order, so one written after the rename (timed
    // now) would start the idle only now, and the task before it would seem to hold the loop.
    if (this.idleSince >= 0) {
      if (!reaction && (ns - this.idleSince > IDLE_GAP_NS || owner.id !== this.running)) this.recordIdle();
      this.idleSince = -1;
    }
    if (owner.resource !== undefined) this.nameFromResource(owner, ns);
    owner.resumes++;
    owner.made = 0;
    owner.checksLeft = CHECKS_PER_RESUME;
    const resumedFrom = thenSite > 0 ? thenSite : owner.suspendedAt;
    if (thenSite === 0) owner.suspendedAt = 0;
    if (resumedFrom !== owner.resumedFrom) {
      owner.resumedFrom = resumedFrom;
      owner.siteRow = undefined;
    }
    this.frameBase.push(this.sync.length);
    this.frameOwners.push(owner);
    if (!reaction) this.checkpointOf = owner;
    this.sync.push(owner);
    this.switchTo(aside ? this.internals.id : owner.id, ns);
  }

  /** The callback that `enter` started has returned. */
  private leave(owner: TaskState): void {
    const held = this.out.held;
    // A task that awaited a settled promise has its continuation queued in this same microtask
    // checkpoint: the loop cannot go idle before it runs, so no time is needed (W1: every await).
    const continues = held.queued && held.waiter === owner && held.ns < 0 && this.frameBase.length === 1 && !owner.oneShot;
    const ns = continues ? -1 : this.options.now();
    if (held.ns < 0) held.ns = ns;
    if (owner.oneShot && owner.followUps === 0 && !owner.ended) this.endTask(owner, ns, 'resolved', '', '');
    // The socket a server accepts in this callback is connected once it returns, and may never run
    // a callback of its own to be named in (an HTTP server's parser reads it).
    if (this.accepted !== undefined) {
      if (this.accepted.resource !== undefined) this.nameFromResource(this.accepted, ns < 0 ? this.options.now() : ns);
      this.accepted = undefined;
    }
    const base = this.frameBase.pop() ?? 0;
    while (this.sync.length > base) this.sync.pop();
    this.frameOwners.pop();
    if (owner.waitCut) this.resumeWait(owner, ns);
    if (this.settles.length) this.settlePending();
    if (continues) return;
    if (this.frameBase.length === 0) {
      this.idleSince = ns;
    } else {
      this.switchTo(this.top.id, ns);
    }
  }

  /**
   * An async function that returned another's promise without awaiting it (`return leaf(n)`) has
   * not settled, so it is still on the synchronous stack, but its frame is gone: code running now
   * with none of its frames on the stack is its caller's. (Only while it runs its first part: a
   * task resumed later is the callback's, at the floor of the stack.)
   */
  private popReturnedCalls(info: CallSiteInfo, hasParent: boolean): TaskState {
    if (!info.callersComplete) return this.top;
    const ownFrame = info.shape === 'user' && !hasParent && !info.moduleBody ? 1 : 0; // a call's entry: its own frame first
    const was = this.top;
    let top = was;
    while (top.kind === 'async' && top.resumes === 0 && top.fnKey !== '' && this.sync.length > this.frameFloor() + 1 && info.callers.indexOf(top.fnKey, ownFrame) < 0) {
      this.sync.pop();
      top = this.top;
    }
    if (top !== was) this.switchTo(top.id, this.options.now());
    return top;
  }

  /**
   * A .then callback of a task waiting at an await has returned: the task waits on, for the same.
   * Held like any await, so that a resume right after it (the callback settled what the task
   * awaits) leaves no wait in between.
   */
  private resumeWait(task: TaskState, ns: number): void {
    task.waitCut = false;
    if (!task.awaiting || task.ended) return;
    this.out.releaseAwait();
    const held = this.out.held;
    held.waiter = task;
    held.target = task.waitTarget;
    held.site = task.waitSite;
    held.ns = ns < 0 ? this.options.now() : ns;
    held.queued = false;
    held.inGenerator = false;
  }

  private onSettled(promise: Promise<unknown>): void {
    const task = marks.task(promise);
    const waiter = marks.waiter(promise);
    const helper = marks.helper(promise);
    const ends = task !== undefined && !task.ended;
    const ns = ends ? this.options.now() : UNTIMED;
    if (ends) {
      task.settledAt = ns;
      this.settles.push(task);
      // A task that returned without suspending leaves the synchronous stack here.
      const at = this.sync.lastIndexOf(task);
      if (at > this.frameFloor()) {
        this.sync.length = at;
        this.switchTo(this.top.id, ns);
      }
    }
    if (waiter !== undefined) {
      marks.setWaiter(promise, undefined);
      this.recordWaker(waiter, ns);
    }
    if (helper !== undefined) {
      marks.setHelper(promise, undefined);
      if (helper.waiter !== undefined && !helper.waiter.ended) this.recordWaker(helper.waiter, ns);
    }
  }

  /** Whatever callback is running now resolved what `waiter` awaits. */
  private recordWaker(waiter: TaskState, ns: number): void {
    let by = this.frameOwners[this.frameOwners.length - 1] ?? this.top;
    // Node's own promise jobs (a stream's async iterator yielding to `for await`) run in the
    // microtask checkpoint of the callback that fed them (a file read): that callback woke the waiter.
    if (by === this.internals && this.checkpointOf !== undefined) by = this.checkpointOf;
    // Node's own work, a helper, or the script's own run (Node finishing what it loaded for a
    // helper, as fetch's first call does) is no answer to what woke the waiter.
    if (by === waiter || by === this.internals || by === this.root || by.transient) return;
    const label = by.kind === 'io' && by.name.startsWith('TCP socket') ? readLabel(by.name) : '';
    if (this.out.admit()) this.enc.awaitBy(ns, waiter.id, by.id, label);
  }

  /** Ends tasks whose promises have settled; the state is readable only after the resolve hook. */
  private settlePending(): void {
    const settles = this.settles;
    let kept = 0;
    for (let i = 0; i < settles.length; i++) {
      const task = settles[i];
      const promise = task.promise;
      if (promise === undefined || task.ended) continue;
      const state = unreadOutcome(promise);
      if (state === REJECTED_UNREAD) {
        this.describeLater(task);
        continue;
      }
      if (state.state === 'pending') {
        settles[kept++] = task; // resolved with another promise: still locked in
        continue;
      }
      this.endTask(task, task.settledAt, state.state, state.message, state.site);
    }
    settles.length = kept;
  }

  /**
   * A rejected task ends now, but its error is read (the reason, formatted with its stack) only
   * once Node has dealt with this tick's unhandled rejections: Node's report of one shows the line
   * of the user's code that threw, read from the error's stack as long as no one has formatted it.
   */
  private describeLater(task: TaskState): void {
    task.ended = true;
    this.rejected.push(task);
    if (this.rejected.length > 1) return;
    this.untraced(() => setImmediate(() => this.untraced(() => this.describeRejected())).unref());
  }

  /** Writes the ends of the rejected tasks describeLater kept, timed when they settled. */
  private describeRejected(): void {
    const rejected = this.rejected;
    this.rejected = [];
    for (const task of rejected) {
      const outcome = promiseState(task.promise!);
      this.endTask(task, task.settledAt, outcome.state === 'pending' ? 'rejected' : outcome.state, outcome.message, outcome.site);
    }
  }

  private endTask(task: TaskState, ns: number, state: EndState, message: string, site: string): void {
    task.ended = true;
    task.promise = undefined;
    task.resource = undefined;
    if (task.handle !== undefined) {
      task.handle = undefined;
      this.liveHandles.delete(task);
    }
    if (task.announced && this.out.admitEnd()) this.enc.end(ns, task.id, state, message, site);
  }

  private nameFromResource(task: TaskState, ns: number): void {
    const resource = task.resource!;
    task.resource = undefined;
    const name = ioNameWhenActive(task.name, resource);
    if (name !== task.name) {
      task.name = name;
      if (this.out.admit()) this.enc.rename(ns, task.id, name);
    }
  }

  private newState(kind: TaskKind, name: string, code: number, transient: boolean): TaskState {
    return {
      id: -1, kind, name, codeKey: code, resumes: 0, resumedFrom: 0, suspendedAt: 0, made: 0, checksLeft: 0, transient, depth: 0, madeAt: -1,
      site: '', awaiting: false, siteRow: undefined, settledAt: 0, promise: undefined, resource: undefined, handle: undefined, waiter: undefined, fnKey: '', waitTarget: 0, waitSite: '', waitCut: false, oneShot: false, followUps: 0, ended: false, announced: false,
    };
  }

  private emitTask(task: TaskState, ns: number, parent: number, site: string, internal: boolean): void {
    task.id = this.nextTaskId++;
    task.site = site;
    task.announced = this.out.admit();
    if (task.announced) this.enc.task(ns, task.id, parent, task.kind, task.name, site, internal);
  }

  private switchTo(id: number, ns: number): void {
    if (id === this.running) return;
    this.running = id;
    if (this.out.admit()) this.enc.run(ns, id);
  }

  private recordIdle(): void {
    const at = this.idleSince;
    this.idleSince = -1;
    if (this.running !== 0) {
      this.running = 0;
      if (this.out.admit()) this.enc.run(at, 0);
    }
  }

  /** User code runs again: the helpers and combinators it called before have returned. */
  private popReturnedTransients(): TaskState {
    while (this.top.transient && this.sync.length > this.frameFloor() + 1) this.sync.pop();
    return this.top;
  }

  private frameFloor(): number {
    return this.frameBase.length ? this.frameBase[this.frameBase.length - 1] : 0;
  }
}
