// Timers, sockets, files, workers: the resources async_hooks reports, as tasks of their own or
// folded into the task that made them, and which task each one's callbacks run.
import { executionAsyncId } from 'node:async_hooks';
import { isPackageFile } from './callFrames';
import { onlySettles } from './awaits';
import type { CallSiteInfo } from './callSiteInfo';
import { processStdioOpened } from './callsites';
import { ClientRequests, requestOfTick } from './clientRequests';
import type { HandleEnds, WorkerWatch } from './handleEnds';
import { jsObjectOf, RESOLVED, streamEnd } from './handleState';
import { truncate } from './lists';
import { asyncResourceName, CHILD_PROCESS, childProcessName, DNS_LOOKUP, ioNameWhenActive, ioTaskName, isCryptoJob, isNodeTest, isServer, NODE_TEST_TYPE, nodeTestName, PROMISIFIED_EXEC, socketNameOfConnect, STDIN, TCP_SOCKET, timerName, ZLIB, ZLIB_BUFFER_WRAPPER, zlibName, type IoResource } from './names';
import type { PromiseTasks } from './promiseTasks';
import { inheritServing } from './servedRequests';
import { SignalTasks } from './signalTasks';
import { FOLDED_TYPES, HELPER_REQUEST_TYPES, isAwaitableWork, isNodesOwn, isOneShot, isTimerKind, PASS_THROUGH_TYPES, taskKindOf, TIMER_TYPES } from './resourceTypes';
import type { TaskStack } from './taskStack';
import type { TaskSites } from './taskSites';
import { newTaskState, type TaskState } from './taskState';

/** The Node APIs that queue a callback of the program's own (CallSiteInfo.api of the call). */
const NEXT_TICK = 'process.nextTick';
const QUEUE_MICROTASK = 'queueMicrotask';

/**
 * Node's next request of a file stream, made once the one before it completed (a ReadStream
 * reading on): made by what the stream works for, as the stream's other requests are, rather
 * than a chain of reads each the child of the one before.
 */
function isNextStreamRequest(type: string, info: CallSiteInfo, top: TaskState, maker: TaskState | undefined): boolean {
  return type === 'FSREQCALLBACK' && info.shape === 'none' && top === maker && top.ended && top.oneShot && top.name.startsWith('fs.');
}

/**
 * A timer set again by the callback of the timer it follows, at the same place (a poll re-arming
 * its setTimeout, a scheduler's setImmediate for its next step): made by what the first one was
 * made by, as a sibling, rather than a chain of timers each the child of the one before (a
 * hundred polls would be a hundred levels deep). So is one set at the place the running one was
 * by code a Node API calls back from its callback (a Transform's transform, called for the next
 * chunk once the timer it set for the one before calls done()): the API's next call, not the timer's.
 */
function isNextOfChain(type: string, info: CallSiteInfo, top: TaskState): boolean {
  return TIMER_TYPES.has(type) && isTimerKind(top) && top.oneShot &&
    (top.codeKey === info.code || (info.calledBy !== '' && info.site === top.site));
}

/**
 * A server whose listen looked its host up first (`server.listen(0, 'localhost')`), made in Node's
 * code in the lookup's callback: the program's, a sibling of the lookup rather than its child
 * (with every connection it accepts, and their requests, under the lookup).
 */
function isServerAfterLookup(type: string, info: CallSiteInfo, top: TaskState): boolean {
  return type === 'TCPSERVERWRAP' && info.shape === 'none' && top.oneShot && top.name === DNS_LOOKUP;
}

