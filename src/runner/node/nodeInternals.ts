// Node's internal bindings, for what no public API tells (the promise hooks Node installs, a
// promise's state): through process.binding, or through Node's internal test module, which the
// launcher's INTERNALS_FLAG lets the runner load (Node 24 took async_wrap out of process.binding).
// Each is reached without the warning it prints (the program's stderr must not change), as is
// what else of Node's the runner uses that Node deprecates (withoutDeprecationWarnings).
import { createRequire } from 'node:module';

type BindingLoader = (name: string) => unknown;

let loader: BindingLoader | null | undefined;

/**
 * Runs `fn` with Node's deprecation warnings off: the runner's own use of what Node deprecates
 * (process.binding) must not warn on the program's stderr.
 */
export function withoutDeprecationWarnings<T>(fn: () => T): T {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return fn();
  } finally {
    process.noDeprecation = quiet;
  }
}

/** Runs `fn` with none of Node's warnings printed (one the runner's own use of Node would print). */
export function withoutWarnings<T>(fn: () => T): T {
  const warn = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return fn();
  } finally {
    process.emitWarning = warn;
  }
}

/** process.binding(name), undefined where Node has no such binding there. */
export function legacyBinding(name: string): unknown {
  const proc = process as unknown as { binding?: BindingLoader };
  const binding = proc.binding;
  if (typeof binding !== 'function') return undefined;
  try {
    return withoutDeprecationWarnings(() => binding.call(process, name));
  } catch {
    return undefined; // "No such module: async_wrap" from Node 24
  }
}

/** Node's internalBinding(name), undefined where the runner runs without INTERNALS_FLAG. */
export function internalBinding(name: string): unknown {
  loader ??= internalLoader();
  try {
    return loader?.(name);
  } catch {
    return undefined;
  }
}

function internalLoader(): BindingLoader | null {
  try {
    // ("These APIs are for internal testing only", as it loads)
    const internals = withoutWarnings(() => createRequire(__filename)('internal/test/binding')) as { internalBinding?: BindingLoader };
    return typeof internals.internalBinding === 'function' ? internals.internalBinding : null;
  } catch {
    return null;
  }
}
