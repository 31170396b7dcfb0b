// The floor under the tracer: the hooks the Node runner installs, doing nothing. An async hook
// with empty init, before and after, enabled as the runner enables its own, and V8's promise
// hooks, empty, installed the way the runner installs its own (in place of Node's promise
// tracking). What a workload costs under this, no tracer can cost less with these hooks.
// With BENCH_COUNT_HOOKS=1 each hook counts its calls instead, printed at exit on stderr as one
// "HOOKS {json}" line: what a goal leaves the runner per hook call.
import * as asyncHooks from 'node:async_hooks';
import { asyncHooksInUse, installPromiseHooks } from '../src/runner/node/promiseHooks';

let calls = 0;
const counting = process.env.BENCH_COUNT_HOOKS === '1';
const hook = counting
  ? (): void => {
      calls++;
    }
  : (): void => undefined;
const othersHadHooks = asyncHooksInUse();
asyncHooks.createHook({ init: hook, before: hook, after: hook }).enable();
installPromiseHooks({ init: hook, before: hook, after: hook, settled: hook }, othersHadHooks);
if (counting) process.on('exit', () => process.stderr.write(`HOOKS ${JSON.stringify({ calls })}\n`));