export class ResourceTasks {
  /** Which task runs when each resource's callback runs (by async id). */
  private readonly owners = new Map<number, TaskState>();
  /** Resources whose callback runs more than once (sockets, servers, intervals). */
  private readonly repeating = new Set<number>();
  /** The async id each handle a task stands for has now: Node gives a kept-alive socket a new one for each request it serves. */
  private readonly handleIds = new WeakMap<object, number>();
  /** Follow-up requests of callback-style fs calls, folded into the call's task (see TaskState.followUps). */
  private readonly followUps = new Set<number>();
  /**
   * Handles made in the callback running now that can be named only once it returns: a socket a
   * TCP server accepted (connected by then), a child process (spawned by then).
   */
  private readonly nameOnReturn: TaskState[] = [];
  /**
   * crypto's jobs made in the callback running now: one a synchronous call ran (randomBytes without
   * a callback, pbkdf2Sync) has no `ondone` once the call has returned, and no callback to end it.
   */
  private readonly cryptoJobs: TaskState[] = [];
  /**
   * The socket each TCP connect is for (its trigger): named as the connect completes, as it may
   * never run a callback of its own (an HTTP client's parser reads it in Node's C++); the connect
   * failed if the socket was destroyed with an error by its end.
   */
  private readonly socketOfConnect = new Map<TaskState, TaskState>();
  /** The async ids of resources whose callbacks are a task's own (see lend), let go with it. */
  private readonly lent = new Map<TaskState, number[]>();
  /** The latest `new Worker`, which the message ports made next belong to. */
  private lastWorker: TaskState | undefined;
  /** The latest child process, which the stdio pipes made next belong to. */
  private lastProcess: TaskState | undefined;
  /**
   * Helpers named after the handle they opened once it is named, by that handle: a promisified
   * exec (an anonymous wrapper, named by its module) after its child process, a promisified
   * zlib.gzip (named as Node names all of them) after its stream.
   */
  private readonly helperOfHandle = new Map<TaskState, TaskState>();
  /**
   * Where user code queued each tick still to run, by async id, when a Node API it called did:
   * what Node makes in that tick is placed there (`server.listen(port, host)` opens its handle in a
   * tick after the host's lookup).
   */
  private readonly tickSites = new Map<number, string>();
  /**
   * Ticks and microtasks the program's code queued itself (`process.nextTick(fn)`,
   * `queueMicrotask(fn)`), by id: their callback, unless it only settles a promise, is a run of
   * their task's code, even while that task waits or once it has ended, not Node's work, so that
   * one computing for long holds the loop on the timeline (see Tracer.enter). (A microtask's
   * callback is set on it only after the hook that reports it.)
   */
  private readonly programCallbacks = new Map<number, IoResource>();
  readonly signals: SignalTasks;
  readonly clientRequests: ClientRequests;

  /**
   * `popReturnedCalls` and `stepShown`: see PromiseTasks. `workers`: told of each `new Worker`'s
   * task as it is made, and as it ends.
   */
  constructor(
    private readonly stack: TaskStack,
    private readonly sites: TaskSites,
    private readonly now: () => number,
    private readonly popReturnedCalls: (info: CallSiteInfo) => TaskState,
    private readonly stepShown: (top: TaskState, info: CallSiteInfo, ns: number) => TaskState,
    private readonly workers: WorkerWatch,
    /** Told of each timer the program makes, with its callback, and of what Node's async generators make in a `for await`'s step. */
    private readonly promises: Pick<PromiseTasks, 'timerMade' | 'workMade' | 'loopSourceMade' | 'testMade' | 'isTestCall'>,
    /** Told of the tasks whose ends it looks for (timers, tests, workers, AsyncResources). */
    private readonly ends: HandleEnds,
  ) {
    this.signals = new SignalTasks(stack, sites, now, ends, (asyncId, task) => this.lend(asyncId, task), (asyncId) => this.owners.get(asyncId));
    this.clientRequests = new ClientRequests(stack, sites, now, promises, (task) => this.forget(task));
  }

  /**
   * Past the event cap the tracer follows no new resource but the next request of a one-shot call
   * in the trace (readFile's read after its open), which ends only after its last one.
   */
  followedPastCap(type: string, trigger: number): boolean {
    if (type !== 'FSREQCALLBACK') return false;
    const maker = this.owners.get(trigger);
    return maker !== undefined && maker.announced && maker.oneShot && !maker.ended;
  }

