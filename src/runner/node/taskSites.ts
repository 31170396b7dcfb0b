// Where a task's code made a resource, looked up in the site cache by which code (the task's
// function, resumed from which await) and which resource in that run, so that a stack is captured
// only the first few times the same code makes the same resource.
import type { CallSiteInfo } from './callSiteInfo';
import { FIRST_CODE, SiteCache, type SiteRow } from './siteCache';
import { isIteratorStep } from './names';
import type { TaskState } from './taskState';

/** The type code of promises; other async_hooks types are numbered as they first appear. */
export const PROMISE_TYPE = 0;
/**
 * The `resumedFrom` of a task's callback runs (a tick, a write's completion, its timer firing),
 * apart from its first run (0), its promise jobs (JOB_RUN) and its resumptions from an await (that
 * await's site code, from FIRST_CODE).
 */
export const CALLBACK_RUN = 1;
/**
 * The `resumedFrom` of a task's promise jobs that resume no await of its code: a helper's own steps
 * inside Node (fs.promises.readFile going on), Node's async iterator of a stream the task reads.
 * They share no row with its first run, which user code called, nor with its resumptions.
 */
export const JOB_RUN = 2;
/**
 * The `resumedFrom` of a task's runs in jobs of V8's that no hook reports, of a builtin it awaits
 * (see TaskStack.enterHooklessJob): V8's and Node's steps of the builtin and the program's code
 * (a mapper's calls) run in them in orders no key tells apart, so what they make is read from the
 * stack every time; only while a task awaits such a builtin.
 */
export const HOOKLESS_RUN = 3;
/**
 * Resources a run is told apart by: from then on every resource it makes of one type is at one
 * place to the cache, so a call after a loop of hundreds can be read as one more of the loop's
 * (see MisreadCalls.repair).
 */
const MADE_KEYS = 255;

/** Async calls checked against the stack in each run after the first (see TaskState.checksLeft). */
export const CHECKS_PER_RESUME = 2;

/**
 * Uses of a cached helper call (a Node API, a combinator) checked against the stack before the
 * answer is trusted: after an await, a branch of the code (a retry after an error) may call
 * another API at the same point of its run; one answer that disagrees makes the key's answers
 * told apart by the stack's innermost frames (SiteCache). Checking every use would cost a stack
 * per iteration of a loop of `await events.once(…)`.
 */
const VERIFY_CALLS = 32;
/** After those, every this many uses: a branch first taken late is caught soon after (W3: ~300 stacks). */
const RECHECK_CALLS_EVERY = 64;
/** The same for resources other than promises and for first runs (W2: 50,000 timers, 10,000 tasks). */
const RECHECK_BRANCHES_EVERY = 256;

/** The promise is an async function's (made without a parent): a task named after it. */
function callsAsyncFunction(info: CallSiteInfo): boolean {
  return info.shape === 'user' && !info.moduleBody;
}

/** The promise is the first a helper or combinator makes, called from user code. */
function callsHelper(info: CallSiteInfo): boolean {
  return info.shape === 'internal' || info.shape === 'combinator';
}

/**
 * A combinator's call is checked at every use, by its probe (two frames): a `new Promise` made where
 * a loop called `Promise.all` would be one more combinator, with no members. Its own work, a
 * reaction per member, costs more.
 */
function callsCombinator(info: CallSiteInfo): boolean {
  return info.shape === 'combinator';
}

/**
 * The promise is a `for await` step, a builtin's (an async generator's next()): the call after the
 * loop is made at the same point of the run, and is checked as a helper's call is (a loop over a
 * child's stdout, then `await once(child, 'close')`).
 */
function stepsGenerator(info: CallSiteInfo): boolean {
  return info.shape === 'builtin';
}

/**
 * The promise a compiler's helper wrapped a value in that a compiled async function yielded
 * (`await 5`): made at the place in a run where the code after a loop of such awaits makes its
 * next promise (a sleep's `new Promise`), and checked at every use by its probe, as a combinator's
 * call is.
 */
function wrapsCompiledValue(info: CallSiteInfo): boolean {
  return info.shape === 'compiledAwait' && info.probe !== '';
}

function checkHelper(cached: CallSiteInfo, uses: number): boolean {
  if (wrapsCompiledValue(cached)) return true;
  return (uses <= VERIFY_CALLS || uses % RECHECK_CALLS_EVERY === 0 || callsCombinator(cached)) && (callsHelper(cached) || stepsGenerator(cached));
}

/**
 * Answers checked like helper calls whatever they say: a timer, socket or file request (a branch
 * sets another timer at the same point of the run: its site would be the other's), and a promise
 * made without a parent in a task's first run, the code every call of its function runs up to
 * its first await (a branch there makes a `new Promise` where other calls made an async call: a
 * task too many, or one too few).
 */
function checkBranches(cached: CallSiteInfo, uses: number): boolean {
  return uses <= VERIFY_CALLS || uses % RECHECK_BRANCHES_EVERY === 0 || callsCombinator(cached) || wrapsCompiledValue(cached);
}

/** An await or a `.then`: checked for its first uses only, as W1's million awaits are one key (a branch taken late may misplace a wait). */
function checkEarly(_cached: CallSiteInfo, uses: number): boolean {
  return uses <= VERIFY_CALLS;
}

function checkCall(cached: CallSiteInfo, uses: number): boolean {
  return callsAsyncFunction(cached) || checkHelper(cached, uses);
}

/**
 * A step of `for await` over `events.on` (a readline interface's lines) makes its promise in one of
 * two places, as a line is queued or not, and as deep as whether V8 has inlined Promise.resolve
 * there: to the cache every step is the same call, which would otherwise read the stack per line.
 */
