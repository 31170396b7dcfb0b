// What the site cache misread, repaired as soon as it shows. The cache knows a resource by its place in
// its task's run; past a loop of calls (or in the place of a call that returned without settling)
// the next promise there can be something else than the loop's call: a combinator, another
// function's call, a `new Promise`, a Node helper's call. Each is recast (the trace's `recast` record).
// Past a `for await` loop, the call after it can be read as one more step, no task: that call
// starts once what it makes shows it (stepWas).
import type { TaskKind } from '../../trace/events';
import { isPackageFile } from './callFrames';
import type { CallSiteInfo } from './callSiteInfo';
import type { EventOutput } from './eventOutput';
import { calleeAt, callOfArgumentAt, callsAnExpressionAt, isAsyncFunctionAt, isAsyncMakerAt, isAsyncRunnerAt, isParenthesizedAt, isReturnedAt } from './functionSource';
import { isNodeTest, isTestCall, opName } from './names';
import { marks } from './promiseMarks';
import { requestHandlerName } from './servedRequests';
import type { TaskSites } from './taskSites';
import type { TaskStack } from './taskStack';
import { ownFunction, type TaskState } from './taskState';

/** What an async function without a name is called, as V8's stack traces call it. */
const ANONYMOUS = '(anonymous)';
/** An anonymous async function called where it is written, `(async () => …)()`: as JavaScript programmers call it. */
const IIFE = 'async IIFE';

/**
 * An anonymous async function's name: an HTTP server's handler after the request it serves
 * (`GET /users/1`, see servedRequests; PromiseTasks.startAsync also notes it as serving the
 * request), a node:test test's function after the test, one written as a call's argument after
 * that call (`svc.on('msg') callback`, `map callback`), a package's own called from the project's
 * code after the project's call of the package (p-limit's, after `limit`), one called where it is
 * written `async IIFE`, one written in parentheses, or returned by the function that made it, but
 * called elsewhere by the name it is called by. `fnKey`: the function, as CallSiteInfo.callers
 * names it; `site`: where the task is placed.
 */
export function anonymousName(caller: TaskState, fnKey: string | undefined, site: string): string {
  const request = requestHandlerName(caller, undefined);
  if (request !== '') return request;
  const test = caller.handle;
  if (test === undefined || !isNodeTest(test)) {
    const call = fnKey ? callOfArgumentAt(fnKey) : '';
    if (call !== '') return `${call} callback`;
    const packageCall = fnKey && isPackageFile(fnKey) && site && !isPackageFile(site) && calleeAt(site);
    if (packageCall) return packageCall;
    if (!fnKey) return ANONYMOUS;
    // Written in parentheses but called elsewhere, by a name (a decorator's wrapper, `service.run()`): that name.
    if (isParenthesizedAt(fnKey)) return !site || callsAnExpressionAt(site) ? IIFE : calleeAt(site) || ANONYMOUS;
    // Returned by the function that made it (a decorator's wrapper) and called by a name: that name.
    if (isReturnedAt(fnKey) && site && !callsAnExpressionAt(site)) return calleeAt(site) || ANONYMOUS;
    return ANONYMOUS;
  }
  // A hook's function: node:test names an anonymous one `<anonymous>`, its kind says more.
  if (typeof test.hookType === 'string' && (test.name === '<anonymous>' || typeof test.name !== 'string')) return test.hookType;
  return typeof test.name === 'string' ? test.name : ANONYMOUS;
}

/** What kind of task a call of a Node helper is: a timer or an immediate (timers/promises), else I/O. */
export function helperKind(info: CallSiteInfo): TaskKind {
  if (!info.module.startsWith('timers')) return 'io';
  return /(^|\.)(setImmediate|yield)$/.test(info.api) ? 'immediate' : 'timer'; // scheduler.yield() sets an immediate
}

/**
 * Made by timers/promises' setTimeout or setImmediate itself, which from Node 22 makes its promise
 * with Promise.withResolvers, no executor running as it sets its timer: that promise is the
 * helper's call.
 */
function madeInTimerHelper(info: CallSiteInfo): boolean {
  return info.shape === 'internal' && info.module === 'timers/promises';
}