  /** Whether the resource is a tick or microtask running a callback of the program's own (see programCallbacks). */
  runsProgramCallback(asyncId: number): boolean {
    if (this.programCallbacks.size === 0) return false;
    const callback = this.programCallbacks.get(asyncId)?.callback;
    return typeof callback === 'function' && !onlySettles(callback);
  }

  /** The task whose code the resource's callback runs, if it is followed. */
  ownerOf(asyncId: number): TaskState | undefined {
    return this.owners.get(asyncId);
  }

  /**
   * The resource's callback has returned: a one-shot's callback runs no more, nor does that of a
   * handle that had ended (closed) before it ran (its close callback).
   */
  callbackDone(asyncId: number, owner: TaskState): void {
    if (owner.ended && owner.asyncId === asyncId) this.forget(owner);
    else if (!this.repeating.has(asyncId)) {
      this.owners.delete(asyncId);
      if (owner.foldedPending > 0) owner.foldedPending--; // (a one-shot timer's own callback too, which ends it anyway)
    }
    if (this.tickSites.size > 0) this.tickSites.delete(asyncId);
    if (this.programCallbacks.size > 0) this.programCallbacks.delete(asyncId);
    if (owner.followUps > 0 && this.followUps.delete(asyncId)) owner.followUps--;
  }

  /**
   * Names the handles made in the callback (or the script's own run) that returns now, and ends
   * the crypto jobs it ran synchronously.
   */
  nameMadeHandles(ns: number): void {
    if (this.nameOnReturn.length === 0 && this.cryptoJobs.length === 0) return;
    const at = ns < 0 ? this.now() : ns;
    for (const task of this.nameOnReturn) {
      if (task.resource !== undefined) this.nameFromResource(task, at);
    }
    truncate(this.nameOnReturn, 0);
    for (const job of this.cryptoJobs) {
      if (job.ended || typeof job.resource?.ondone === 'function') continue;
      this.stack.endTask(job, at, 'resolved', '', '');
      this.forget(job); // it has no callback to run
    }
    truncate(this.cryptoJobs, 0);
  }

