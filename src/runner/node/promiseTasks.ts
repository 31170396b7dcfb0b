// Async functions, I/O helpers and combinators, as V8's promise hooks show them: which task each
// promise is (what each await waits for: awaits.ts; what follows as they settle: promiseSettles.ts).
import type { TaskKind } from '../../trace/events';
import { Awaits } from './awaits';
import type { CallSiteInfo } from './callSiteInfo';
import { UNTIMED, type EventOutput } from './eventOutput';
import { isIteratorStep, isRequireWork, isStreamIteratorStep, isTestCall, iteratorStepName, opName } from './names';
import { marks, taskBehind } from './promiseMarks';
import { noteServing, requestHandlerName } from './servedRequests';
import { knownSettled } from './promiseState';
import type { TaskStack } from './taskStack';
import { anonymousName, helperKind, MisreadCalls, takeCallPlace } from './misreadCalls';
import { CHECKS_PER_RESUME, PROMISE_TYPE, type TaskSites } from './taskSites';
import { newTaskState, ownFunction, type TaskState } from './taskState';
import { MEMBER_JOB, NODE_ITERATOR_JOB, THENABLE_JOB } from './thenSites';

/** What leaving a `for await` over Node's own async iterator (`break`) waits for: its return() to finish. */
const ITERATOR_RETURN_LABEL = 'iterator.return';
/** Lines (file:line:column) of `for await` loops over Node's own async generators (see onPromise's 'builtin'), as many as MAX_NODE_ITERATOR_LOOPS. */
const nodeIteratorLoops = new Set<string>();
const MAX_NODE_ITERATOR_LOOPS = 4096;
/** `top` is a combinator's call made at the place `info` was (its own promise, or one it made for an element). */
function isCombinatorCallAt(top: TaskState, info: CallSiteInfo): boolean {
  return top.kind === 'combinator' && top.transient && top.codeKey === info.code;
}

export class PromiseTasks {
  /** The wrapper V8 made for the latest `await value`: the await on it follows. */
  private awaitWrapper: Promise<unknown> | undefined;
  /**
   * The promise of the latest `next()` call of an async generator (a `for await` step's), and the
   * function that called it (see CallSiteInfo.callers): see onPromise.
   */
  private generatorRequest: Promise<unknown> | undefined;
  private generatorRequestCaller: string | undefined;
  /**
   * The latest step of a task's own `for await` (an async generator's next(), a Node iterator's)
   * while it may still turn out to be the call after the loop (see stepShown), the task whose run
   * made it, and which run.
   */
  private step: Promise<unknown> | undefined;
  private stepTask: TaskState | undefined;
  private stepRun = 0;
  /**
   * The timer or handle Node's own async generator made in the first step of a task's `for await`
   * over it (timers/promises' setInterval, fs.promises.watch), and the loop's site: each step waits
   * for it, before it first fires too (a watch loop stopped by Ctrl-C waited for nothing said).
   */
  private readonly loopSources = new WeakMap<TaskState, { site: string; source: TaskState }>();
  /** The promise of the first `next()` call in a task's run (a `for await` step's), the task, and which run. */
  private nextRequest: Promise<unknown> | undefined;
  private nextRequestTask: TaskState | undefined;
  private nextRequestRun = 0;
  private readonly misread: MisreadCalls;
  private readonly awaits: Awaits;
  /** Helpers whose own promise was found nearer the user's call than the one that started them (see onPromise). */
  private readonly ownFoundNearer = new WeakSet<TaskState>();
  /** The latest promise made, if `new Promise` made it: its executor may be running. */
  private executing: Promise<unknown> | undefined;
  /** The latest promise `new Promise` made, and the function that made it (CallSiteInfo.callers' key), while its executor may still run. */
  private executorPromise: Promise<unknown> | undefined;
  private executorMaker = '';
  /** The promise the combinator on top made for its latest element, until it chains on it (see onPromise). */
  private elementPromise: Promise<unknown> | undefined;
  /** Where elementPromise was made, should it turn out to be the next call's own (see nextCall). */
  private elementInfo: CallSiteInfo | undefined;
  /** node:test's calls of test() and t.test(), and the latest test it made (see startTransient). */
  private readonly testCalls = new WeakSet<TaskState>();
  private latestTest: TaskState | undefined;