/** Where a helper's or combinator's call made its promise in Node's code (see CallSiteInfo): what tells its next call apart. */
export function takeCallPlace(task: TaskState, info: CallSiteInfo): void {
  task.depth = info.depth;
  task.madeAt = info.madeAt;
  task.apiKey = info.apiKey;
}

/**
 * Whether the function of `info.callers[frame]` called a compiler's helper that runs an async
 * function compiled into a generator: it is one, but for Babel's maker of one (see isAsyncMakerAt).
 */
function callsAsyncRunner(info: CallSiteInfo, frame: number): boolean {
  return frame > 0 && isAsyncRunnerAt(info.callers[frame - 1]) && !isAsyncMakerAt(info.callers[frame]);
}

export class MisreadCalls {
  /** The latest call recast by repair(): what chains on its promise is read afresh. */
  private recastCall: TaskState | undefined;

  constructor(
    private readonly stack: TaskStack,
    private readonly sites: TaskSites,
    private readonly out: EventOutput,
    private readonly now: () => number,
  ) {}

  /** Whether a promise chained on `parent` is the await of the call repair() recast last (once). */
  awaitsRecastCall(parent: Promise<unknown> | undefined): boolean {
    if (this.recastCall === undefined || parent !== this.recastCall.promise) return false;
    this.recastCall = undefined;
    return true;
  }

  /**
   * A combinator's reaction on a member, made first thing in what was taken for a task's first run:
   * that task is the combinator. The site cache knows a promise by its place in its task's run, and
   * where a loop had made a call at that place (`Promise.all(items.map(load))`, a hundred
   * `fs.promises.stat`), it took the combinator's own promise for one more of them.
   */
  combinatorReaction(info: CallSiteInfo): void {
    const task = this.stack.top;
    if (task.kind === 'combinator' || task.made !== 1 || task.resumes !== 0 || task.ended || task === this.stack.root || task === this.stack.internals) return;
    const ns = this.now();
    task.kind = 'combinator';
    task.name = `Promise.${info.api}`;
    task.transient = true;
    task.site = info.site;
    // What it makes from here is the combinator's, looked up as a combinator's, not as the call's.
    task.codeKey = info.code;
    task.siteRow = undefined;
    task.fnKey = '';
    this.writeRecast(task, ns, false);
    // An async call runs as it is made: the code running since is the caller's.
    const caller = this.stack.sync[this.stack.sync.lastIndexOf(task) - 1];
    if (caller !== undefined) this.stack.switchTo(caller.id, ns);
  }

  /**
   * `task`'s function is not on the stack as `task` makes its first resource. Either it returned
   * without settling (`return promise`), or the site cache read what made `task` as one more call
   * of the function called at that place before: past the resources it tells a run's apart by
   * (after a loop of calls), or in the place of a call that returned without settling, where the
   * next call is looked up. Then the function that made the resource was called by the task below
   * after all its other async calls had started (each has a task): an async function running above
   * that task's frame without a task of its own is `task`'s, and `task` is renamed after it
   * (true). A `new Promise` whose executor runs now, made there, is `task`'s promise: `task` was
   * no call, and is put aside as an internal task (false, as for a call that returned); made by a
   * Node helper (timers/promises' setTimeout), `task` is that helper's call, and recast as it (true).
   */
  repair(task: TaskState, info: CallSiteInfo, ownFrame: number): boolean {
    const sync = this.stack.sync;
    const caller = sync[sync.length - 2];
    if (task.made !== 1) return false;
    const callerFrame = caller.fnKey === '' ? info.callers.length : info.callers.indexOf(ownFunction(caller), ownFrame);
    if (info.executorOf >= 0 && info.executorOf <= callerFrame) {
      this.putAsidePromise(task, caller, info.site);
      return false;
    }
    const helper = this.helperMaking(info);
    if (helper !== undefined) {
      this.recastAsHelper(task, caller, helper);
      return true;
    }
    const fnKey = this.untaskedCall(info, callerFrame, ownFrame);
    const call = fnKey === undefined ? undefined : this.sites.callOf(fnKey);
    if (fnKey === undefined || call === undefined) return false;
    task.name = call.fn || anonymousName(caller, fnKey, call.callerSite || call.site);
    task.site = call.callerSite || call.site;
    task.fnKey = fnKey;
    // What it makes from here is looked up as its function's, not as the loop's function's.
    task.codeKey = call.code;
    task.siteRow = undefined;
    this.writeRecast(task, this.now(), false);
    this.recastCall = task;
    return true;
  }