  /** async_hooks reports a resource other than a promise: a task, or part of the task that made it. */
  onResource(asyncId: number, type: string, trigger: number, resource: IoResource): void {
    if (PASS_THROUGH_TYPES.has(type)) return;
    this.stack.enterHooklessJob();
    // Outside any callback (libuv accepting a connection) the trigger says who caused it; in a
    // hookless job of a builtin a task awaits, that task (a stream's iterator queueing its close).
    let top = this.stack.frameBase.length === 0 && !this.stack.inHooklessJob() ? (this.owners.get(trigger) ?? this.stack.top) : this.stack.top;
    // The process's own stdio: stdin (a terminal's or a pipe) is a task once the program reads it;
    // stdout and stderr, opened on first use (often by console.log), are no tasks of the script.
    // (execSync, from child_process, opens process.stderr to copy the child's stderr there.)
    const stdio = type === 'TTYWRAP' || type === 'PIPEWRAP' ? processStdioOpened() : undefined;
    if (stdio === 'stdin') {
      this.readStdin(asyncId, resource, top);
      return;
    }
    if (FOLDED_TYPES.has(type)) {
      // A tick Node queues in a server's name rather than the running callback's (its 'listening',
      // emitted once it is bound) is the server's: the waiter it wakes says so.
      const forServer = type === 'TickObject' && trigger !== executionAsyncId() ? this.owners.get(trigger) : undefined;
      if (forServer !== undefined && isServer(forServer.name)) top = forServer;
      // An ES module's body runs in a job of Node's loader: a tick or microtask its code queues (a
      // stream's open) is the script's, as the resources it makes are (TaskStack.adoptUserCode).
      if ((type === 'TickObject' || type === 'Microtask') && top === this.stack.internals && this.stack.frameBase.length > 0 &&
        this.stack.adoptUserCode(this.sites.lookup(top, this.sites.typeCode(type), false, undefined))) top = this.stack.root;
      // A microtask a Node constructor queues (Node 24's web stream queues its start's end so,
      // where Node 20 chained a promise) is Node's own, as what a constructor does is (see
      // PromiseTasks.onPromise): the program's code it calls (the source's first pull) is no call of the task's.
      const queued = type === 'Microtask' && top !== this.stack.internals ? this.sites.lookup(top, this.sites.typeCode(type), false, undefined) : undefined;
      if (queued?.constructs) top = this.stack.internals;
      // One the program queues itself (process.nextTick, queueMicrotask) after a helper it called
      // before (`readFile(f)`, not awaited yet), or an async function that returned another's
      // promise (`const source = load()`), is the program's, as a promise it makes would be (see
      // PromiseTasks.onPromise): its callback's tasks are no children of that call.
      else if (top === this.stack.top && (type === 'Microtask' || type === 'TickObject') && (top.transient || (top.kind === 'async' && top.resumes === 0))) {
        const info = queued ?? this.sites.lookup(top, this.sites.typeCode(type), false, undefined);
        if (top.transient && info.shape === 'internal' && info.code !== top.codeKey && !this.stack.calledBack(info)) top = this.stack.popReturnedTransients(info.calledBy);
        if (top.kind === 'async' && top.resumes === 0) top = this.popReturnedCalls(info);
      }
      this.owners.set(asyncId, top);
      if (top.handle !== undefined) top.foldedPending++;
      if (type === 'TickObject' && top !== this.stack.internals) {
        this.noteTickSite(asyncId, top, resource);
        const request = requestOfTick(resource.callback, (resource as { args?: unknown }).args);
        if (request !== undefined) this.clientRequests.made(request, top);
      }
      else if (queued?.api === QUEUE_MICROTASK) this.programCallbacks.set(asyncId, resource);
      return;
    }
    if (type === 'TestReporterScope') {
      this.owners.set(asyncId, this.stack.internals); // node:test's reporters at work: Node's own
      return;
    }
    const ns = this.now();
    if (this.stack.frameBase.length === 0) this.stack.idleUntil(ns);
    const request = type === 'HTTPCLIENTREQUEST' ? this.clientRequests.ofParser(resource) : undefined;
    if (request !== undefined) {
      this.lend(asyncId, request); // the response it reads is the request's
      return;
    }
    const maker = this.owners.get(trigger);
    const info = this.sites.lookup(this.stack.top, this.sites.typeCode(type), false, maker);
    this.stack.hooklessJobMade(info);
    top = this.stack.hooklessStepOwner(info) ?? top;
    if (/^(bootstrap|console)\//.test(info.module) || stdio === 'output') {
      this.owners.set(asyncId, top);
      return;
    }
    if (this.stack.adoptUserCode(info)) top = this.stack.root;
    // Made by a Node API user code calls after a helper it called before (as onPromise says).
    else if (top === this.stack.top && top.transient && info.shape === 'internal' && info.code !== top.codeKey) top = this.stack.popReturnedTransients(info.calledBy);
    // Made after an async call that returned without settling (`return promise`): by its caller.
    else if (top === this.stack.top && top.kind === 'async' && top.resumes === 0) top = this.popReturnedCalls(info);
    // Made by the call after a `for await` loop that was read as one more step (a sleep's timer).
    else if (top === this.stack.top) top = this.stepShown(top, info, ns);
    if (TIMER_TYPES.has(type) && top.transient && isTimerKind(top)) {
      // timers/promises: the awaited promise and its timer are one task, named like the timer.
      const name = type === 'Timeout' ? timerName(info, resource) : 'setImmediate';
      this.stack.rename(top, ns, name);
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
    if (HELPER_REQUEST_TYPES.has(type) && top.transient && top.kind === 'io' && !top.ended && info.inHelperExecutor && info.code === top.codeKey) {
      // The request a promise helper makes in its promise's executor for the call itself (Node
      // 26's fs.promises.readFile reads a small file in one): that call's own work, no task.
      this.owners.set(asyncId, top);
      return;
    }
    if (type === 'MESSAGEPORT' && (info.shape === 'none' || top.transient)) {
      // Node's own channels, or a helper's (its module loader's to the thread running
      // module.register() hooks, one per import, import() included): their work, no task of the script's.
      this.owners.set(asyncId, this.stack.internals);
      return;
    }
    if (type === 'MESSAGEPORT' && info.api === 'Worker' && this.lastWorker !== undefined) {
      // The ports `new Worker` opens carry that worker's messages: they are the worker's.
      this.lend(asyncId, this.lastWorker);
      return;
    }
    if (type === 'PIPEWRAP' && (info.module === 'child_process' || info.module.startsWith('cluster/')) && this.lastProcess !== undefined && !this.lastProcess.ended) {
      // A child's stdio pipes (and its IPC channel, a cluster worker's too), opened as it is
      // spawned: its output coming in is the child's doing.
      this.lend(asyncId, this.lastProcess);
      return;
    }
    if (this.reused(asyncId, type, resource)) return;
    const kind = taskKindOf(type, resource);
    const name = kind === 'timer' ? timerName(info, resource) : kind === 'immediate' ? 'setImmediate' : kind === 'callback' ? asyncResourceName(type) :
      type === 'SIGNALWRAP' ? this.signals.nameOfHandle() : ioTaskName(type, info, resource);
    const task = newTaskState(kind, name, info.code, false);
    task.asyncId = asyncId;
    if (type === 'WORKER') this.lastWorker = task;
    task.oneShot = isOneShot(type, typeof resource._repeat === 'number');
    if (kind === 'io') task.resource = resource;
    if (!task.oneShot) {
      this.repeating.add(asyncId);
      this.handleIds.set(resource, asyncId);
    }
    if (kind === 'callback') {
      inheritServing(task, top); // body-parser's bound callback, in a request's handler, serves that request
      this.ends.addProgramResource(task, resource);
    }
    else if (TIMER_TYPES.has(type) || !task.oneShot) {
      task.handle = resource;
      this.stack.liveHandles.add(task);
    }
    if (TIMER_TYPES.has(type) && top !== this.stack.internals) {
      this.ends.watchForClear(top, task);
      this.promises.timerMade(task, type === 'Timeout' ? resource._onTimeout : resource._onImmediate);
    }
    // (A lasting one: a directory's generator makes a request for each read, which is a task of its own.)
    if (info.shape === 'builtin' && info.api === 'next' && !task.oneShot && (kind === 'timer' || kind === 'io')) this.promises.loopSourceMade(task, top, info);
    this.owners.set(asyncId, task);
    if (type === 'TCPWRAP' && isServer(top.name)) this.nameOnReturn.push(task);
    if (type === 'TCPCONNECTWRAP' && maker?.name === TCP_SOCKET) this.socketOfConnect.set(task, maker);
    if (isCryptoJob(type)) this.cryptoJobs.push(task);
    if (type === 'PROCESSWRAP') {
      this.lastProcess = task;
      this.nameOnReturn.push(task);
      if (top.transient && PROMISIFIED_EXEC.test(top.name)) this.helperOfHandle.set(task, top);
    }
    if (type === 'ZLIB') {
      this.nameOnReturn.push(task); // its stream takes it up after the hook
      if (top.transient && top.name === ZLIB_BUFFER_WRAPPER) this.helperOfHandle.set(task, top);
    }
    // Made in Node's own code for an I/O resource of the user's (the connect of net.connect's
    // socket, after its deferred lookup): placed where that resource was made; for a helper's
    // call (fetch's socket), where the call was.
    // So is one a package makes with none of the project's code below it, later than the project's
    // call of the package (ioredis's socket and its lookup, after `redis.connect()`): at that call.
    let site = info.site;
    if (site === '') site = info.shape === 'none' ? this.askedAt(trigger, maker, top) : '';
    else if (isPackageFile(site)) site = this.projectAskedAt(trigger, maker, top) || site;
    // A test node:test makes inside the program's call of test(): the program's, made by its caller.
    const testOfCall = type === NODE_TEST_TYPE && this.promises.isTestCall(top);
    const sibling = testOfCall || isNextStreamRequest(type, info, top, maker) || isNextOfChain(type, info, top) || isServerAfterLookup(type, info, top);
    const nodesOwn = !testOfCall && isNodesOwn(type, info, top.transient && !this.stack.calledBack(info));
    this.stack.emitTask(task, ns, sibling ? top.parentId : top.id, site, nodesOwn);
    if (kind === 'io' && !nodesOwn && isAwaitableWork(type, info)) this.promises.workMade(task, info);
    if (type === NODE_TEST_TYPE) this.promises.testMade(task, top);
    if (type === 'WORKER') {
      this.ends.addWorker(task);
      this.workers.starting(task, resource);
    }
  }

  /**
   * A handle of a task still live, under a new async id: an HTTP agent's kept-alive socket taken
   * for the next request (Node resets its async id, with a resource that holds the handle). The
   * same socket: its task goes on under the new id.
   */
  private reused(asyncId: number, type: string, resource: IoResource): boolean {
    const handle = (resource as { handle?: unknown }).handle;
    if (typeof handle !== 'object' || handle === null || isOneShot(type, false)) return false; // a request on the handle is no reuse
    const before = this.handleIds.get(handle);
    const task = before === undefined ? undefined : this.owners.get(before);
    if (task === undefined || task.ended || task.handle !== handle) return false;
    this.owners.delete(before!);
    this.repeating.delete(before!);
    this.owners.set(asyncId, task);
    this.repeating.add(asyncId);
    this.handleIds.set(handle, asyncId);
    task.asyncId = asyncId;
    return true;
  }

  /**
   * The process's stdin, opened: a task whose callbacks are what came in, written to the trace
   * only once something has (a program that only asks `process.stdin.isTTY` opens it too).
   */
  private readStdin(asyncId: number, resource: IoResource, top: TaskState): void {
    const info = this.sites.lookup(this.stack.top, this.sites.typeCode('STDIN'), false, undefined);
    const task = newTaskState('io', STDIN, info.code, false);
    task.handle = task.resource = resource;
    task.parentId = top.id;
    task.site = info.site;
    this.stack.liveHandles.add(task);
    this.owners.set(asyncId, task);
    this.repeating.add(asyncId);
  }

  /**
   * Where a resource made with no code of the program's on the stack was asked for: at the call of
   * the helper at work (fetch's socket, though fetch was called in a server's 'listening'
   * callback), else where the tick it is made in was queued, else where the I/O it is part of was
   * made, else, made for a task that waits, at that wait (a stream's close once a `for await` over
   * it has read its end).
   */
  private askedAt(trigger: number, maker: TaskState | undefined, top: TaskState): string {
    if (top.transient) return top.site;
    const site = this.tickSites.get(trigger) ?? (maker?.kind === 'io' ? maker.site : '');
    return site === '' && (maker === undefined || maker === top) && top.awaiting ? top.waitSite : site;
  }

  /**
   * askedAt, or the site of the timer or immediate whose callback runs (nodemailer connects from a
   * setImmediate its sendMail() set), if that is in the project's own code (not a package's); else ''.
   */
  private projectAskedAt(trigger: number, maker: TaskState | undefined, top: TaskState): string {
    const site = this.askedAt(trigger, maker, top) || (maker !== undefined && isTimerKind(maker) ? maker.site : '');
    return isPackageFile(site) ? '' : site;
  }

  /** A tick queued by a Node API the user's code called (the site cache answers without a stack once seen). */
  private noteTickSite(asyncId: number, top: TaskState, resource: IoResource): void {
    const info = this.sites.tickSite(top, this.sites.typeCode('TickObject'));
    if (info?.shape === 'internal' && info.site !== '') this.tickSites.set(asyncId, info.site);
    if (info?.api === NEXT_TICK) this.programCallbacks.set(asyncId, resource);
  }

  nameFromResource(task: TaskState, ns: number): void {
    const resource = task.resource!;
    task.resource = undefined;
    if (task.name === STDIN) {
      this.stack.emitTask(task, ns, task.parentId, task.site, false); // its first input (see readStdin)
      return;
    }
    if (task.name === NODE_TEST_TYPE && isNodeTest(resource)) {
      // A test starting to run (its fields are set only after the hook that made it).
      this.stack.rename(task, ns, nodeTestName(resource));
      this.ends.addTest(task);
      return;
    }
    if (task.name === ZLIB) {
      const name = zlibName(jsObjectOf(resource)) ?? ZLIB;
      this.stack.rename(task, ns, name);
      this.nameHelper(task, name, ns);
      return;
    }
    if (task.name !== CHILD_PROCESS) {
      this.stack.rename(task, ns, ioNameWhenActive(task.name, resource));
      const socket = this.socketOfConnect.get(task);
      if (socket !== undefined) {
        // Tried before it was connected, if it ran a callback then: its handle names it now, or,
        // reset already (by a server closing as it connects), the address it connected to.
        if (socket.name === TCP_SOCKET && socket.handle !== undefined) this.stack.rename(socket, ns, socketNameOfConnect(socket.handle, resource));
      }
      return;
    }
    const name = childProcessName(jsObjectOf(resource)) ?? task.name;
    this.stack.rename(task, ns, name);
    this.nameHelper(task, name, ns);
  }

  /** Names the helper that opened `handle` (see helperOfHandle) as the handle is now named. */
  private nameHelper(handle: TaskState, name: string, ns: number): void {
    const helper = this.helperOfHandle.get(handle);
    if (helper !== undefined) {
      this.helperOfHandle.delete(handle);
      this.stack.rename(helper, ns, name);
    }
  }

  /**
   * Ends a one-shot resource whose callback has returned: a TCP connect that failed (its socket
   * destroyed with the error) is rejected with it.
   */
  endOneShot(task: TaskState, ns: number): void {
    const socket = this.socketOfConnect.get(task);
    if (socket !== undefined) this.socketOfConnect.delete(task);
    const [state, message] = streamEnd(socket?.handle, RESOLVED);
    this.stack.endTask(task, ns, state, message, '');
  }

  /**
   * Lets go of a resource task that runs no more callbacks: held by its async id, it would be kept
   * to the end of the run (a long-running program that clears a timeout for each request kept each).
   */
  forget(task: TaskState): void {
    this.owners.delete(task.asyncId);
    this.repeating.delete(task.asyncId);
    const lent = this.lent.get(task);
    if (lent === undefined) return;
    // A child's pipes have closed by its end ('close' comes after theirs), a worker's ports by its exit.
    for (const id of lent) {
      this.owners.delete(id);
      this.repeating.delete(id);
    }
    this.lent.delete(task);
  }

  /** Another resource's callbacks are `task`'s (a child process's stdio pipes), for as long as it lives. */
  private lend(asyncId: number, task: TaskState): void {
    this.owners.set(asyncId, task);
    this.repeating.add(asyncId);
    const lent = this.lent.get(task);
    if (lent === undefined) this.lent.set(task, [asyncId]);
    else lent.push(asyncId);
  }
}
