// What created an async resource, read from a short V8 stack. Capturing a stack costs microseconds,
// so results are cached by where in its task's life the resource was made (see SiteCache).

import { fileOf, functionKey, functionName, isNodeFile, isPackageFile, isTranspilerHelper, position, type CallSite } from './callFrames';
import type { CallSiteInfo, Shape } from './callSiteInfo';
import { calleeAt, dottedCalleeAt, isAsyncGeneratorStepAt, isAsyncRunnerAt, isAsyncStepAt, isEntryAt } from './functionSource';

const COMBINATORS = new Set(['all', 'allSettled', 'race', 'any']);
/** V8's name of a getter or setter function ("get FormData"). */
const ACCESSOR = /^[gs]et /;
/** Node stream adapters to and from web streams, which return the other stream (making its reader's promises). */
const STREAM_ADAPTER = /^(?:Readable|Writable|Duplex)\.(?:fromWeb|toWeb)$/;
/**
 * Web stream methods that return no promise, though they make promises inside (a pipe's, a
 * reader's `closed`): no operations of their own, as a constructor is none.
 */
const SYNC_WEB_STREAM_METHOD = /\.(?:getReader|getWriter|pipeThrough|tee|releaseLock|values)$|^(?:ReadableStreamDefault|ReadableByteStream|TransformStreamDefault)Controller\.(?:enqueue|close|error|terminate)$/;
/**
 * A frame of Node compiling one of its own modules, which it loads on first use: inside a call of
 * the program's (webstreams' inside the first fetch on Node 24), or as a global is first read
 * (`FormData`, whose getter leaves no frame of its own from Node 22).
 */
function isBuiltinLoad(frame: CallSite): boolean {
  return frame.getFunctionName() === 'compileForInternalLoader' && fileOf(frame) === 'node:internal/bootstrap/realm';
}
const THENS = new Set(['then', 'catch', 'finally']);
const STACK_LIMIT = 24;
/** How deep a second look goes when the first stopped inside a package's code (see framesToProject). */
const DEEP_STACK_LIMIT = 200;
/**
 * How deep a second look goes when the first stopped in code compiled into generators, where each
 * call of an async function or generator takes a helper's frames and a generator's next() more.
 */
const COMPILED_STACK_LIMIT = 2 * STACK_LIMIT;

const holder: { stack?: CallSite[] } = {};
const asCallSites = (_: Error, frames: CallSite[]): CallSite[] => frames;

/** The frames below `skipAbove` (at most `limit`), whatever the program did to Error's stack settings. */
function captureFrames(skipAbove: Function, limit = STACK_LIMIT): CallSite[] {
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = asCallSites;
  Error.stackTraceLimit = limit;
  try {
    Error.captureStackTrace(holder, skipAbove);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
    holder.stack = undefined;
  }
}

/** A generator's next(), V8's own frame: how code compiled into generators resumes them. */
function isGeneratorResume(frame: CallSite): boolean {
  return frame.getFunctionName() === 'next' && frame.getFileName() == null;
}

/** Code of the project itself: neither Node's, the runner's nor an installed package's. */
function isProjectFrame(frame: CallSite, isOwn: (file: string) => boolean): boolean {
  const file = fileOf(frame);
  return !isNodeFile(file) && !isOwn(file!) && !isPackageFile(file);
}

/**
 * The frames below `skipAbove`, deep enough to reach the project's code below a package's: a
 * package's calls can nest deeper than the first look (rxjs's operators, 30 frames), which would
 * place what it makes inside the package instead of at the project's call of it.
 */
function framesToProject(skipAbove: Function, isOwn: (file: string) => boolean): CallSite[] {
  let frames = captureFrames(skipAbove);
  if (frames.length < STACK_LIMIT) return frames;
  // The Node call running the compiled code (a pipeline pulling a compiled generator) may be below the first look.
  if (frames.some(isGeneratorResume)) {
    frames = captureFrames(skipAbove, COMPILED_STACK_LIMIT);
    if (frames.length < COMPILED_STACK_LIMIT) return frames;
  }
  if (frames.some((frame) => frame.isAsync() || isProjectFrame(frame, isOwn))) return frames;
  // Node's own code alone this deep (loading a module inside the program's first fetch) stays Node's work.
  return frames.some((frame) => isPackageFile(fileOf(frame))) ? captureFrames(skipAbove, DEEP_STACK_LIMIT) : frames;
}

