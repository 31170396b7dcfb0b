// The runner's own clock: a tick every few milliseconds that keeps no program alive and shares
// nothing with the program's timers. Node keeps one list of timers per whole-millisecond duration
// and runs every due timer of a list at once, so an interval of the runner's in a list of the
// program's ran the program's timers out of order once the loop had been held past them (a 13 ms
// and a 23 ms timer made together ran 23 first, 9 rounds in 15). Atomics.waitAsync's timeout is a
// task of V8's platform, which Node runs from an unreferenced libuv timer of its own.

type WaitAsync = (cell: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<unknown> | string };

const cell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Node's setImmediate, as the runner loads (before the program's code): a program's fake timers
 * replace the global one, and would hold or count the runner's own callbacks.
 */
export const nodeSetImmediate = setImmediate;

/**
 * Calls `tick` every `ms` from now on. `untraced` runs the clock's own work unseen by the tracer;
 * `tick` must not throw (a throw would reject a promise of the clock's, unhandled).
 */
export function tickEvery(ms: number, untraced: (fn: () => void) => void, tick: () => void): void {
  const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (typeof waitAsync !== 'function') {
    untraced(() => setInterval(tick, ms).unref());
    return;
  }
  const arm = (): void => {
    const wait = waitAsync(cell, 0, 0, ms);
    if (typeof wait.value !== 'string') void wait.value.then(onTick);
  };
  const onTick = (): void => {
    tick();
    untraced(arm);
  };
  untraced(arm);
}
