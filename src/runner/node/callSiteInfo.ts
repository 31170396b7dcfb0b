// What the runner reads from the stack where a resource is made (see callsites): how it was made,
// by which call, and where.

/** How the resource was made, seen from the frames between the hook and the first user frame. */
export type Shape =
  | 'user' // made directly by user code: an async function's entry, or an await
  | 'newPromise' // `new Promise(...)` in user code
  | 'then' // .then/.catch/.finally in user code
  | 'compiledAwait' // the `.then` by which a compiler's helper resumes an async function compiled into a generator (its await), or the promise it wraps a value in
  | 'compiledGeneratorAwait' // the same for an async generator compiled into a generator: its body's await, inside its caller's step
  | 'combinator' // inside Promise.all/allSettled/race/any called by user code
  | 'combinatorThen' // the per-element reaction a combinator attaches
  | 'builtin' // another builtin (Promise.resolve, …)
  | 'unseenBuiltin' // a builtin V8 shows no frame for, called in user code's body (WebAssembly.compile, import())
  | 'internal' // inside a Node API called by user code (api/module say which)
  | 'none'; // no user code on the stack at all

export interface CallSiteInfo {
  shape: Shape;
  /** The builtin or Node function adjacent to user code: "all", "setTimeout", "readFile". */
  api: string;
  /** The Node module of an internal frame: "fs/promises", "timers", "net". */
  module: string;
  /** Name of the first user frame's function. */
  fn: string;
  /** "file:line:column" of the first user frame, or "". */
  site: string;
  /** The user frame below that one: where an async function was called from. */
  callerSite: string;
  /** The frame is an ES module's own body (top-level await makes it an async function). */
  moduleBody: boolean;
  /**
   * Frames between the hook and the first user frame (0 without one): what a helper does inside
   * its call is deeper than the promise it makes on entering it.
   */
  depth: number;
  /**
   * Where in Node's code the resource was made, as one number: the offsets of the nearest frame
   * with source and of the Node function called from user code (-1 outside one). Every call of a
   * helper makes its entry promise at the same place, and what it makes inside itself elsewhere.
   */
  madeAt: number;
  /**
   * The user's functions on the stack, from the first user frame on, each as "file:line:column"
   * of its start: which calls have not returned yet.
   */
  callers: readonly string[];
  /**
   * The outermost of `callers` that a generator's next() or throw() runs right below it: the body
   * of an async function compiled into a generator, which its helper steps ('' for none).
   */
  generatorBody: string;
  /** The capture reached the bottom of the synchronous stack: a function not in `callers` has returned. */
  callersComplete: boolean;
  /**
   * The Node functions through which user code further down the stack called the first user frame
   * (see functionKey), while those calls are still running, innermost first, one per line:
   * `pipeline`, pulling an async generator of the user's its caller passed it (and under it
   * `Readable.from`'s reader, when the generator is pulled through another of the user's, a
   * transform's). "" when no user code is below the Node frames under it. See calledThrough.
   */
  calledBy: string;
  /** For `internal`: the Node function user code called (see functionKey), which a helper runs in. */
  apiKey: string;
  /**
   * For `internal`: user code constructed a Node class or read a Node accessor (`new Response('')`,
   * the global `FormData`, whose first read loads undici), or called a web stream method that
   * returns no promise (`getReader`, `pipeThrough`): no operation of its own, whatever promises it makes.
   */
  constructs: boolean;
  /**
   * Made while the executor of a `new Promise` runs: which function made that promise, as its
   * index in `callers` (-1 outside an executor).
   */
  executorOf: number;
  /** Made while the executor of a `new Promise` that Node's code made runs: a helper's own promise (timers/promises' setTimeout's, setting its timer). */
  inHelperExecutor: boolean;
  /** Made by `Promise.resolve` or `Promise.reject`: settled as it is made, so no operation's own promise. */
  madeSettled: boolean;
  /**
   * What a wait for the promise waits for, where its maker says more than "promise": for
   * `newPromise` made in a package's code the project called, that call, as a person names it
   * (`BoundPool.connect`, `Client.query`); for `builtin`, a builtin with work of its own
   * (`Atomics.waitAsync`); else ''.
   */
  waitLabel?: string;
  /** A small number standing for this whole answer, assigned by SiteCache; part of cache keys. */
  code: number;
  /**
   * For an async function's or combinator's call, the two innermost frames' files and offsets (see
   * probeKey): what a cheaper look at the stack compares to tell the same call again. "" for
   * anything else.
   */
  probe: string;
}