  constructor(
    private readonly stack: TaskStack,
    private readonly sites: TaskSites,
    private readonly out: EventOutput,
    private readonly now: () => number,
    /** Told of a task's promise that had settled before the task was known (see nextCall). */
    private readonly settled: (promise: Promise<unknown>) => void,
  ) {
    this.misread = new MisreadCalls(stack, sites, out, now);
    this.awaits = new Awaits(stack, out, now);
  }

  /** A promise is made, with the promise it was chained on or resolved from, if any. */
  onPromise(promise: Promise<unknown>, parent: Promise<unknown> | undefined): void {
    this.executing = undefined;
    const hasParent = parent !== undefined;
    // Chained in the adopting job's own code, not in a call it makes (a query builder's then()
    // starting knex's Runner.run, whose own awaits chain promises first).
    if (hasParent && this.stack.adopting !== undefined && this.stack.top === this.stack.adopting) this.awaits.onAdopt(this.stack.adopting, parent, this.stack.adoptingReturned);
    this.stack.enterHooklessJob();
    let info = this.sites.lookup(this.stack.top, PROMISE_TYPE, hasParent, parent && marks.owner(parent));
    this.stack.hooklessJobMade(info);
    // A combinator never chains on its own promise: user code does (`await Promise.all(…)`), which
    // the cache would take for one more of its reactions once it has made hundreds at that place.
    if (info.shape === 'combinatorThen' && parent !== undefined && parent === this.stack.top.promise) info = this.sites.fresh(true);
    // Nor is the await of a call the cache misread a `.then` of the loop's (see MisreadCalls.repair).
    else if (info.shape === 'then' && this.misread.awaitsRecastCall(parent)) info = this.sites.fresh(true);
    this.stack.adoptUserCode(info);
    if (info.shape === 'combinatorThen') this.misread.combinatorReaction(info);
    let top = this.stack.top;
    // User code calls a helper or combinator while one it called before is still on top (no await
    // in between, as in items.map((f) => fs.promises.readFile(f))): that one has returned. What a
    // call makes inside itself comes from the same code (same user line, same API), but elsewhere
    // in the API's function or deeper in the stack: a promise made where and as deep as the
    // helper's own was is the next call's.
    const sameCode = info.code === top.codeKey;
    // User code a helper calls back while its call runs (an async generator a stream pipeline
    // pulls, a Transform's function): part of the helper's work, as what it makes and calls is.
    const calledBack = this.stack.calledBack(info);
    const anotherCall = !hasParent && top.transient && !calledBack && (
      (info.shape === 'combinator' && !sameCode) ||
      (info.shape === 'internal' && (!sameCode || (info.depth === top.depth && info.madeAt === top.madeAt)))
    );
    // V8's own promise for an `import()` expression, made once Node's callback for it returned,
    // where the user's code called it: what awaiting the import waits for is that import.
    if ((info.shape === 'user' || info.shape === 'unseenBuiltin') && !hasParent && top.transient && info.site === top.site) {
      marks.setTask(promise, top);
      marks.setOwner(promise, top);
      this.stack.popReturnedTransients();
      return;
    }
    // Back in user code: helpers and combinators called from it have returned. So too once it calls
    // a builtin itself (a `for await`'s first next() of a generator, after `once(emitter, 'done')`).
    const returnedFrom = top;
    const userCalls = info.shape === 'user' || info.shape === 'unseenBuiltin' || info.shape === 'newPromise' || info.shape === 'then' || info.shape === 'compiledAwait' || info.shape === 'compiledGeneratorAwait' || (info.shape === 'builtin' && info.depth === 1);
    if ((userCalls || anotherCall) && !calledBack) top = this.stack.popReturnedTransients(info.calledBy);
    if (top.kind === 'async' && top.resumes === 0) top = this.popReturnedCalls(info, !hasParent);
    top = this.stack.hooklessStepOwner(info) ?? top;
    top = this.stepShown(top, info, hasParent);
    switch (info.shape) {
      case 'then': {
        marks.setOwner(promise, top);
        marks.setThenSite(promise, info.code);
        const source = parent && (taskBehind(parent) ?? this.awaits.settlerOf(parent));
        if (source) marks.setSource(promise, source);
        // A task's promise chained in a `new Promise`'s executor (`new Promise((resolve, reject) =>
        // load().then(resolve, reject))`, a limiter's first calls): that promise waits for it.
        if (source && info.executorOf >= 0 && info.callers[info.executorOf] === this.executorMaker) this.awaits.workMade(this.executorPromise, source);
        // A package's call that returns its promise's .catch (pg's query) is still that call.
        const label = parent && marks.label(parent);
        if (label) marks.setLabel(promise, label);
        return;
      }
      case 'user':
        if (hasParent && (parent === top.promise || (parent === this.generatorRequest && info.callers[0] !== this.generatorRequestCaller))) {
          // `await value`: V8 wraps the value in a promise whose parent is the function's own (an
          // async generator's `yield value`: that of the `next()` call it answers, made in the
          // generator's code, where the caller's await of that call is made in the caller's); the
          // await itself follows, on that wrapper.
          marks.setOwner(promise, top);
          this.awaitWrapper = promise;
          // `await Sub.race(…)` on a Promise subclass: V8 wraps the combinator's promise as a
          // thenable, whose then() makes the subclass's promise with no parent, so no adoption
          // ever names it; awaited where it was called, it is what the wrapper stands for.
          if (returnedFrom !== top && returnedFrom.kind === 'combinator' && returnedFrom.site === info.site) marks.setSource(promise, returnedFrom);
        } else if (hasParent) {
          this.awaits.onAwait(top, promise, parent, info, parent !== this.awaitWrapper);
        } else if (info.moduleBody) {
          marks.setOwner(promise, top); // an ES module's body is the script itself
        } else {
          this.startAsync(promise, this.now(), info);
        }
        return;
      case 'compiledAwait':
        // An async function compiled into a generator yielded `parent`: the helper resumes it once
        // that settles. A value that is no promise is wrapped in one first, as V8 wraps it for `await`.
        if (parent !== undefined) {
          top.compiled = true;
          this.awaits.onAwait(top, promise, parent, info, parent !== this.awaitWrapper);
        } else {
          marks.setOwner(promise, top);
          this.awaitWrapper = promise;
        }
        return;
      case 'compiledGeneratorAwait':
        // The body of an async generator compiled into a generator awaited `parent`: the task whose
        // step runs it waits for that, as for a native generator's await (see Awaits.onAwait).
        if (parent !== undefined) this.awaits.onAwait(top, promise, parent, info, parent !== this.awaitWrapper);
        return;
      case 'unseenBuiltin':
        // The function's own work: a wait for it is named after the builtin (`WebAssembly.compile`).
        marks.setOwner(promise, top);
        if (info.api) marks.setLabel(promise, info.api);
        return;
      case 'combinator':
        // A promise Promise.all makes for itself (wrapping an element that is not a promise), or
        // the next call's own, made at the same place (see nextCall).
        if (isCombinatorCallAt(top, info) && this.elementPromise !== undefined) top = this.nextCall(top, this.elementPromise);
        if (isCombinatorCallAt(top, info)) {
          marks.setOwner(promise, top);
          this.elementPromise = promise;
          this.elementInfo = info;
          return;
        }
        this.startTransient(promise, this.now(), 'combinator', `Promise.${info.api}`, info, false);
        return;
      case 'newPromise':
        this.executing = this.executorPromise = promise;
        this.executorMaker = info.callers[0] ?? '';
        marks.setOwner(promise, top);
        marks.setThenSite(promise, THENABLE_JOB);
        // A wait for it waits for the package's call that made it, whatever settles it (a socket's read).
        if (info.waitLabel) marks.setLabel(promise, info.waitLabel);
        return;
      case 'builtin':
        marks.setOwner(promise, top);
        if (info.api === 'next') {
          // An await in Node's own async generator (a stream's iterator before Node 26) inside the
          // step the task's `for await` asked for: that step is one of Node's iterator's, and so
          // are the later steps of that loop (one ending the loop runs no await of Node's).
          if (hasParent && this.generatorRequest !== undefined && this.generatorRequestCaller === info.callers[0]) {
            marks.setIteratorStep(this.generatorRequest, true);
            if (nodeIteratorLoops.size < MAX_NODE_ITERATOR_LOOPS) nodeIteratorLoops.add(info.site);
          } else if (!hasParent && nodeIteratorLoops.has(info.site)) marks.setIteratorStep(promise, true);
          this.generatorRequest = promise;
          this.generatorRequestCaller = info.callers[0];
          if (!hasParent) this.noteStep(promise, top, info);
          if (!hasParent && (this.nextRequestTask !== top || this.nextRequestRun !== top.resumes)) {
            this.nextRequest = promise;
            this.nextRequestTask = top;
            this.nextRequestRun = top.resumes;
            const loop = this.loopSources.get(top);
            if (loop !== undefined && loop.site === info.site && !loop.source.ended) marks.setSource(promise, loop.source);
          }
        }
        // An await in Node's own async generator, stepped by the task's `for await` or left by its
        // `break` (a stream's iterator destroying the stream in its finally).
        if (hasParent && (info.api === 'next' || info.api === 'return')) marks.setThenSite(promise, NODE_ITERATOR_JOB);
        else if (info.api === 'return') marks.setLabel(promise, ITERATOR_RETURN_LABEL);
        if (info.waitLabel) marks.setLabel(promise, info.waitLabel); // Atomics.waitAsync
        // Told of every builtin the program calls: Array.fromAsync(gen()) runs the generator's first
        // step right inside the call, and only until the next builtin call (see Awaits.onAwait).
        if (info.depth === 1 && !hasParent) this.awaits.builtinCalled(top, info.waitLabel ?? '');
        // Made by a builtin that the one the program called calls in turn (the iterator Array.fromAsync
        // steps over an array): its job is V8's step of that builtin, inside the task's wait for it.
        if (!hasParent && info.depth > 1) marks.setThenSite(promise, NODE_ITERATOR_JOB);
        return;
      case 'combinatorThen': {
        const element = this.elementPromise;
        this.elementPromise = undefined;
        if (top.kind === 'combinator' && top.transient && element !== undefined && parent !== undefined && parent !== element) top = this.nextCall(top, element);
        marks.setOwner(promise, top);
        if (top.kind !== 'combinator') return;
        // A subclass's then() makes its promise with no parent. Where the element's promise still
        // waits for the member's then() to be called, the member is known once it is: see onAdopt.
        if (parent === undefined && element !== undefined && !knownSettled(element)) {
          marks.setThenSite(element, MEMBER_JOB);
          return;
        }
        const member = parent && this.awaits.memberOf(parent);
        if (this.out.admit()) this.out.enc.join(UNTIMED, top.id, member ? member.id : 0);
        return;
      }
      case 'internal':
        // Node's own, as its module loading is; so is what a constructor or accessor does (a stream's start).
        if (isRequireWork(info) || info.constructs) return;
        if (!hasParent && (!top.transient || calledBack) && top !== this.stack.internals) {
          // A step of `for await` over events.on (a readline interface's lines) is no task: the
          // loop's wait says what it waits for (a file read by lines would make a task per line).
          if (isIteratorStep(info)) {
            marks.setLabel(promise, iteratorStepName(info));
            this.noteStep(promise, top, info);
          } else if (!isStreamIteratorStep(info)) this.startTransient(promise, this.now(), helperKind(info), opName(info), info, isTestCall(info));
          else if (info.api.endsWith('return')) marks.setLabel(promise, ITERATOR_RETURN_LABEL);
          else {
            marks.setIteratorStep(promise, true);
            this.noteStep(promise, top, info);
          }
          return;
        }
        if (!hasParent && top.transient) {
          if (info.code === top.codeKey && info.depth < top.depth && !info.madeSettled && !this.ownFoundNearer.has(top)) {
            // The first promise nearer the user's call than the one that started the helper (fetch's
            // first call loads undici, whose promises come first; a web stream's pipeTo makes its
            // reader's first) is the helper's own, which settles as it does. Not one settled as it is
            // made (pipeTo's Promise.resolve() for its writer), nor those it makes after its own
            // (pipeTo's first step), which would end the helper before its work.
            this.ownFoundNearer.add(top);
            top.promise = promise;
            top.depth = info.depth;
            top.madeAt = info.madeAt;
            marks.setTask(promise, top);
          } else {
            marks.setHelper(promise, top);
          }
        }
        if (hasParent && top.transient) {
          // A helper that returns p.finally(…) hands out that promise: it stands for the helper too.
          if (marks.task(parent) === top) marks.setTask(promise, top);
          marks.setJobSite(promise, info.code); // its job is the helper's step from here (see 'none')
        }
        // An await in a stream's iterator step (Node 26's, no generator) that ran in the task's next() call.
        if (hasParent && isStreamIteratorStep(info)) marks.setThenSite(promise, NODE_ITERATOR_JOB);
        marks.setOwner(promise, top);
        return;
      case 'none':
        // Node's own promises (module loading, stream internals) run as Node's work, not a task's;
        // but those a helper's own steps make inside Node (fs.promises.readFile reading on, in a
        // job of its own) are the helper's. Either way each job runs in a site-cache row of what
        // chained its promise: without it, code that no task state tells apart would read the
        // stack for every promise it makes (15 stacks a readFile; 2 a value a stream pipeline's
        // pump pulls through an async generator).
        if (top.transient && !top.ended) marks.setOwner(promise, top);
        else if (this.stack.inHooklessJob() && top === this.stack.top) {
          // Node's own steps of a stream's iterator a builtin the task awaits pulls (Array.fromAsync
          // over a stream): the task's work inside its wait, as its own `for await`'s would be.
          marks.setOwner(promise, top);
          marks.setThenSite(promise, NODE_ITERATOR_JOB);
        }
        if (hasParent) marks.setJobSite(promise, info.code);
        return;
      default:
        marks.setOwner(promise, top);
    }
  }

