// A task as the runner tracks it while it lives inside the traced process.
import type { TaskKind } from '../../trace/events';
import type { SiteRow } from './siteCache';
import type { IoResource } from './names';

/** A task as the runner tracks it while it lives. */
export interface TaskState {
  id: number;
  kind: TaskKind;
  name: string;
  /** Small integer standing for the task's code (site and name), part of the site-cache key. */
  codeKey: number;
  /** Times the task has resumed. */
  resumes: number;
  /** The await the task last resumed from, and the one it waits at now (site codes). */
  resumedFrom: number;
  suspendedAt: number;
  /**
   * The promise whose job resumes it from that await (V8's throwaway for the await): other jobs of
   * its promises (Node's async iterator of a stream it reads, going on inside) resume no await.
   */
  resumesVia: Promise<unknown> | undefined;
  /** The promise that await waits for, or the one V8 made it adopt since (see PromiseTasks.onAdopt). */
  awaited: Promise<unknown> | undefined;
  /** Resources made since the task last resumed; with `resumedFrom`, where in its code one was made. */
  made: number;
  /**
   * Async calls of this run still to check against the stack rather than the site cache: resumed
   * from the same await, the code may take another way than in the runs cached (the exit of a loop
   * of awaits), and the first call it makes then would take the name of the loop's. Likewise the
   * first run of a recursive call, whose base case takes another way than its callers.
   */
  checksLeft: number;
  /** Where it was made ("file:line:column"), or "". */
  site: string;
  /** The id of the task that made it. */
  parentId: number;
  /** An async function's own function, as CallSiteInfo.callers names it ("" when not known). */
  fnKey: string;
  /**
   * An async function compiled into a generator (it has awaited through its compiler's helper):
   * after its first run, its code runs in the generator's body (`bodyKey`, once seen), not in its function.
   */
  compiled: boolean;
  bodyKey: string;
  /** Suspended at an await: no promise reaction of the task has run since, but .then callbacks. */
  awaiting: boolean;
  /** What its latest await waits for (a task, or in words when it is no task) and where. */
  waitTarget: TaskState | undefined;
  waitLabel: string;
  waitSite: string;
  /** The microtask checkpoint its latest await was made in (TaskStack.checkpoints). */
  waitCheckpoint: number;
  /** A .then callback it attached runs while it waits: its wait goes on after it. */
  waitCut: boolean;
  /**
   * It awaits a builtin that steps an async generator of its call itself (`Array.fromAsync`): a
   * step of the generator that resumes in one of its jobs runs inside that wait, which goes on.
   */
  awaitsBuiltinStepping: boolean;
  /** Its latest await is in the trace (not held back, nor dropped as it resumed at once). */
  waitShown: boolean;
  /** The site cache's row for the task's code since it last resumed, once it has made a resource. */
  siteRow: SiteRow | undefined;
  /** An I/O helper or combinator called from user code: popped when user code is on top again. */
  transient: boolean;
  /** For a transient, its call's depth below the user frame (CallSiteInfo.depth) when it was made. */
  depth: number;
  /** For a transient, where in Node's code its promise was made (CallSiteInfo.madeAt). */
  madeAt: number;
  /** For a transient, the Node function user code called (CallSiteInfo.apiKey): user code it calls back runs inside it. */
  apiKey: string;
  /** When its promise settled (its end is written once the state can be read). */
  settledAt: number;
  /** When an async function was seen to have returned without settling (`return load()`): it waits from then. */
  returnedAt: number;
  /** The promise that settles when the task ends (async functions, ops, combinators). */
  promise: Promise<unknown> | undefined;
  /** The handle behind an I/O task, kept until it is active and can be named. */
  resource: IoResource | undefined;
  /** The timer or handle behind a task, to notice when it is cleared or closed. */
  handle: IoResource | undefined;
  /** The async id a resource task's callbacks run under now (-1 for a promise's task). */
  asyncId: number;
  /**
   * The latest timers and immediates it made that had not fired when last looked at: looked at as
   * each run of its code returns, since the code that clears a timer is most often its maker's
   * (`Promise.race` with a timeout, cleared in a `finally`).
   */
  timers: TaskState[] | undefined;
  /** The task awaiting this I/O helper, told what woke it. */
  waiter: TaskState | undefined;
  /**
   * For a helper the trace hides that stands for a task it shows (node:test's `t.test()` call, for
   * its test), that task: what a wait for the helper waits for.
   */
  shownAs: TaskState | undefined;
  /** Ends after its one callback (setTimeout, a connect, a file request). */
  oneShot: boolean;
  /** Node's further requests for the same one-shot call still to run (readFile's read and close after its open). */
  followUps: number;
  /**
   * For a timer or handle, callbacks folded into its task still to run (the tick that emits a
   * socket's 'close' after its close callback): it has ended only once they have run.
   */
  foldedPending: number;
  ended: boolean;
  /** For an AsyncResource of the program's (a callback task), when its callback last returned; 0 before it has run. */
  lastReturnAt: number;
  /** Its creation is in the trace (not dropped at the event cap): its end may follow past the cap. */
  announced: boolean;
}

/** The function whose frames are the task's code running now (see `bodyKey`). */
export function ownFunction(task: TaskState): string {
  return task.bodyKey || task.fnKey;
}

/** A task's state as it starts; `id` is set when its creation is written. */
export function newTaskState(kind: TaskKind, name: string, code: number, transient: boolean): TaskState {
  return {
    id: -1, kind, name, codeKey: code, resumes: 0, resumedFrom: 0, suspendedAt: 0, resumesVia: undefined, awaited: undefined, made: 0, checksLeft: 0, transient, depth: 0, madeAt: -1, apiKey: '',
    site: '', parentId: 0, awaiting: false, siteRow: undefined, settledAt: 0, returnedAt: 0, promise: undefined, resource: undefined, handle: undefined, asyncId: -1, timers: undefined, waiter: undefined, shownAs: undefined, fnKey: '', compiled: false, bodyKey: '', waitTarget: undefined, waitLabel: '', waitSite: '', waitCheckpoint: 0, waitCut: false, awaitsBuiltinStepping: false, waitShown: false, oneShot: false, followUps: 0, foldedPending: 0, ended: false, lastReturnAt: 0, announced: false,
  };
}
