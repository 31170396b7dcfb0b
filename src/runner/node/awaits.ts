// What each await waits for, and from when: a task's await of a promise, and V8 adopting another
// promise for one it awaits or returned. (Which task each promise is: promiseTasks.ts.)
import type { CallSiteInfo } from './callSiteInfo';
import { MODULE_BODY_KEY } from './callFrames';
import { runsProgramCode } from './callsites';
import { UNTIMED, type EventOutput } from './eventOutput';
import { marks, taskBehind } from './promiseMarks';
import { knownSettled } from './promiseState';
import type { TaskStack } from './taskStack';
import type { TaskState } from './taskState';
import { THENABLE_JOB } from './thenSites';

/** What awaiting a value that is no promise, or a promise settled already, waits for, in words. */
const VALUE_LABEL = 'value';
const SETTLED_LABEL = 'settled promise';

/** A function V8 made to resolve a promise: native, anonymous, of one parameter. */
function isResolveFunction(fn: Function): boolean {
  // Compared whole, the source text costs half what a pattern does (a sleep's timer asks, W2's 50,000).
  return fn.name === '' && fn.length === 1 && !('prototype' in fn) && functionText.call(fn) === NATIVE_ANONYMOUS;
}
const functionText = Function.prototype.toString;
const NATIVE_ANONYMOUS = 'function () { [native code] }';

/**
 * A function of no parameters whose first statement calls a resolve or reject function by its
 * usual names: `() => resolve()`, `() => { resolve('done'); }`, `function () { res(); }` (MDN's
 * sleep), `function () { return resolve(x); }` (such an arrow compiled for ES5), `() => { return
 * r(); }`, `() => reject(new Error('timed out'))` (a timeout a call is raced against).
 */
