import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Task } from '../../src/trace/task';
import { FIXTURES, fixtureCopy, lineOf, only, stretchesOfNeither, tasksNamed, traceFixture } from './helpers';

/** `task`'s runs that last a millisecond or more into a wait of one of `waiters` (as "start–end" in µs). */
function runsDuringWaits(task: Task, waiters: Task[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < task.runs.length; i += 2) {
    const [start, end] = [task.runs[i], task.runs[i + 1]];
    if (waiters.some((w) => w.waits.some((wait) => Math.min(end, wait.end) - Math.max(start, wait.start) >= 1000))) found.push(`${start}–${end}`);
  }
  return found;
}

describe('Node runner: packages and builtins', () => {
  it('what an installed package makes or throws is placed at the project\'s call of it, not in node_modules', () => {
    const { model, stdout } = traceFixture('with-package/main.js');
    assert.equal(stdout, 'the library failed\n');
    assert.match(only(model, 'setTimeout 20 ms').site, /with-package\/main\.js:6:\d+$/);
    assert.match(only(model, 'main').waits[0].site, /with-package\/main\.js:6:\d+$/);
    const fail = only(model, 'exports.fail');
    assert.match(fail.site, /with-package\/main\.js:7:\d+$/);
    assert.equal(fail.end?.state, 'rejected');
    assert.match(fail.end!.site, /with-package\/main\.js:7:\d+$/);
    // Called back from the package's own timer: at the function itself.
    assert.match(only(model, 'handler').site, /with-package\/main\.js:12:\d+$/);
  });

  it('a package\'s function stored under another method name is named by the method the program called (axios\'s post is its httpMethod); a wait for its promise is a wait for the call (pg\'s query)', () => {
    const { model, stdout } = traceFixture('with-package/client-verbs.js');
    assert.equal(stdout, 'GET /a\nPOST /b\nPUT /c\nrows of SELECT 1\nsent /d\n');
    const main = only(model, 'main');
    for (const verb of ['get', 'post', 'put']) assert.equal(only(model, `Client.${verb}`).parent, main.id, verb);
    assert.deepEqual(tasksNamed(model, /httpMethod/), []);
    // A promise the package made (and handed out through a .catch) is waited for as its call, woken by its timer.
    const [query, request] = main.waits.slice(-2);
    assert.equal(model.waitLabel(query), 'Client.query');
    assert.equal(model.tasks.get(model.wokenBy(query))?.name, 'setTimeout 5 ms');
    assert.equal(model.waitLabel(request), 'request', 'an unnamed export by the name the program calls it');
  });

  it('a package that is a function is named as the program calls it, and an unnamed mapper before an options object after that call', () => {
    const { model, stdout } = traceFixture('with-package/map-options.js');
    assert.equal(stdout, '2,4,6 8\n');
    const main = only(model, 'main');
    const maps = tasksNamed(model, 'pMap');
    assert.deepEqual(maps.map((m) => m.parent), [main.id, main.id], 'not module.exports');
    assert.equal(tasksNamed(model, 'pMap callback').length, 3, 'the mapper of three items, not pMap.concurrency');
    assert.equal(tasksNamed(model, 'tasks.double').length, 4, 'a function assigned to a property keeps the name V8 gives it');
    assert.deepEqual([...model.tasks.values()].filter((t) => /concurrency|module\.exports/.test(t.name)), []);
  });

  it('an ES module\'s unnamed default export is named as the program imports and calls it, not `default`', () => {
    const { model, stdout } = traceFixture('default-export/main.mjs');
    assert.equal(stdout, '3 loaded\n');
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    assert.deepEqual(model.childrenOf(script.id).filter((t) => t.kind === 'async').map((t) => t.name), ['pause', 'fetchConfig']);
    // In TypeScript, which esbuild names after its file (`pause_default`).
    const typescript = traceFixture('default-export/main.ts');
    assert.equal(typescript.stdout, '3\n');
    assert.deepEqual(typescript.model.childrenOf(only(typescript.model, 'main').id).map((t) => t.name), ['wait']);
  });

  it('what a package makes in a tick or an immediate of its own after the project\'s call of it is placed at that call (ioredis, nodemailer connecting)', () => {
    const { model, stdout } = traceFixture('with-package/deferred-connect.js');
    assert.equal(stdout, 'connected\n');
    const calls = [`lib.connectLater(server.address().port);`, 'lib.connectLater(server.address().port, setImmediate)'].map((text) => `deferred-connect.js:${lineOf('with-package/deferred-connect.js', text)}:\\d+$`);
    const main = only(model, 'main');
    const inTick = tasksNamed(model, /^TCP (socket|connect) /).filter((t) => t.parent === main.id);
    const soon = only(model, 'setImmediate');
    const inImmediate = tasksNamed(model, /^TCP (socket|connect) /).filter((t) => t.parent === soon.id || model.tasks.get(t.parent)?.parent === soon.id);
    assert.equal(inTick.length, 2, inTick.map((t) => t.name).join());
    assert.equal(inImmediate.length, 2, inImmediate.map((t) => t.name).join());
    for (const task of inTick) assert.match(task.site, new RegExp(calls[0]), task.name);
    for (const task of inImmediate) assert.match(task.site, new RegExp(calls[1]), task.name);
  });

  it('what a package makes 40 calls deep inside itself is still placed at the project\'s call of it', () => {
    const { model } = traceFixture('with-package/deep.js');
    const timer = only(model, 'setTimeout 30 ms');
    assert.match(timer.site, /with-package\/deep\.js:5:\d+$/);
    assert.equal(timer.parent, only(model, 'main').id);
    assert.match(only(model, 'main').waits[0].site, /with-package\/deep\.js:5:\d+$/);
  });

  it('require() of an ES module package is no task of the script\'s (Node\'s loader works inside the call)', function () {
    if (!(process.features as { require_module?: boolean }).require_module) this.skip(); // Node 20.19+
    const { model, stdout } = traceFixture('with-package/require-esm.js');
    assert.equal(stdout, '42\n');
    assert.deepEqual([...model.tasks.values()].map((t) => t.name), ['require-esm.js']);
  });

  it('a callback or an async call run inside a waiting task\'s own microtask (piscina\'s pool, abstract-level\'s open) does not resume the task as it returns or suspends', () => {
    const { model, stdout } = traceFixture('nested-aside.js');
    assert.equal(stdout, 'done\n');
    const main = only(model, 'main');
    const timer = only(model, 'setTimeout 20 ms');
    // The microtask runs main's own function, between two stretches of its one wait for the timer.
    assert.deepEqual(main.waits.map((w) => w.target), [timer.id, timer.id]);
    assert.ok(main.waits[1].end >= timer.runs[0], 'the wait goes on until the timer fired');
    assert.ok(main.runs.every((t, i) => i % 2 === 1 || main.waits.every((w) => t < w.start || t >= w.end)), 'main does not run while it waits');
    const pool = only(model, 'Pool');
    assert.ok(model.runningTime(pool) >= 4_000, 'the pool\'s callback holds the loop for its 5 ms');
  });

  it('a native addon\'s work (Node-API async work) is a callback task that ends as its callback returns, not pending to the end', () => {
    // Built from C as database bindings are; Node's headers come with Node (Debian's nodejs, the official builds).
    const headers = path.join(path.dirname(process.execPath), '..', 'include', 'node');
    assert.ok(fs.existsSync(path.join(headers, 'node_api.h')), `no Node-API headers in ${headers}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-addon-'));
    const built = spawnSync('gcc', ['-shared', '-fPIC', '-O1', `-I${headers}`, '-o', path.join(dir, 'addon.node'), path.join(FIXTURES, 'addon/work.c')], { encoding: 'utf8' });
    assert.equal(built.status, 0, `gcc (which .ci/run installs): ${built.error ?? built.stderr}`);
    const { model, stdout } = traceFixture('addon/main.js', { env: { ...process.env, ADDON_DIR: dir } });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(stdout, 'worked\n');
    const calls = tasksNamed(model, 'workFor');
    const works = tasksNamed(model, 'addon.work');
    assert.deepEqual(works.map((w) => [w.kind, w.parent, w.end?.state]), calls.map((c) => ['callback', c.id, 'resolved']));
    assert.ok(works[0].end!.t < calls[1].created, 'the first work ended before the second call');
  });

  it('a promise of a builtin V8 shows no frame for (WebAssembly.compile), made in an async function\'s body, is no call of that function; a wait for it is named after it (in an ES-module TypeScript file too)', () => {
    // As TypeScript (the same code), compiled on Node's loader thread.
    for (const fixture of ['unseen-builtins.js', fixtureCopy('unseen-builtins.js', '.mts')]) {
      const { model, stdout } = traceFixture(fixture);
      assert.equal(stdout, '/ true true\n');
      const load = only(model, 'load');
      assert.deepEqual(model.childrenOf(load.id).map((t) => t.name), ["import('node:path')", 'compileModule']);
      assert.ok(load.waits.length > 0);
      for (const wait of load.waits) assert.match(model.waitLabel(wait), /^(import\('node:path'\)|WebAssembly\.(compile|instantiate)|compileModule)$/);
      // A call that returns the builtin's promise waits for it, by its name.
      assert.deepEqual(only(model, 'compileModule').waits.map((w) => model.waitLabel(w)), ['WebAssembly.compile']);
    }
  });

  it('a wait for a builtin with work of its own (Atomics.waitAsync; Array.fromAsync where Node has it) is named after it', () => {
    const { model, stdout } = traceFixture('builtin-work.js');
    assert.equal(stdout, '1 2\n3 4 5\n3 4 5\n2 4\ntrue\n14\ntimeout\n');
    assert.deepEqual(only(model, 'waitForFlag').waits.map((w) => model.waitLabel(w)), ['Atomics.waitAsync']);
    const hasFromAsync = typeof (Array as { fromAsync?: unknown }).fromAsync === 'function';
    assert.deepEqual(only(model, 'collect').waits.map((w) => model.waitLabel(w)), [hasFromAsync ? 'Array.fromAsync' : 'Promise.all ×2']);
    if (!hasFromAsync) return;
    // Over an async generator: the caller waits for Array.fromAsync until it has every value, not
    // for the timer of the generator's first step, nor for nothing once that step has run.
    const caller = only(model, 'collectGenerated');
    const at = `builtin-work.js:${lineOf('builtin-work.js', 'await Array.fromAsync(numbers())')}`;
    assert.deepEqual([...new Set(caller.waits.map((w) => `${model.waitLabel(w)} @ ${w.site.replace(/^.*\//, '').replace(/:\d+$/, '')}`))], [`Array.fromAsync @ ${at}`]);
    assert.deepEqual(stretchesOfNeither(caller), []);
    // Each step of the generator is the caller's work, those V8 runs from jobs no hook reports too:
    // the sleep of every step is the caller's, and each step's code runs as the caller.
    const sleepLine = lineOf('builtin-work.js', 'await new Promise((resolve) => setTimeout(resolve, 10))');
    const sleeps = [...model.tasks.values()].filter((t) => t.kind === 'timer' && t.site.includes(`:${sleepLine}:`) && t.created < caller.end!.t);
    assert.deepEqual(sleeps.map((t) => model.tasks.get(t.parent)?.name), ['collectGenerated', 'collectGenerated', 'collectGenerated']);
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    const scriptRunsDuringSteps = [];
    for (let i = 0; i < script.runs.length; i += 2) if (script.runs[i] > sleeps[0].created && script.runs[i] < caller.end!.t) scriptRunsDuringSteps.push(script.runs[i]);
    assert.deepEqual(scriptRunsDuringSteps, [], 'runs of the script while the generator stepped');
    // Returned unawaited, Array.fromAsync is what the call waits for, and the steps are its.
    const returner = only(model, 'collectReturned');
    assert.deepEqual([...new Set(returner.waits.map((w) => model.waitLabel(w)))], ['Array.fromAsync']);
    assert.deepEqual(stretchesOfNeither(returner), []);
    const laterSleeps = [...model.tasks.values()].filter((t) => t.kind === 'timer' && t.site.includes(`:${sleepLine}:`) && t.created > returner.created && t.created < returner.end!.t);
    assert.deepEqual(laterSleeps.map((t) => model.tasks.get(t.parent)?.name), ['collectReturned', 'collectReturned', 'collectReturned']);
    // A mapper V8 calls from its own jobs: what it calls is the caller's, which waits for
    // Array.fromAsync all along but while the mapper runs, or the calls it makes run their first
    // part; the loop is idle while those calls sleep, not the script's.
    const mapper = only(model, 'collectMapped');
    assert.deepEqual([...new Set(mapper.waits.map((w) => model.waitLabel(w)))], ['Array.fromAsync']);
    const doubles = tasksNamed(model, 'double');
    assert.deepEqual(stretchesOfNeither(mapper, doubles), []);
    assert.deepEqual(doubles.map((t) => model.tasks.get(t.parent)?.name), ['collectMapped', 'collectMapped']);
    assert.deepEqual(runsDuringWaits(script, doubles), [], 'runs of the script while the mapper\'s calls slept');
    // Over a stream: Node's own steps of the stream's iterator, run from V8's jobs, are the caller's
    // work, the file's close at the end too.
    const reader = only(model, 'collectFile');
    const fileOps = [...model.tasks.values()].filter((t) => /^fs\./.test(t.name) && t.created > reader.created);
    assert.deepEqual([...new Set(fileOps.map((t) => t.name))].sort(), ['fs.close', 'fs.open', 'fs.read']);
    assert.deepEqual(fileOps.filter((t) => t.parent !== reader.id).map((t) => `${t.name} of #${t.parent}`), []);
    // Called and left unawaited, it steps nothing of the caller's own `for await` that follows:
    // each step waits for its generator's sleep.
    const looper = only(model, 'collectThenLoop');
    assert.deepEqual(looper.waits.map((w) => model.waitLabel(w)), ['setTimeout 10 ms', 'setTimeout 10 ms', 'setTimeout 10 ms']);
    // Raced, its jobs are no awaiting task's: its mapper's calls are the script's, but the script
    // holds no loop while they sleep.
    const halves = tasksNamed(model, 'halve');
    assert.equal(halves.length, 2);
    assert.deepEqual(runsDuringWaits(script, halves), [], 'runs of the script while the raced mapper\'s calls slept');
  });

  it('Array.fromAsync awaited in an ES module\'s top level is what the script waits for, and the loop is idle while the steps sleep', function () {
    if (typeof (Array as { fromAsync?: unknown }).fromAsync !== 'function') this.skip();
    const { model, stdout } = traceFixture('builtin-work-top.mjs');
    assert.equal(stdout, '3 4 5\n2 4\n');
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    assert.deepEqual([...new Set(script.waits.map((w) => model.waitLabel(w)))], ['Array.fromAsync']);
    // From its first await to its last, the script runs, waits for Array.fromAsync, or its mapper's calls run.
    const doubles = tasksNamed(model, 'double');
    const [from, to] = [script.waits[0].start, script.waits.at(-1)!.end];
    const awaiting = { ...script, created: from, runs: script.runs.filter((_, i) => script.runs[i - (i % 2)] < to), end: { ...script.end!, t: to } };
    assert.deepEqual(stretchesOfNeither(awaiting, doubles), []);
    assert.deepEqual(doubles.map((t) => t.parent), [script.id, script.id]);
    const sleeps = [...model.tasks.values()].filter((t) => t.kind === 'timer');
    assert.deepEqual(sleeps.map((t) => model.tasks.get(t.parent)?.name), ['builtin-work-top.mjs', 'builtin-work-top.mjs', 'builtin-work-top.mjs', 'double', 'double']);
    assert.deepEqual(runsDuringWaits(script, doubles), [], 'runs of the script while the mapper\'s calls slept');
  });

  it('a wait for a Web Crypto digest is named after the call, not the hashing job Node runs for it', () => {
    const { model, stdout } = traceFixture('webcrypto-digest.js');
    assert.equal(stdout, '8ac081cb\n');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['SubtleCrypto.digest']);
    assert.equal(main.waits[0].target, only(model, 'SubtleCrypto.digest').id);
  });

  it('a promisified function with no name of its own is named as the program calls it', () => {
    const { model, stdout } = traceFixture('promisified-anonymous.js');
    assert.equal(stdout, '5\n');
    assert.equal(only(model, 'nap').parent, only(model, 'main').id);
    assert.deepEqual(tasksNamed(model, ''), []);
  });

  it('an AsyncResource a package makes is a callback task of its maker, ending as its callback last returned, or pending if it never ran', () => {
    const { model, stdout } = traceFixture('async-resources.js');
    assert.equal(stdout, 'bound callback ran\ntimer set in the first result\nsecond result\n');
    const main = only(model, 'main');
    const bound = only(model, 'AsyncResource.bind');
    const query = only(model, 'POOL_REQUEST');
    const never = only(model, 'NeverCalled');
    for (const task of [bound, query, never]) assert.deepEqual([task.kind, task.parent], ['callback', main.id], task.name);
    // (A callback's console.log completes its write a moment after it returns: that is its too.)
    const second = only(model, 'setTimeout 20 ms');
    assert.ok(bound.runs.length >= 2 && bound.runs[1] < second.created, 'the bound callback ran, before main slept again');
    assert.ok(query.runs[1] < second.created && query.runs.some((t, i) => i % 2 === 0 && t >= model.endTimeOf(second)), 'the pool ran a callback in its resource before main slept 20 ms and one after');
    assert.deepEqual([bound.end?.state, bound.end?.t], ['resolved', bound.runs.at(-1)]);
    assert.deepEqual([query.end?.state, query.end?.t], ['resolved', query.runs.at(-1)]);
    assert.equal(model.endState(never), 'pending');
    assert.equal(only(model, 'setTimeout 5 ms').parent, query.id, 'what its callback makes is its');
  });

  it('names an async method by its class and method, as in a stack trace', () => {
    const { model } = traceFixture('methods.js');
    const main = only(model, 'main');
    assert.equal(only(model, 'Api.get').parent, main.id);
    assert.equal(only(model, 'Store.load').parent, main.id, 'not exports.internals.Store.load');
    assert.equal(only(model, 'Api.connect').parent, main.id, 'a static method after its class');
    assert.equal(only(model, 'Api.#fetch').parent, only(model, 'Api.get').id, 'a private method after its class too');
    assert.equal(only(model, 'Api.#handshake').parent, only(model, 'Api.connect').id, 'a static private method after the class its caller is in');
    assert.equal(only(model, 'wait').parent, main.id, 'a plain object has no class name to add');
    assert.deepEqual([only(model, 'Client.head').parent, only(model, 'Client.post').parent], [main.id, main.id], 'methods under computed keys by the key they were called as (V8 says Client.<computed>)');
    assert.equal(only(model, 'tick').parent, only(model, 'setTimeout 1 ms').id, 'not Timeout.tick: Node calls it as the timer\'s _onTimeout');
    assert.equal(only(model, 'onPing').parent, only(model, 'setTimeout 2 ms').id, 'not EventEmitter.onPing');
    assert.equal(tasksNamed(model, 'emitter.on(\'ping\') callback').length, 1, 'an unnamed listener is named after the call that added it, not after how Node called it');
  });
});