  /**
   * `source`, a timer or handle, was made in the `next()` of `stepper`'s `for await` over Node's
   * own async generator (see loopSources): the step being made waits for it, and so do the next.
   */
  loopSourceMade(source: TaskState, stepper: TaskState, info: CallSiteInfo): void {
    this.loopSources.set(stepper, { site: info.site, source });
    if (this.nextRequest !== undefined && this.nextRequestTask === stepper && this.nextRequestRun === stepper.resumes) marks.setSource(this.nextRequest, source);
  }

  /** A timer was made (see Awaits.timerMade). */
  timerMade(timer: TaskState, callback: unknown): void {
    this.awaits.timerMade(this.executing, timer, callback);
  }

  /** An I/O task of the program's was made (`info`: where), maybe in a `new Promise`'s executor (see Awaits.workMade). */
  workMade(work: TaskState, info: CallSiteInfo): void {
    if (info.executorOf >= 0) this.awaits.workMade(this.executing, work);
  }

  /** `promise` is a step of `task`'s `for await`, or a call after the loop read as one (see stepShown). */
  private noteStep(promise: Promise<unknown>, task: TaskState, info: CallSiteInfo): void {
    if (task.fnKey === '' || info.callers[0] !== ownFunction(task)) return; // stepped by Node's code (a pipeline pulling a generator)
    // The run's first step is still in question: one the cache reads later in the run was made inside it (see stepShown).
    if (this.step !== undefined && this.stepTask === task && this.stepRun === task.resumes) return;
    this.step = promise;
    this.stepTask = task;
    this.stepRun = task.resumes;
  }

