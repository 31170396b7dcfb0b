// A `for await` over a readline interface steps through the iterator Node's events.on makes for
// it, which nothing the hooks see tells from one the program makes itself: readline's
// [Symbol.asyncIterator] calls events.on(this, 'line', …) as the loop starts. The runner stands in
// for events.on to note where such loops are, and their steps wait for `readline` (iteratorStepName).
import EventEmitter from 'node:events';
import type { CallSiteInfo } from './callSiteInfo';

type On = typeof EventEmitter.on;

/** Calls `onLoop` with the site of each loop over a readline interface as it starts. */
export function watchReadlineLoops(capture: (skipAbove: Function, withParent: boolean) => CallSiteInfo, onLoop: (site: string) => void): void {
  const original = EventEmitter.on;
  const standIn = function (this: unknown, ...args: Parameters<On>): ReturnType<On> {
    const iterator = Reflect.apply(original, this, args);
    if (args[1] === 'line') {
      try {
        const info = capture(standIn, false);
        if (info.module.startsWith('readline/') && info.site) onLoop(info.site);
      } catch {
        // the loop runs whatever the tracer does
      }
    }
    return iterator;
  };
  Object.defineProperties(standIn, { name: { value: original.name }, length: { value: original.length } });
  EventEmitter.on = standIn as On;
}