/**
 * Builds the classifier; `ownFiles` are the runner's own bundles, never counted as user code.
 * `withParent`: the promise was made with a parent (an await, a .then), not by a call.
 */
export function createCapturer(ownFiles: readonly string[]): (skipAbove: Function, withParent: boolean) => CallSiteInfo {
  const isOwn = (file: string): boolean => ownFiles.includes(file);
  return (skipAbove, withParent) => {
    const frames = framesToProject(skipAbove, isOwn);
    const info = classify(frames, isOwn, withParent);
    if ((info.shape === 'user' || info.shape === 'combinator' || info.shape === 'compiledAwait') && !withParent) info.probe = probeKey(frames);
    return info;
  };
}

/**
 * Reads a call already under way from the stack below `skipAbove`, as a capture at its start would
 * have read it (its name, and where it was called from); undefined when it is not on the stack.
 */
export interface CallReader {
  /** The call of `fnKey` (a function as CallSiteInfo.callers names it), running now. */
  call(skipAbove: Function, fnKey: string): CallSiteInfo | undefined;
  /** The Node helper whose `new Promise` executor runs now (see CallSiteInfo.inHelperExecutor). */
  helper(skipAbove: Function): CallSiteInfo | undefined;
}

export function createCallReader(ownFiles: readonly string[]): CallReader {
  const isOwn = (file: string): boolean => ownFiles.includes(file);
  const isUser = (frame: CallSite): boolean => !isNodeFile(fileOf(frame)) && !isOwn(fileOf(frame)!);
  // The stack from frame `at` on, read as the start of the call there.
  const readFrom = (frames: CallSite[], at: number, shape: Shape): CallSiteInfo | undefined => {
    if (at < 0) return undefined;
    const info = classify(frames.slice(at), isOwn, false, true);
    return info.shape === shape ? info : undefined;
  };
  return {
    call(skipAbove, fnKey) {
      const frames = framesToProject(skipAbove, isOwn);
      return readFrom(frames, frames.findIndex((frame) => !frame.isAsync() && isUser(frame) && functionKey(frame) === fnKey), 'user');
    },
    helper(skipAbove) {
      const frames = framesToProject(skipAbove, isOwn);
      const user = frames.findIndex(isUser);
      // The constructor's frame is innermost as the promise is made: with frames above it, its executor runs.
      const made = frames.findIndex((frame, i) => i > 0 && i < user && isPromiseConstructor(frame) && !isDispatch(frames[i - 1]));
      return readFrom(frames, made, 'internal');
    },
  };
}

/** Node's hook dispatch (async_hooks; promise_hooks when several promise hooks are installed) and timers. */
function isDispatch(frame: CallSite): boolean {
  return /^node:internal\/(async_hooks|promise_hooks|timers)$/.test(fileOf(frame) ?? '');
}

/**
 * Frames a probe reads when Node's dispatch is innermost (a program with async hooks of its own):
 * it and the two below; or, below `new Promise` and a compiler's helper (see compiledCallAt), the
 * compiled function and its caller.
 */
const PROBE_LIMIT = 8;

/**
 * The function running where a promise is made and where it was called from, as the files and
 * offsets of the two frames below Node's dispatch: an async function's call is told from another
 * call there (the call after a loop of awaited calls) by a few frames, cheaper to read than the
 * whole stack (which goes on through every function awaiting, too).
 */
function probeKey(frames: readonly CallSite[]): string {
  let first = 0;
  while (first < frames.length && isDispatch(frames[first])) first++;
  first = pastSubclassConstructors(frames, first);
  const compiled = compiledCallAt(frames, first);
  if (compiled >= 0) first = compiled;
  const inner = frames[first];
  const caller = frames[first + 1];
  return `${inner ? callKey(inner) : ''}|${caller ? callKey(caller) : ''}`;
}

/**
 * Reads probeKey of the stack below `skipAbove`: two frames, unless Node's dispatch or a Promise
 * subclass's constructor is innermost. (V8 reads a third frame at a cost: past the synchronous
 * ones, it goes on to the awaiting functions.)
 */