  /**
   * A promise or other resource `top` makes (`info`): made in the run that made its latest `for
   * await` step, after it, it may show that step was the call after the loop (see
   * MisreadCalls.stepWas); then that call starts now (at `ns`, the resource's time, if given), a
   * task on top of `top`, whose own the resource is.
   */
  stepShown(top: TaskState, info: CallSiteInfo, hasParent: boolean, ns?: number): TaskState {
    if (this.step === undefined || top !== this.stepTask || top.resumes !== this.stepRun) return top;
    const was = this.misread.stepWas(top, info, hasParent);
    // The cache's answer is what the loop's runs made at this place (the step's own promises inside
    // Node), whatever made it this time (the sleep inside the call after the loop): no sign.
    if (was === undefined || (was === 'step' && !this.sites.lastRead)) return top;
    const promise = this.step!;
    this.step = undefined;
    if (was === 'step') return top;
    // Promises the cache read as further steps since were made inside the call: the call's await
    // of one is no generator's, and the latest may be the one whose executor makes the resource
    // now (its sleep's, whose timer the wait is for).
    const latest = this.generatorRequest;
    this.generatorRequest = undefined;
    if (ns !== undefined && latest !== promise) this.executing = latest;
    const at = ns ?? this.now();
    if (was.shape === 'user') this.startAsync(promise, at, was);
    else this.startTransient(promise, at, helperKind(was), opName(was), was, isTestCall(was));
    return this.stack.top;
  }