function alike(info: CallSiteInfo): CallSiteInfo {
  if (info.shape === 'internal' && isIteratorStep(info)) {
    info.depth = 1;
    info.madeAt = 0;
  }
  return info;
}

export class TaskSites {
  /** The latest lookup read the stack: its answer is what the code did this time, not what it did before at that place. */
  lastRead = false;
  private readonly cache: SiteCache;
  private readonly typeCodes = new Map<string, number>([['PROMISE', PROMISE_TYPE]]);

  /**
   * `capture` and `probe`: see SiteCache; `calls`: a CallReader reading below the hook running
   * now; `internals`: the task standing for Node's own code, which no task state tells apart.
   */
  constructor(
    capture: (withParent: boolean) => CallSiteInfo,
    probe: () => string,
    private readonly calls: { call(fnKey: string): CallSiteInfo | undefined; helper(): CallSiteInfo | undefined },
    private readonly internals: TaskState,
  ) {
    this.cache = new SiteCache((withParent) => alike(capture(withParent)), probe);
  }

  /** What made a resource of `typeCode` while `top` runs; `maker`: the task that made its trigger (its parent promise), when known. */
  lookup(top: TaskState, typeCode: number, hasParent: boolean, maker: TaskState | undefined): CallSiteInfo {
    const captures = this.cache.captures;
    const info = this.cachedLookup(top, typeCode, hasParent, maker);
    this.lastRead = this.cache.captures !== captures;
    // Resumed, a compiled async function runs in its generator's body: that is its code from now on.
    if (top.compiled && top.resumes > 0 && info.generatorBody !== '') top.bodyKey = info.generatorBody;
    return info;
  }

  private cachedLookup(top: TaskState, typeCode: number, hasParent: boolean, maker: TaskState | undefined): CallSiteInfo {
    if (top.resumedFrom === HOOKLESS_RUN) return this.cache.uncached(hasParent);
    const made = top.made++;
    if (top === this.internals && (top.resumedFrom < FIRST_CODE || (maker !== undefined && maker !== this.internals))) {
      // Node's own callbacks and microtasks (V8 chaining a promise an async function returned, as
      // every `events.once` does) run code no task state tells apart, but the task that made the
      // resource's trigger does; so does, in a promise's job, what chained that promise (its job
      // site, as a task's resumption is keyed below: a stream pipeline's pump awaiting the next
      // value); without either, look at the stack every time.
      if (maker === undefined || maker === this.internals) return this.cache.uncached(hasParent);
      return this.cache.lookup(this.internalsRow(maker), (typeCode & 63) * 2 + (hasParent ? 1 : 0), hasParent);
    }
    const row = this.rowOf(top);
    // A combinator's run chains a reaction on each of its members, all alike: one key for them all
    // (a Promise.all of 1,500 calls read 255 stacks for them). Not the await of its own promise that
    // follows (its own task's), whose answer differs: sharing the key, every reaction read the stack.
    const index = hasParent && top.kind === 'combinator' && maker !== top ? 0 : Math.min(made, MADE_KEYS);
    const key = (index * 64 + (typeCode & 63)) * 2 + (hasParent ? 1 : 0);
    if (hasParent) return this.cache.lookup(row, key, true, checkEarly);
    if (typeCode !== PROMISE_TYPE) return this.cache.lookup(row, key, false, checkBranches);
    if (top.checksLeft === 0) return this.cache.lookup(row, key, false, top.resumes === 0 ? checkBranches : checkHelper);
    const info = this.cache.lookup(row, key, false, checkCall);
    if (callsAsyncFunction(info)) top.checksLeft--;
    return info;
  }

  /**
   * Where user code called the Node API that queues a tick of `typeCode` now while `top` runs, as
   * lookup answers it, or undefined where that has differed from one run to the next (see
   * SiteCache.steadyLookup): an HTTP request's callbacks queue ticks all over Node's code.
   */
  tickSite(top: TaskState, typeCode: number): CallSiteInfo | undefined {
    if (top.resumedFrom === HOOKLESS_RUN) return this.cache.uncached(false);
    const index = Math.min(top.made++, MADE_KEYS);
    return this.cache.steadyLookup(this.rowOf(top), (index * 64 + (typeCode & 63)) * 2, false, checkBranches);
  }

  /** The cache's row for `top`'s code since it last resumed. */
  private rowOf(top: TaskState): SiteRow {
    let row = top.siteRow;
    if (row === undefined || !this.cache.current(row)) row = top.siteRow = this.cache.row(top.codeKey * 4096 + (top.resumedFrom & 4095));
    return row;
  }

  /** What the stack says now, whatever the cache holds (it neither uses nor feeds it). */
  fresh(hasParent: boolean): CallSiteInfo {
    this.lastRead = true;
    return this.cache.uncached(hasParent);
  }

  /** What the call of `fnKey` under way now would have been read as at its start (see CallReader). */
  callOf(fnKey: string): CallSiteInfo | undefined {
    const info = this.calls.call(fnKey);
    return info && this.cache.coded(info);
  }

  /** What the Node helper whose promise's executor runs now would have been read as at its start (see CallReader). */
  helperRunning(): CallSiteInfo | undefined {
    const info = this.calls.helper();
    return info && this.cache.coded(info);
  }

  /** Small numbers for async_hooks resource types (0 is PROMISE), part of cache keys. */
  typeCode(type: string): number {
    let code = this.typeCodes.get(type);
    if (code === undefined) {
      code = this.typeCodes.size;
      this.typeCodes.set(type, code);
    }
    return code;
  }

  /** Rows for resources made in Node's own code, by the code of the task that made their trigger (negative row keys). */
  private internalsRow(maker: TaskState): SiteRow {
    return this.cache.row(-1 - maker.codeKey);
  }
}