export function probeStack(skipAbove: Function): string {
  const frames = captureFrames(skipAbove, 2);
  const deeper = frames.length > 1 && (isDispatch(frames[0]) || (isPromiseConstructor(frames[0]) && (isSubclassConstructor(frames[1]) || isAsyncRunner(frames[1]))));
  return probeKey(deeper ? captureFrames(skipAbove, PROBE_LIMIT) : frames);
}

/** Where Node opens the process's stdin, stdout and stderr, on first use. */
const STDIO_FILE = 'node:internal/bootstrap/switches/is_main_thread';

/**
 * Whether the handle being made is the process's own stdin, or its stdout or stderr, opened by
 * whichever code reads it first: console.log, node:test's reporter as it loads, a socket's destroy.
 */
export function processStdioOpened(): 'stdin' | 'output' | undefined {
  const frames = captureFrames(processStdioOpened).filter((frame) => fileOf(frame) === STDIO_FILE);
  if (frames.length === 0) return undefined;
  return frames.some((frame) => frame.getFunctionName() === 'getStdin') ? 'stdin' : 'output';
}

/**
 * What made the resource whose hook runs below `stack`. `callUnderWay`: the stack is cut to a call
 * still running (see CallReader), or read from frame `from` on, the call there, read as at its
 * start: its innermost frame is in its body.
 */