  /**
   * A promise taken for one the combinator on top made for an element, but chained on by nothing
   * (each element's is, at once): it was the combinator's own in its next call at the same place,
   * with no await or call of the program's in between (`for (…) all.push(Promise.all([a, b]))`).
   * The combinator before it (`before`) has returned; that call starts now, the one on top (or
   * has ended already, as `Promise.all([])` does as it is called).
   */
  private nextCall(before: TaskState, element: Promise<unknown>): TaskState {
    const info = this.elementInfo!;
    this.elementPromise = undefined;
    if (this.stack.top === before) this.stack.sync.pop();
    this.startTransient(element, this.now(), 'combinator', `Promise.${info.api}`, info, false);
    if (knownSettled(element)) this.settled(element);
    return this.stack.top;
  }

  /** `testCall`: node:test's test() or t.test(), which the timeline shows only with Node's own tasks. */
  private startTransient(promise: Promise<unknown>, ns: number, kind: TaskKind, name: string, info: CallSiteInfo, testCall: boolean): void {
    const parent = this.stack.top;
    const task = newTaskState(kind, name, info.code, true);
    takeCallPlace(task, info);
    task.promise = promise;
    marks.setTask(promise, task);
    marks.setOwner(promise, task);
    this.stack.emitTask(task, ns, parent.id, info.site, testCall);
    this.stack.sync.push(task);
    // node:test's call is Node's own work, standing for the test it makes at its place, mostly
    // before its promise (see testMade).
    if (testCall) {
      this.testCalls.add(task);
      if (this.latestTest !== undefined && this.latestTest.site === info.site) task.shownAs = this.latestTest;
    }
  }

