// Node's internal bindings, for what no public API tells (the promise hooks Node installs, a
// promise's state): through process.binding, or through Node's internal test module, which the
// launcher's INTERNALS_FLAG lets the runner load (Node 24 took async_wrap out of process.binding).
// Each is reached without the warning it prints (the program's stderr must not change).
import { createRequire } from 'node:module';

type BindingLoader = (name: string) => unknown;

let loader: BindingLoader | null | undefined;

/** process.binding(name), undefined where Node has no such binding there. */
export function legacyBinding(name: string): unknown {
  const proc = process as unknown as { binding?: BindingLoader; noDeprecation?: boolean };
  if (typeof proc.binding !== 'function') return undefined;
  const quiet = proc.noDeprecation;
  proc.noDeprecation = true;
  try {
    return proc.binding(name);
  } catch {
    return undefined; // "No such module: async_wrap" from Node 24
  } finally {
    proc.noDeprecation = quiet;
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
  const warn = process.emitWarning;
  process.emitWarning = () => undefined; // "These APIs are for internal testing only", as it loads
  try {
    const internals = createRequire(__filename)('internal/test/binding') as { internalBinding?: BindingLoader };
    return typeof internals.internalBinding === 'function' ? internals.internalBinding : null;
  } catch {
    return null;
  } finally {
    process.emitWarning = warn;
  }
}