function classify(stack: CallSite[], isOwn: (file: string) => boolean, withParent: boolean, callUnderWay = false, from = 0): CallSiteInfo {
  // V8 appends the async functions awaiting the one running ("at async main"): they are not on
  // the stack, and code that runs for none of them (a stream's read inside fetch's body) would
  // otherwise count as theirs.
  const firstAsync = stack.findIndex((frame) => frame.isAsync());
  const frames = firstAsync < 0 ? stack : stack.slice(0, firstAsync);
  let first = from;
  while (first < frames.length && isDispatch(frames[first])) first++;
  first = pastSubclassConstructors(frames, first);
  let user = first;
  while (user < frames.length) {
    const file = fileOf(frames[user]);
    if (!isNodeFile(file) && !isOwn(file!)) break;
    user++;
  }
  // The promise of an async function compiled into a generator, made by the compiler's helper: read
  // as a call of that function is, at its frame (the helper's own frames are no place of the user's).
  const compiled = withParent || callUnderWay ? -1 : compiledCallAt(frames, first);
  if (compiled >= 0) return classify(stack, isOwn, false, true, compiled);
  // The promise such a helper's step wraps a yielded value in that is no promise (tsc's `adopt`,
  // `Promise.resolve` in esbuild's and Babel's step), as V8 wraps the value of `await 5` or
  // `await thenable`: the await is on it.
  if (!withParent && user < frames.length && wrapsYieldedValue(frames, first, user)) {
    return { shape: 'compiledAwait', api: 'resolve', module: '', fn: '', site: '', callerSite: '', moduleBody: false, depth: user - first, madeAt: -1, callers: [], generatorBody: '', callersComplete: false, calledBy: '', apiKey: '', constructs: false, executorOf: -1, inHelperExecutor: false, code: 0, probe: '', madeSettled: false };
  }
  // Node's own code alone (a stream reading its file), or Node loading its own module: the Node
  // function nearest the resource names it.
  if (user >= frames.length || frames.slice(first, user).some(isBuiltinLoad)) {
    const nearest = frames[first];
    const file = (nearest && fileOf(nearest)) ?? '';
    const api = file.startsWith('node:') ? (nearest.getFunctionName() ?? nearest.getMethodName() ?? '') : '';
    return { shape: 'none', api, module: api ? nodeModule(file) : '', fn: '', site: '', callerSite: '', moduleBody: false, depth: 0, madeAt: -1, callers: [], generatorBody: '', callersComplete: false, calledBy: '', apiKey: '', constructs: false, executorOf: -1, inHelperExecutor: false, code: 0, probe: '', madeSettled: false };
  }
  const userFrame = frames[user];
  const { callers, generatorBody } = userFunctions(frames, user, isOwn);
  // V8 lists the awaiting functions after the whole synchronous stack; a stack cut at the limit may hide more.
  const callersComplete = firstAsync >= 0 || (stack.length !== STACK_LIMIT && stack.length !== COMPILED_STACK_LIMIT && stack.length < DEEP_STACK_LIMIT);
  const site = position(projectFrame(frames, user) ?? userFrame);
  const fn = functionName(userFrame, true, frames[user + 1]);
  const calledBy = calledThrough(frames, user, isOwn);
  const executorOf = promiseMaker(frames, user, isOwn);
  const inHelperExecutor = frames.some((frame, i) => i > first && i < user && isPromiseConstructor(frame));
  if (user === first) {
    // A builtin's own promise whose frame V8 optimized away (see builtinCalls), not a call of an async function.
    const builtin = withParent ? undefined : builtinCalls.get(callKey(userFrame));
    if (builtin !== undefined) return { shape: 'builtin', api: builtin.api, module: '', fn, site, callerSite: '', moduleBody: false, depth: 1, madeAt: builtin.madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
    // Called by a builtin of V8's (`ids.map(fetchUser)`, a frame with no file): where the code
    // below called that builtin.
    let callerAt = user + 1;
    while (callerAt < frames.length && !fileOf(frames[callerAt])) callerAt++;
    const caller = frames[callerAt];
    // Called from Node's code, or from a package's with none of the project's below (Express
    // calling a route handler): the function's own place says more than the library's line. Only
    // a call has a caller: an await's answer must not depend on how its task's run was entered
    // (called by its caller the first time, from a microtask after).
    const callerFrame = !withParent && caller && !isNodeFile(fileOf(caller)) ? projectFrame(frames, callerAt) : undefined;
    const callerSite = callerFrame ? position(callerFrame) : '';
    // The code of a whole file (an ES module's body, an async function for its top-level awaits)
    // starts at 1:1; it makes a promise of its own at its start, and V8 makes import()'s there too.
    const moduleBody = fn === '' && userFrame.getEnclosingLineNumber() === 1 && userFrame.getEnclosingColumnNumber() === 1;
    // Made in the function's body, not at its entry, with no frame above it: the promise of a
    // builtin V8 shows no frame for (WebAssembly.compile), which the function awaits; no call of it.
    if (!withParent && !moduleBody && !callUnderWay && !atEntry(userFrame)) {
      return { shape: 'unseenBuiltin', api: dottedCalleeAt(position(userFrame)), module: '', fn, site, callerSite: '', moduleBody, depth: 0, madeAt: -1, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
    }
    return { shape: 'user', api: '', module: '', fn, site, callerSite, moduleBody, depth: 0, madeAt: -1, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
  }
  const callerSite = '';
  const moduleBody = false;
  const depth = user - first;

  const adjacent = frames[user - 1];
  const file = fileOf(adjacent);
  const nodeApi = !!file && file.startsWith('node:');
  // A builtin by its bare name ("then", "all"), as the shapes below know them; Node's own by its class too.
  const api = nodeApi ? functionName(adjacent, false) : (adjacent.getFunctionName() ?? adjacent.getMethodName() ?? '');
  const madeAt = nodePosition(frames, first, user) * POSITION_SPAN + (adjacent.getPosition() % POSITION_SPAN);
  if (nodeApi) {
    const module = nodeModule(file);
    const constructs = adjacent.isConstructor() || ACCESSOR.test(api) || (module.startsWith('webstreams/') && SYNC_WEB_STREAM_METHOD.test(api)) || (module.startsWith('streams/') && STREAM_ADAPTER.test(api));
    return { shape: 'internal', api, module, fn, site, callerSite, moduleBody, depth, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: functionKey(adjacent), constructs, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: isSettlingBuiltin(frames[first]) };
  }
  const top = frames[first];
  if (user === first + 1 && isPromiseConstructor(top)) {
    const waitLabel = packageCallOf(frames, user);
    return { shape: 'newPromise', api: 'Promise', module: '', fn, site, callerSite, moduleBody, depth, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false, waitLabel };
  }
  if (COMBINATORS.has(api)) {
    const topName = top.getFunctionName() ?? '';
    return { shape: THENS.has(topName) && top !== adjacent ? 'combinatorThen' : 'combinator', api, module: '', fn, site, callerSite, moduleBody, depth, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
  }
  // The await of an async function compiled into a generator, where its place is no longer on the
  // stack (the generator has yielded to the helper's step): what it awaits tells more (see Awaits).
  if (api === 'then' && user === first + 1 && isAsyncStep(userFrame)) return { shape: 'compiledAwait', api, module: '', fn: '', site: '', callerSite, moduleBody, depth: 1, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
  // The same for an async generator compiled into a generator: its body's await, named as the
  // helper's step, which no task is (the task stepping the generator waits for what it awaits).
  if (api === 'then' && user === first + 1 && isAsyncGeneratorStep(userFrame)) return { shape: 'compiledGeneratorAwait', api, module: '', fn, site: '', callerSite, moduleBody, depth: 1, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
  // `catch` and `finally` are thens, and optimized code may show only the `then` they call (so
  // one frame deep, the depth of a `then` called directly).
  if (THENS.has(api)) return { shape: 'then', api: 'then', module: '', fn, site, callerSite, moduleBody, depth: 1, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false };
  if (user === first + 1 && !file && INLINED_BUILTINS.has(api)) rememberBuiltinCall(userFrame, api, madeAt);
  const waitLabel = file ? '' : builtinWork(adjacent);
  return { shape: 'builtin', api, module: '', fn, site, callerSite, moduleBody, depth, madeAt, callers, generatorBody, callersComplete, calledBy, apiKey: '', constructs: false, executorOf, inHelperExecutor, code: 0, probe: '', madeSettled: false, waitLabel };
}

/**
 * Builtins whose promise stands for work of their own, by their frame's function name, named as
 * the program calls them (the frame's type name is `Function` for a static method before Node 24).
 */
const BUILTIN_WORK = new Map([['waitAsync', 'Atomics.waitAsync'], ['fromAsync', 'Array.fromAsync']]);

/**
 * Whether the builtin a wait is labelled after runs the program's code in jobs of V8's own, which
 * no hook reports: Array.fromAsync calls its mapper and steps its iterable so.
 */
export function runsProgramCode(label: string): boolean {
  return label === 'Array.fromAsync';
}

/** "Atomics.waitAsync" for the frame of a builtin in BUILTIN_WORK; else "". */
function builtinWork(frame: CallSite): string {
  return BUILTIN_WORK.get(frame.getFunctionName() ?? '') ?? '';
}

/** Whether a frame is at its function's entry, where an async function makes its own promise (see isEntryAt). */
function atEntry(frame: CallSite): boolean {
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const startLine = frame.getEnclosingLineNumber();
  const startColumn = frame.getEnclosingColumnNumber();
  if (!file || line === startLine && column === startColumn) return true;
  return isEntryAt(`${file}:${startLine}:${startColumn}`, `${file}:${line}:${column}`);
}

/**
 * Where user code calls `Promise.resolve`, by the user frame's file and offset, as seen while that
 * code ran unoptimized. Once V8 optimizes it, the builtin is inlined and its frame gone from the
 * stack, which then reads like an async function starting there: a loop of `await
 * Promise.resolve(x)` would make a task of that function per iteration. (Promise.reject and the
 * rest keep their frames; the call of a `for await`'s next() shares its place with the await.)
 */
const INLINED_BUILTINS = new Set(['resolve']);
const builtinCalls = new Map<string, { api: string; madeAt: number }>();
const MAX_BUILTIN_CALLS = 10_000;

function callKey(frame: CallSite): string {
  return `${fileOf(frame)}:${frame.getPosition()}`;
}

function rememberBuiltinCall(userFrame: CallSite, api: string, madeAt: number): void {
  if (builtinCalls.size < MAX_BUILTIN_CALLS) builtinCalls.set(callKey(userFrame), { api, madeAt });
}

/**
 * The frame to show as where something was made: `frames[user]`, or when that is a package's code
 * (node_modules) or a transpiler's helper the first frame of the project's own code below it, as a
 * debugger's ignore list shows it: a timer a library sets is placed at the user's call of the
 * library. Undefined for a package's frame with none of the project's below it.
 */
function projectFrame(frames: CallSite[], user: number): CallSite | undefined {
  for (let i = user; i < frames.length; i++) {
    const file = fileOf(frames[i]);
    if (!isNodeFile(file) && !isPackageFile(file) && !isTranspilerHelper(frames[i])) return frames[i];
  }
  return undefined;
}

/**
 * The package function the project's code called, for a promise made inside that call with none of
 * Node's code between (a client's `query`): the frame just above the project's own; '' for one the
 * project made itself or a package made on its own.
 */
function packageCallOf(frames: CallSite[], user: number): string {
  if (!isPackageFile(fileOf(frames[user]))) return '';
  for (let i = user + 1; i < frames.length; i++) {
    const file = fileOf(frames[i]);
    if (isNodeFile(file)) return '';
    // An unnamed entry (undici's exported `request`, an arrow its factory makes): as the project's code calls it.
    if (!isPackageFile(file) && !isTranspilerHelper(frames[i])) return functionName(frames[i - 1], true, frames[i]) || calleeAt(position(frames[i]));
  }
  return '';
}

/**
 * CallSiteInfo.calledBy: below the first user frame, each run of Node frames down to the next user
 * frame is a Node API call that user code made and that is still running; the outermost frame of
 * each run is the function it called.
 */
function calledThrough(frames: CallSite[], user: number, isOwn: (file: string) => boolean): string {
  let keys = '';
  let api: CallSite | undefined;
  for (let i = user + 1; i < frames.length; i++) {
    const file = fileOf(frames[i]);
    if (file?.startsWith('node:')) api = frames[i];
    else if (api !== undefined && !isNodeFile(file) && !isOwn(file!)) {
      keys = keys === '' ? functionKey(api) : `${keys}\n${functionKey(api)}`;
      api = undefined;
    }
  }
  return keys;
}

/** Whether a Node function (an apiKey) is one of those CallSiteInfo.calledBy lists. */
export function isCalledThrough(calledBy: string, apiKey: string): boolean {
  if (calledBy === '') return false;
  if (calledBy === apiKey) return true;
  if (!calledBy.includes('\n')) return false;
  return calledBy.split('\n').includes(apiKey);
}

/**
 * For a promise made by `new Promise` (at `first`) right in a compiler's helper that runs an async
 * function compiled into a generator (see isAsyncRunnerAt), the frame of that function, which
 * called the helper: its call's own promise. -1 for any other.
 */
function compiledCallAt(frames: readonly CallSite[], first: number): number {
  if (first + 2 >= frames.length || !isPromiseConstructor(frames[first]) || !isAsyncRunner(frames[first + 1])) return -1;
  // Babel's first call of `load` goes through `_load`, which makes the function it calls from then on.
  const maker = frames[first + 2];
  const named = frames[first + 3];
  const makesIt = named !== undefined && maker.getFunctionName() === `_${named.getFunctionName()}` && fileOf(maker) === fileOf(named);
  return makesIt ? first + 3 : first + 2;
}

/** See classify: made in an async (generator) helper's step (by Promise.resolve, its frame shown or not), or by `new Promise` in a function the step called. */
function wrapsYieldedValue(frames: readonly CallSite[], first: number, user: number): boolean {
  if (isAsyncStep(frames[user]) || isAsyncGeneratorStep(frames[user])) return true;
  return user === first + 1 && isPromiseConstructor(frames[first]) && user + 1 < frames.length && isAsyncStep(frames[user + 1]);
}

function isAsyncRunner(frame: CallSite): boolean {
  return !isNodeFile(fileOf(frame)) && isAsyncRunnerAt(functionKey(frame));
}

function isAsyncStep(frame: CallSite): boolean {
  return !isNodeFile(fileOf(frame)) && isAsyncStepAt(functionKey(frame));
}

function isAsyncGeneratorStep(frame: CallSite): boolean {
  return !isNodeFile(fileOf(frame)) && isAsyncGeneratorStepAt(functionKey(frame));
}

/** `new Promise(…)`: the frame of the constructor, below the executor while that runs. */
function isPromiseConstructor(frame: CallSite): boolean {
  return frame.isConstructor() && frame.getFunctionName() === 'Promise';
}

/**
 * Past the constructors of a Promise subclass that a builtin calls (`class D extends Promise {}`;
 * `D.race(…)`, `d.then(…)` make their promises with `new D`): the builtin made the promise, as
 * `Promise.race` makes its own, though the subclass's constructor is the user's code.
 */
function pastSubclassConstructors(frames: readonly CallSite[], first: number): number {
  if (first >= frames.length || !isPromiseConstructor(frames[first])) return first;
  let below = first + 1;
  while (below < frames.length && isSubclassConstructor(frames[below])) below++;
  const builtin = frames[below];
  const madeByBuiltin = below > first + 1 && builtin !== undefined && !fileOf(builtin) && !builtin.isConstructor();
  return madeByBuiltin ? below : first;
}

/** A constructor of the program's own, as a Promise subclass's is below `new Promise`. */
function isSubclassConstructor(frame: CallSite): boolean {
  return frame.isConstructor() && !isNodeFile(fileOf(frame));
}

/** `Promise.resolve` or `Promise.reject`, whose promise is settled as it is made. */
function isSettlingBuiltin(frame: CallSite | undefined): boolean {
  if (frame === undefined || fileOf(frame)) return false;
  const name = frame.getFunctionName();
  return (name === 'resolve' || name === 'reject') && frame.getTypeName() === 'Function';
}

/**
 * CallSiteInfo.executorOf: below `user`, the Promise constructor, and the user frame below it as an
 * index in `callers`. Not the one a compiler's helper makes for a compiled async function, whose
 * first run is all inside its executor (see compiledCallAt): that is an async function's run.
 */
function promiseMaker(frames: CallSite[], user: number, isOwn: (file: string) => boolean): number {
  let userFrames = 0;
  for (let i = user; i < frames.length; i++) {
    if (isPromiseConstructor(frames[i]) && compiledCallAt(frames, i) < 0) return userFrames;
    const file = fileOf(frames[i]);
    if (!isNodeFile(file) && !isOwn(file!)) userFrames++;
  }
  return -1;
}

/**
 * CallSiteInfo.callers, the functions of the user's frames from `user` on, and generatorBody, the
 * outermost of them that a generator's next() or throw() runs.
 */
function userFunctions(frames: CallSite[], user: number, isOwn: (file: string) => boolean): { callers: string[]; generatorBody: string } {
  const callers: string[] = [];
  let generatorBody = '';
  let lastUser = -1;
  for (let i = user; i < frames.length; i++) {
    const file = fileOf(frames[i]);
    if (!isNodeFile(file) && !isOwn(file!)) {
      callers.push(functionKey(frames[i]));
      lastUser = i;
    } else if (lastUser === i - 1 && !file && isGeneratorStep(frames[i])) generatorBody = callers[callers.length - 1];
  }
  return { callers, generatorBody };
}

const GENERATOR_STEPS = new Set(['next', 'throw']);

/** V8's frame of a generator's next() or throw() (a builtin's, with no file), which runs the generator's body above it. */
function isGeneratorStep(frame: CallSite): boolean {
  return GENERATOR_STEPS.has(frame.getFunctionName() ?? '') && frame.getTypeName() === 'Generator';
}

/** Offsets past this fold over in CallSiteInfo.madeAt: a mix-up then needs two places of one call that far apart. */
const POSITION_SPAN = 2 ** 24;

/**
 * Where the resource was made, as a number (below POSITION_SPAN): the offset of the frame nearest
 * it that has source (not a builtin such as `new Promise`), mixed with its caller's (a factory
 * such as Node's createDeferredPromise makes the promises of many places inside one call).
 */
function nodePosition(frames: CallSite[], first: number, user: number): number {
  for (let i = first; i < user; i++) {
    if (!fileOf(frames[i])) continue;
    const caller = i + 1 < user ? frames[i + 1].getPosition() : 0;
    return (frames[i].getPosition() * 31 + caller) % POSITION_SPAN;
  }
  return 0;
}

/** The Node module a file of Node's is: "fs/promises", "timers", "deps/undici/undici". */
function nodeModule(file: string): string {
  return file.replace(/^node:(internal\/)?/, '');
}