  /** Whether `task` is node:test's call of test() or t.test() (Node's own work; see startTransient). */
  isTestCall(task: TaskState): boolean {
    return this.testCalls.has(task);
  }

  /**
   * node:test made a test (its Test resource's task), for the call of test() or t.test() at its
   * place. One made inside the call (`maker`), as a call that starts node:test's run makes its
   * root test and then the one it asks for (Node 24's), is what the call stands for, the last made.
   */
  testMade(test: TaskState, maker: TaskState): void {
    if (this.testCalls.has(maker) && maker.site === test.site) maker.shownAs = test;
    this.latestTest = test;
  }

  /** An async function was called: its promise is made as it starts, and it runs until its first await. */
  private startAsync(promise: Promise<unknown>, ns: number, info: CallSiteInfo): void {
    const parent = this.stack.top;
    const request = requestHandlerName(parent, info.callers[1]);
    const task = newTaskState('async', info.fn || request || anonymousName(parent, info.callers[0], info.callerSite || info.site), info.code, false);
    if (request !== '') noteServing(task, request);
    task.fnKey = info.callers[0] ?? '';
    // A recursive call: its first run and its caller's are the same code, where the base case
    // makes something else at the point the others make the next call (see TaskState.checksLeft).
    const sameFunction = task.fnKey !== '' && task.fnKey === parent.fnKey;
    if (sameFunction) task.checksLeft = CHECKS_PER_RESUME;
    task.promise = promise;
    marks.setTask(promise, task);
    marks.setOwner(promise, task);
    // Node's code calling the function again from inside the call before (a Transform's transform,
    // called for the next chunk from the callback of the one before; a Readable's async read(),
    // called for the next chunk from a tick the one before queued as it pushed): the next of a
    // series, made by what made the first, rather than a staircase of calls each the child of the
    // one before. (A recursive call is the function's own doing: its caller is on the stack.)
    const calledByNode = info.callers.length === 1 && info.callersComplete && this.stack.frameBase.length > 0;
    const nextOfSeries = sameFunction && (info.calledBy !== '' || calledByNode);
    this.stack.emitTask(task, ns, nextOfSeries ? parent.parentId : parent.id, info.callerSite || info.site, false);
    this.stack.sync.push(task);
    this.stack.switchTo(task.id, ns);
  }

  /**
   * An async function that returned a promise without awaiting it (`return leaf(n)`, `return
   * cached`) has not settled, so it is still on the synchronous stack, but its frame is gone: code
   * running now with none of its frames on the stack is its caller's. (Only while it runs its
   * first part: a task resumed later is the callback's, at the floor of the stack.) `callEntry`:
   * `info` is of a promise that may be a call's own (no resource is: `new MessageChannel()`, a
   * native constructor, makes its ports right in the caller's frame).
   */
  popReturnedCalls(info: CallSiteInfo, callEntry: boolean): TaskState {
    if (!info.callersComplete) return this.stack.top;
    const ownFrame = callEntry && info.shape === 'user' && !info.moduleBody ? 1 : 0; // a call's entry: its own frame first
    const was = this.stack.top;
    let top = was;
    let ns = 0;
    while (top.kind === 'async' && top.resumes === 0 && top.fnKey !== '' && this.stack.sync.length > this.stack.frameFloor() + 1 && info.callers.indexOf(top.fnKey, ownFrame) < 0) {
      if (top === was && this.misread.repair(top, info, ownFrame)) break;
      this.stack.sync.pop();
      top.returnedAt = ns ||= this.now();
      top = this.stack.top;
    }
    if (top !== was) this.stack.switchToRunning(ns);
    return top;
  }
}
