// The floor under the tracer: the hooks the Node runner installs, doing nothing. An async hook
// with empty init, before and after, enabled as the runner enables its own, and V8's promise
// hooks, empty, installed the way the runner installs its own (in place of Node's promise
// tracking). What a workload costs under this, no tracer can cost less with these hooks.
import * as asyncHooks from 'node:async_hooks';
import { asyncHooksInUse, installPromiseHooks } from '../src/runner/node/promiseHooks';

const nothing = (): void => undefined;
const othersHadHooks = asyncHooksInUse();
asyncHooks.createHook({ init: nothing, before: nothing, after: nothing }).enable();
installPromiseHooks({ init: nothing, before: nothing, after: nothing, settled: nothing }, othersHadHooks);
