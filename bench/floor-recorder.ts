// The floor under the tracer: the hooks the Node runner installs, doing nothing. An async hook
// with empty init, before and after, enabled as the runner enables its own, and V8's promise
// hooks, empty, installed the way the runner installs its own (in place of Node's promise
// tracking). What a workload costs under this, no tracer can cost less with these hooks.
// With BENCH_COUNT_HOOKS=1 each hook counts its calls instead, printed at exit on stderr as one
// "HOOKS {json}" line: what a goal leaves the runner per hook call.
// With BENCH_FLOOR=record each hook does the least a recorder does: it numbers each promise (one
// private field) and writes the call and its ids into a typed array, reused once full and never
// sent. What a workload costs under this is before any clock reading (45–75 ns each), telling
// tasks apart, naming them, finding their sites or sending the trace.
import * as asyncHooks from 'node:async_hooks';
import { asyncHooksInUse, installPromiseHooks } from '../src/runner/node/promiseHooks';

interface Hooks {
  init(subject: unknown, parent?: unknown): void;
  before(subject: unknown): void;
  after(subject: unknown): void;
  settled(subject: unknown): void;
  /** The async hook's init, whose arguments differ from a promise's. */
  resource(asyncId: number, type: string, triggerId: number): void;
}

function emptyHooks(): Hooks {
  const hook = (): void => undefined;
  return { init: hook, before: hook, after: hook, settled: hook, resource: hook };
}

function countingHooks(): Hooks {
  let calls = 0;
  process.on('exit', () => process.stderr.write(`HOOKS ${JSON.stringify({ calls })}\n`));
  const hook = (): void => {
    calls++;
  };
  return { init: hook, before: hook, after: hook, settled: hook, resource: hook };
}

function recordingHooks(): Hooks {
  const records = new Float64Array(3 << 20);
  let at = 0;
  let lastId = 0;
  const ID = Symbol('tasklane.benchId');
  type Numbered = { [ID]?: number };
  const record = (call: number, id: number, other: number): void => {
    if (at === records.length) at = 0;
    records[at] = call;
    records[at + 1] = id;
    records[at + 2] = other;
    at += 3;
  };
  const idOf = (promise: unknown): number => (promise as Numbered)[ID] ?? 0;
  return {
    init: (promise, parent) => {
      const id = ++lastId;
      (promise as Numbered)[ID] = id;
      record(0, id, parent === undefined ? 0 : idOf(parent));
    },
    before: (subject) => record(1, typeof subject === 'number' ? subject : idOf(subject), 0),
    after: (subject) => record(2, typeof subject === 'number' ? subject : idOf(subject), 0),
    settled: (promise) => record(3, idOf(promise), 0),
    resource: (asyncId, _type, triggerId) => record(4, asyncId, triggerId),
  };
}

const hooks = process.env.BENCH_COUNT_HOOKS === '1' ? countingHooks() : process.env.BENCH_FLOOR === 'record' ? recordingHooks() : emptyHooks();
const othersHadHooks = asyncHooksInUse();
asyncHooks.createHook({ init: hooks.resource, before: hooks.before, after: hooks.after }).enable();
installPromiseHooks({ init: hooks.init, before: hooks.before, after: hooks.after, settled: hooks.settled }, othersHadHooks);
