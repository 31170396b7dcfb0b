// A coroutine span's own running and waiting time (the CLI summary's, the panel's table and the
// webview's details): a span has no runs or waits of its own, as it is drawn on its task's lane;
// while it is open, its task's runs and waits are its. Pure: the webview uses it too.

/** The nearest of `task` and its ancestors that is no coroutine span: the task whose lane it is on. */
export function laneOwner<T extends { kind: string; parent: number }>(task: T, tasks: ReadonlyMap<number, T>): T {
  let owner = task;
  for (let parent = tasks.get(owner.parent); owner.kind === 'coroutine' && parent !== undefined; parent = tasks.get(owner.parent)) owner = parent;
  return owner;
}

/**
 * How much of [from, to] the [start, end] pairs cover (flat, two numbers each); `endOf` gives an
 * open end (NaN in the model, negative in the webview) the time it runs to.
 */
export function timeWithin(pairs: ArrayLike<number>, from: number, to: number, endOf: (end: number) => number): number {
  let total = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const start = Math.max(pairs[i], from);
    const end = Math.min(endOf(pairs[i + 1]), to);
    if (end > start) total += end - start;
  }
  return total;
}

/** The stretch of its lane's time that is `task`'s own: all of it, or a span's from its start to `end`, its end. */
export function ownStretch<T>(task: T, lane: T, created: number, end: number): [number, number] {
  return lane === task ? [-Infinity, Infinity] : [created, end];
}
