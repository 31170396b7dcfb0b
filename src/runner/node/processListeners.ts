// The runner's listeners on process events, kept through the program's removeAllListeners (a
// framework resetting process events): without its exit listener a trace would lose its end.
type Listener = Parameters<NodeJS.EventEmitter['on']>[1];

const events = process as NodeJS.EventEmitter;
const kept: [event: string, listener: Listener][] = [];
let guarding = false;
/** Runs the runner's own work untraced (Tracer.untraced): adding a signal's listener again opens a handle. */
let untraced = <T>(fn: () => T): T => fn();

/** Adds `listener` for `event`, and adds it again should the program remove all of the event's listeners. */
export function listen(event: string, listener: Listener): void {
  events.on(event, listener);
  kept.push([event, listener]);
  if (!guarding) guardRemoveAll();
}

/** As `listen`, ahead of the listeners there already (Node's own). */
export function listenFirst(event: string, listener: Listener): void {
  events.prependListener(event, listener);
  kept.push([event, listener]);
  if (!guarding) guardRemoveAll();
}

/** Has `listen` add listeners again with `run` (the tracer's untraced). */
export function addAgainWith(run: <T>(fn: () => T) => T): void {
  untraced = run;
}

/** Whether the runner listens for `event` itself. */
export function runnerListens(event: string): boolean {
  return kept.some(([e]) => e === event);
}

/** Whether `listener` is one of the runner's. */
export function isRunners(event: string, listener: unknown): boolean {
  return kept.some(([e, l]) => e === event && l === listener);
}

/** Whether the program has a listener of its own for `event`. */
export function programListens(event: string): boolean {
  return events.listeners(event).some((listener) => !isRunners(event, listener));
}

/** Removes a listener `listen` added, for good. */
export function unlisten(event: string, listener: Listener): void {
  events.removeListener(event, listener);
  const index = kept.findIndex(([e, l]) => e === event && l === listener);
  if (index >= 0) kept.splice(index, 1);
}

function guardRemoveAll(): void {
  guarding = true;
  const removeAll = process.removeAllListeners;
  process.removeAllListeners = function (this: unknown, ...args: unknown[]) {
    const result = removeAll.apply(this, args as [string?]);
    try {
      untraced(() => {
        for (const [event, listener] of kept) {
          if ((args[0] === undefined || args[0] === event) && !events.listeners(event).includes(listener)) events.on(event, listener);
        }
      });
    } catch {
      // never let tracing reach the program
    }
    return result;
  } as typeof process.removeAllListeners;
}