  /**
   * What a promise or other resource the run of `task` makes after the latest step of its `for
   * await` loop says of that step: the site cache knows a promise by its place in the run, and past a loop of more
   * steps than it checks, the call after the loop (`for await (…) …; await save()`) is read as one
   * more step, no task. Made inside a Node helper's executor, or inside an async function's call
   * with no task of its own, the step was that call (its info, as at its start); made in `task`'s
   * own code (the loop's await of its step), it was a step ('step'); otherwise (the body of an
   * async generator the step runs) not known yet (undefined).
   */
  stepWas(task: TaskState, info: CallSiteInfo, hasParent: boolean): CallSiteInfo | 'step' | undefined {
    if (!info.callersComplete || info.callers[0] === ownFunction(task)) return 'step';
    const helper = this.helperMaking(info);
    if (helper !== undefined) return helper;
    // An async call's own promise (a Readable's read() that the step calls) is that call starting, no sign.
    const ownFrame = !hasParent && info.shape === 'user' && !info.moduleBody ? 1 : 0;
    const own = info.callers.indexOf(ownFunction(task));
    const fnKey = this.untaskedCall(info, own < 0 ? info.callers.length : own, ownFrame);
    return fnKey === undefined ? undefined : (this.sites.callOf(fnKey) ?? 'step');
  }

  /** The Node helper whose call made what `info` reads (its promise's executor runs, or timers/promises' own promise), if any. */
  private helperMaking(info: CallSiteInfo): CallSiteInfo | undefined {
    return info.inHelperExecutor ? this.sites.helperRunning() : madeInTimerHelper(info) ? info : undefined;
  }

  /**
   * The innermost async function of `info.callers` below frame `above` and from frame `from` on
   * that runs with no task of its own (a call the site cache read as something else), if any.
   */
  private untaskedCall(info: CallSiteInfo, above: number, from: number): string | undefined {
    for (let frame = above - 1; frame >= from; frame--) {
      const fnKey = info.callers[frame];
      if (!this.stack.sync.some((t) => t.fnKey === fnKey || t.bodyKey === fnKey) && (isAsyncFunctionAt(fnKey) || callsAsyncRunner(info, frame))) return fnKey;
    }
    return undefined;
  }

  /** `task` was taken for an async call of `caller`'s, but is the call of a Node helper, whose promise it has (as startTransient makes it). */
  private recastAsHelper(task: TaskState, caller: TaskState, helper: CallSiteInfo): void {
    const ns = this.now();
    task.kind = helperKind(helper);
    task.name = opName(helper);
    task.transient = true;
    task.site = helper.site;
    takeCallPlace(task, helper);
    task.codeKey = helper.code;
    task.siteRow = undefined;
    task.fnKey = '';
    this.writeRecast(task, ns, isTestCall(helper));
    // A helper's call is no run of its own on the loop lane: the code running is the caller's.
    this.stack.switchTo(caller.id, ns);
  }

  /** `task` was taken for a call, but is a promise `caller`'s code made (its executor at `site`): the caller's, and no task. */
  private putAsidePromise(task: TaskState, caller: TaskState, site: string): void {
    const promise = task.promise;
    if (promise !== undefined) {
      marks.setTask(promise, undefined);
      marks.setOwner(promise, caller);
    }
    const ns = this.now();
    task.name = 'new Promise';
    task.site = site;
    this.writeRecast(task, ns, true);
    this.stack.endTask(task, ns, 'resolved', '', '');
  }

  /** Says that `task` is another task than its record said: its kind, name and site as they are now. */
  private writeRecast(task: TaskState, ns: number, internal: boolean): void {
    if (this.out.admit()) this.out.enc.recast(ns, task.id, task.kind, task.name, task.site, internal);
  }
}