function callsResolve(fn: Function): boolean {
  return fn.length === 0 && CALLS_RESOLVE.test(functionText.call(fn));
}
const CALLS_RESOLVE = /^(?:function\s*\(\s*\)\s*\{|\(\s*\)\s*=>\s*\{?)\s*(?:return\s+)?(?:resolve|res|r|done|reject|rej)\s*\(/;

/** A callback that only settles a promise (a resolve function, or one that calls it): a wake, not code of its own. */
export function onlySettles(fn: Function): boolean {
  return isResolveFunction(fn) || callsResolve(fn);
}

/**
 * Where a function compiled into a generator awaited, which the stack no longer shows (see
 * CallSiteInfo's `compiledAwait`): where it made the call it awaits, the place of `await call()`.
 */
function compiledAwaitSite(waiter: TaskState, target: TaskState | undefined): string {
  return target !== undefined && target.parentId === waiter.id && (target.kind === 'async' || target.kind === 'combinator') ? target.site : '';
}

export class Awaits {
  /**
   * The latest promise made to be settled by one task's callback, and that task (see timerMade,
   * workMade), until it is awaited: kept here rather than as a mark, which would be a fourth field
   * on a sleep's promise and cost it an allocation; a sleep is mostly awaited as soon as it is made.
   */
  private promised: Promise<unknown> | undefined;
  private promisedBy: TaskState | undefined;
  /** Whether such a promise was made before the latest one was awaited, and so has its task as a mark. */
  private promisedMarked = false;
  /** The function of the async generator whose body awaited last (CallSiteInfo.callers' key). */
  private generatorAwaited = '';
  /** The task that has just called a builtin that runs the program's code (see builtinCalled), in which run of it, and the builtin's label. */
  private builtinCaller: TaskState | undefined;
  private builtinCallerRun = -1;
  private builtinCallLabel = '';
  /** What an ES module's body awaited last, and the async generator it steps (see stepsOfModuleBody) as CallSiteInfo.callers' key. */
  private moduleBodyAwaited: Promise<unknown> | undefined;
  private moduleBodyGenerator = '';

  constructor(
    private readonly stack: TaskStack,
    private readonly out: EventOutput,
    private readonly now: () => number,
  ) {}

  /**
   * A timer was made, while `executing`'s executor may be running. One whose callback is a
   * promise's resolve function or calls one, made in `new Promise`'s executor (`new Promise((resolve) => setTimeout(resolve, ms))`, the usual
   * sleep), is what that promise waits for: a wait for it says so as it starts, not only once the
   * timer has fired. Not so where the executor has started other work (see workMade), which the
   * timer only guards (`setTimeout(() => reject(new Error('timed out')), ms)`).
   */
  timerMade(executing: Promise<unknown> | undefined, timer: TaskState, callback: unknown): void {
    if (executing === undefined || typeof callback !== 'function' || !onlySettles(callback)) return;
    if (executing === this.promised) return;
    this.promise(executing, timer);
  }

  /**
   * An operation of the program's (an I/O task, not Node's own) was started in the executor of
   * `executing` (`new Promise((resolve, reject) => fs.readFile(f, (err, data) => …))`, a callback
   * API promisified by hand): that promise waits for it, as a sleep for its timer, though the
   * executor set a timeout's timer before it.
   */
  workMade(executing: Promise<unknown> | undefined, work: TaskState): void {
    if (executing === undefined) return;
    if (executing === this.promised) {
      if (this.promisedBy!.kind === 'timer') this.promisedBy = work; // the first work, not a timeout guarding it
      return;
    }
    this.promise(executing, work);
  }

  private promise(promise: Promise<unknown>, by: TaskState): void {
    // One made before the last was awaited (`Promise.all([sleep(10), sleep(20)])`, a timeout
    // raced against a call) keeps its task as a mark.
    if (this.promised !== undefined) {
      marks.setSettler(this.promised, this.promisedBy);
      this.promisedMarked = true;
    }
    this.promised = promise;
    this.promisedBy = by;
  }

  /**
   * The task a combinator given `promise` waits for: the task it is the result of, the one a
   * `.then`/`.catch` chain starts from (`load().then(parse)`, a timeout's `sleep(ms).then(fail)`,
   * as an await of it waits for), or the task whose callback settles it.
   */
  memberOf(promise: Promise<unknown>): TaskState | undefined {
    const task = marks.task(promise) ?? marks.source(promise);
    return task !== undefined ? (task.shownAs ?? task) : this.settlerOf(promise);
  }

  /** The task whose callback settles `promise` (a sleep's timer, see timerMade and workMade), if no package's call made it. */
  settlerOf(promise: Promise<unknown>): TaskState | undefined {
    const settler = promise === this.promised ? this.promisedBy : this.promisedMarked ? marks.settler(promise) : undefined;
    return settler !== undefined && !marks.label(promise) ? settler : undefined;
  }

  /**
   * `caller` calls a builtin (`label`: what a wait for it is named after). One that runs the
   * program's code (see runsProgramCode) may run an async generator's first step right inside the
   * call (see onAwait); any other builtin called after it (the `next()` of a `for await` of the
   * caller's own) is no part of that call.
   */
  builtinCalled(caller: TaskState, label: string): void {
    this.builtinCaller = runsProgramCode(label) ? caller : undefined;
    this.builtinCallerRun = caller.resumes;
    this.builtinCallLabel = label;
  }

  /**
   * `waiter` (the task on top, or the one whose builtin steps the generator that awaits: see
   * TaskStack.hooklessStepOwner) awaits the promise `awaited` through `throwaway`. `watch`: note
   * who settles `awaited` (not for the wrapper of an `await value`, settled already).
   */
  onAwait(waiter: TaskState, throwaway: Promise<unknown>, awaited: Promise<unknown>, info: CallSiteInfo, watch: boolean): void {
    if (waiter === this.stack.internals) return;
    marks.setOwner(throwaway, waiter);
    const ownCode = waiter === this.stack.root ? info.moduleBody : info.fn === waiter.name;
    // An await of the generator a builtin steps for the waiter, in a step run inside its wait for
    // the builtin (see TaskState.awaitsBuiltinStepping): the builtin's business, not the waiter's.
    if (waiter.awaitsBuiltinStepping && !ownCode) {
      this.stack.hooklessSuspended(-1);
      return;
    }
    // The first step of an async generator that a builtin the waiter has just called steps
    // (`Array.fromAsync(gen())`), run inside that call: what it awaits is the builtin's business,
    // and the waiter waits for the builtin (awaited or returned), whose steps run inside that wait.
    const builtinStep = this.builtinCaller === waiter && this.builtinCallerRun === waiter.resumes && info.fn !== '' && !ownCode;
    if (builtinStep) {
      this.builtinCaller = undefined;
      this.stack.awaitsBuiltinStepping(waiter);
      this.stack.builtinStepped.set(info.callers[0], waiter);
    } else {
      waiter.suspendedAt = info.code;
      waiter.resumesVia = throwaway;
      waiter.awaited = awaited;
    }
    // The script waits only in its own body (an ES module's top-level await), and in an async
    // generator that body steps (`for await (const page of pages())` at the top level): code of
    // the user's that Node's runs for no task (an async generator a stream pipeline pulls) is the
    // script's work, but its awaits are no waits of the script's, whose run has long ended.
    if (waiter === this.stack.root) {
      if (info.moduleBody) this.moduleBodyAwaited = awaited;
      else if (!this.stepsOfModuleBody(info)) return;
    }
    // Nor are a helper's (an async generator it pulls awaiting): the helper's task is its whole call.
    if (waiter.transient) return;
    const behind = builtinStep ? undefined : taskBehind(awaited);
    // For the usual sleep, the timer is what it waits for (for a callback API promisified by hand,
    // the operation), and whatever settles the promise (the timer, or an abort rejecting it first)
    // is what woke it; unless a package's call made it, which is what it waits for (see onPromise).
    let target = behind?.shownAs ?? behind;
    if (target === undefined && !builtinStep) {
      target = this.settlerOf(awaited);
      if (awaited === this.promised) this.promised = undefined;
    }
    const site = builtinStep ? '' : info.shape === 'compiledAwait' ? compiledAwaitSite(waiter, target) : info.site;
    const settled = knownSettled(awaited);
    if (behind?.transient) behind.waiter = waiter;
    else if (!behind && watch && !builtinStep) marks.setWaiter(awaited, waiter);
    if (!watch && !settled) {
      // `await thenable`: the wrapper settles only once V8 has called the thenable's then() in a
      // job of its own, which is no resumption of the task (see enter), and whoever then resolves
      // it (a subclass's combinator, when one stands behind the wrapper).
      marks.setThenSite(awaited, THENABLE_JOB);
      if (!behind?.transient) marks.setWaiter(awaited, waiter);
    }
    // An async generator's body runs on its caller's stack as part of the caller's task (only async
    // functions get tasks): its await suspends the generator, and the task runs on to its `for
    // await`, whose wait is for what the generator awaits.
    const inGenerator = (waiter.kind === 'async' || waiter === this.stack.root) && info.fn !== '' && info.fn !== waiter.name;
    if (inGenerator) this.generatorAwaited = info.callers[0];
    const held = this.out.held;
    // The task's `for await` then awaits the step, which V8 may chain on what the generator awaits
    // (a builtin's promise: timers/promises' setTimeout): still the wait the generator's await began.
    if (held.waiter !== waiter || !held.inGenerator || (target !== undefined && target.id !== held.target)) {
      this.out.releaseAwait();
      waiter.awaiting = true;
      held.waiter = waiter;
      waiter.waitTarget = target;
      held.target = target ? target.id : 0;
      // Settled already, what it waits for is the rest of the microtasks queued before it: V8's
      // wrapper of a value that is no promise (`await null`), or a promise (`await Promise.resolve(x)`).
      held.label = waiter.waitLabel = target ? '' : builtinStep ? this.builtinCallLabel : marks.label(awaited) || (!settled ? '' : watch ? SETTLED_LABEL : VALUE_LABEL);
      held.site = waiter.waitSite = site;
      waiter.waitCheckpoint = this.stack.checkpoints;
      held.inGenerator = inGenerator;
      held.continues = waiter.waitShown = false;
      held.queued = this.stack.frameBase.length > 0 && settled;
      if (target === undefined && runsProgramCode(held.label)) this.stack.awaitsBuiltinStepping(waiter);
    } else if (!inGenerator && target === undefined && marks.label(awaited) !== '') {
      // The caller awaits a builtin that steps the generator itself (Array.fromAsync), right after
      // its first step awaited: the wait is for the builtin, not for what that step awaits.
      waiter.waitTarget = undefined;
      held.target = 0;
      held.label = waiter.waitLabel = marks.label(awaited);
      held.site = waiter.waitSite = site;
      held.inGenerator = false;
      this.stack.awaitsBuiltinStepping(waiter);
      this.stack.builtinStepped.set(this.generatorAwaited, waiter);
    }
    // The clock costs as much as the rest of an await: when the awaiting code runs in a callback,
    // the await is timed when that callback ends (nothing of the task runs after it in between).
    held.ns = this.stack.frameBase.length ? -1 : this.now();
    // The awaiting function has suspended: control returns to whoever called it.
    if (!inGenerator && this.stack.sync.length > this.stack.frameFloor() + 1) {
      this.stack.sync.pop();
      if (held.ns < 0) held.ns = this.now();
      this.stack.switchToRunning(held.ns);
    }
  }

  /**
   * Whether the async generator awaiting (`info`) is one the script's module body steps: one whose
   * await ran right inside the body's call of its next() (the first await of a `for await` step),
   * and the same generator's later awaits in that step, run in jobs of their own.
   */
  private stepsOfModuleBody(info: CallSiteInfo): boolean {
    const generator = info.callers[0];
    if (info.callers[1]?.endsWith(MODULE_BODY_KEY)) {
      this.moduleBodyGenerator = generator;
      return true;
    }
    // Only while the body awaits that step: not once Node's code pulls another of the same
    // generator's after the loop (`Readable.from(gen())`).
    const step = this.moduleBodyAwaited;
    return generator === this.moduleBodyGenerator && step !== undefined && !knownSettled(step);
  }

  /**
   * V8 adopts `adopted` for a promise `waiter` awaits (its .then callback returned `adopted`, or its
   * awaited thenable's then() chained on it): from now the wait is for the task behind it
   * (`await load().then((n) => save(n))` waits for load, then for save). `returned`: for the
   * waiter's own promise: an async function that returned another's promise (`return load()`)
   * has not ended, and waits for that one.
   */
  onAdopt(waiter: TaskState, adopted: Promise<unknown>, returned: boolean): void {
    this.stack.adopting = undefined;
    if (waiter.kind === 'combinator') {
      const member = this.memberOf(adopted);
      if (this.out.admit()) this.out.enc.join(UNTIMED, waiter.id, member ? member.id : 0);
      return;
    }
    const target = taskBehind(adopted);
    if (target === waiter || waiter.ended || (target !== undefined && target === waiter.waitTarget)) return;
    if (returned ? waiter.awaiting || waiter.kind !== 'async' : !waiter.awaiting) return;
    // A returned promise no task stands for (`return cached`): whatever settles it ends the wait;
    // settled already, the wait is for V8 to adopt it, a microtask after the ones queued before.
    const settled = target === undefined && knownSettled(adopted);
    if (target === undefined) {
      if (!returned) return;
      if (!settled) marks.setWaiter(adopted, waiter);
    } else if (target.transient) target.waiter = waiter;
    waiter.awaited = adopted;
    waiter.waitTarget = target;
    // A promise no task stands for says what it is, if it can (a builtin's: `WebAssembly.compile`).
    waiter.waitLabel = target === undefined ? marks.label(adopted) || (settled ? SETTLED_LABEL : '') : '';
    // Where it returned the call it made (`return load()`: the call's own site); one made elsewhere, nowhere.
    if (returned) waiter.waitSite = target !== undefined && target.parentId === waiter.id ? target.site : '';
    // Returned, a builtin that runs the program's code (`return Array.fromAsync(gen())`) is awaited
    // as if by an await: its steps run inside the wait, which goes on after each.
    if (returned && target === undefined && runsProgramCode(waiter.waitLabel)) {
      waiter.awaiting = true;
      this.stack.awaitsBuiltinStepping(waiter);
    }
    const held = this.out.held;
    if (held.waiter !== waiter) {
      this.out.releaseAwait();
      held.waiter = waiter;
      held.site = waiter.waitSite;
      // A call that returned the promise waits since it returned, not since V8 adopted the promise (a microtask later).
      held.ns = returned && waiter.returnedAt > 0 ? waiter.returnedAt : this.now();
      held.queued = false;
      held.inGenerator = false;
    }
    held.target = waiter.waitTarget?.id ?? 0;
    held.label = waiter.waitLabel;
    held.continues = false;
  }
}
