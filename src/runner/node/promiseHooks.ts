// Raw V8 promise hooks for the tracer, without async_hooks' own promise tracking on top.
// Enabling an async_hooks hook (the tracer needs one for timers, sockets and files) makes Node
// install promise hooks that give every promise an async id and emit init/before/after through
// async_hooks: 3–4× on await-heavy code before the tracer does anything. The tracer follows
// promises itself, so while no one else uses async_hooks, V8 gets only the tracer's hooks.
// Ours are also registered through the public v8.promiseHooks API, so whenever Node installs
// hooks again (the program enables its own async hook or an AsyncLocalStorage), it installs
// both, and the program's hooks work as they would untraced.
import { createRequire } from 'node:module';
import * as v8 from 'node:v8';

export interface PromiseHooks {
  init(promise: Promise<unknown>, parent: Promise<unknown> | undefined): void;
  before(promise: Promise<unknown>): void;
  after(promise: Promise<unknown>): void;
  settled(promise: Promise<unknown>): void;
}

type HookFunction = ((...args: never[]) => void) | undefined;

interface AsyncWrapBinding {
  setPromiseHooks(init: HookFunction, before: HookFunction, after: HookFunction, settled: HookFunction): void;
  getPromiseHooks(): HookFunction[];
}

/**
 * Installs `hooks` (after the tracer's async hook is enabled). `othersHadHooks`: async_hooks was
 * already in use before the tracer's hook, so its promise tracking must stay. Returns the stop
 * function.
 */
export function installPromiseHooks(hooks: PromiseHooks, othersHadHooks: boolean): () => void {
  const stop = v8.promiseHooks.createHook(hooks) as () => void;
  if (!othersHadHooks) {
    try {
      const binding = asyncWrapBinding();
      binding?.setPromiseHooks(hooks.init, hooks.before, hooks.after, hooks.settled);
    } catch {
      // both sets stay installed: slower, still right
    }
  }
  return stop;
}

/** Whether async_hooks has any hook enabled now (read before the tracer enables its own). */
export function asyncHooksInUse(): boolean {
  try {
    const binding = asyncWrapBinding() as unknown as { async_hook_fields?: Uint32Array; constants?: { kTotals?: number } } | undefined;
    const fields = binding?.async_hook_fields;
    const totals = binding?.constants?.kTotals;
    return !fields || typeof totals !== 'number' || fields[totals] > 0;
  } catch {
    return true;
  }
}

/**
 * Node's internal async_wrap binding: through process.binding (to Node 23), else through Node's
 * internal test module, which the launcher's INTERNALS_FLAG lets the runner load (Node 24 took
 * async_wrap out of process.binding). Each is reached without the warning it prints (the
 * program's stderr must not change). Undefined where neither has it.
 */
function asyncWrapBinding(): AsyncWrapBinding | undefined {
  const binding = (legacyBinding() ?? internalBinding()) as Partial<AsyncWrapBinding> | undefined;
  return typeof binding?.setPromiseHooks === 'function' && typeof binding.getPromiseHooks === 'function' ? (binding as AsyncWrapBinding) : undefined;
}

function legacyBinding(): unknown {
  const proc = process as unknown as { binding?: (name: string) => unknown; noDeprecation?: boolean };
  if (typeof proc.binding !== 'function') return undefined;
  const quiet = proc.noDeprecation;
  proc.noDeprecation = true;
  try {
    return proc.binding('async_wrap');
  } catch {
    return undefined; // "No such module" from Node 24
  } finally {
    proc.noDeprecation = quiet;
  }
}

function internalBinding(): unknown {
  const warn = process.emitWarning;
  process.emitWarning = () => undefined; // "These APIs are for internal testing only", as it loads
  try {
    const internals = createRequire(__filename)('internal/test/binding') as { internalBinding?: (name: string) => unknown };
    return internals.internalBinding?.('async_wrap');
  } catch {
    return undefined; // run without INTERNALS_FLAG
  } finally {
    process.emitWarning = warn;
  }
}
