// Raw V8 promise hooks for the tracer, without async_hooks' own promise tracking on top.
// Enabling an async_hooks hook (the tracer needs one for timers, sockets and files) makes Node
// install promise hooks that give every promise an async id and emit init/before/after through
// async_hooks: 3–4× on await-heavy code before the tracer does anything. The tracer follows
// promises itself, so while no one else uses async_hooks, V8 gets only the tracer's hooks.
// Ours are also registered through the public v8.promiseHooks API, so whenever Node installs
// hooks again (the program enables its own async hook or an AsyncLocalStorage), it installs
// both, and the program's hooks work as they would untraced.
import * as v8 from 'node:v8';
import { internalBinding, legacyBinding } from './nodeInternals';

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

/** Node's internal async_wrap binding; undefined where the runner cannot reach it (see nodeInternals). */
function asyncWrapBinding(): AsyncWrapBinding | undefined {
  const binding = (legacyBinding('async_wrap') ?? internalBinding('async_wrap')) as Partial<AsyncWrapBinding> | undefined;
  return typeof binding?.setPromiseHooks === 'function' && typeof binding.getPromiseHooks === 'function' ? (binding as AsyncWrapBinding) : undefined;
}
