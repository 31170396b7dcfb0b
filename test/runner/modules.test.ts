import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrace } from '../../src/trace/load';
import type { TraceModel } from '../../src/trace/model';
import { CALLBACK_NAMES, callbackNames, downleveled, FIXTURES, lifetimeMs, lineOf, only, ROOT, tasksNamed, traceFixture } from './helpers';

function assertSequentialShape(fixture: string, parentName: string | undefined): void {
  const { model, stdout, code } = traceFixture(fixture);
  assert.equal(code, 0, fixture);
  assert.equal(stdout, 'hello\nworld\n', fixture);
  const says = tasksNamed(model, 'sayAfter');
  assert.equal(says.length, 2, fixture);
  assert.ok(says[1].created >= says[0].end!.t, `${fixture}: the awaits are sequential`);
  assert.match(says[0].site, new RegExp(`${fixture.replace('.', '\\.')}:\\d+:\\d+$`));
  if (parentName) {
    const parent = only(model, parentName);
    assert.equal(says[0].parent, parent.id);
    assert.ok(lifetimeMs(model, parent) >= 295);
  }
}

/**
 * A trace's tasks as a person compares two runs of one program: each of the program's tasks by
 * kind and name (ports aside) with its parent's name, and for an async function what it waited
 * for (the task, or the label; not what woke it), in order (a wait a callback cut in two counted
 * once), and how it ended; sorted.
 */
function taskTree(model: TraceModel): string[] {
  const named = (id: number): string => {
    const task = model.tasks.get(id);
    return task === undefined ? '-' : task.kind === 'script' ? 'the script' : model.displayName(task);
  };
  return [...model.tasks.values()].filter((task) => !task.internal && task.kind !== 'script' && task.kind !== 'tracer').map((task) => {
    const waits = task.waits.map((wait) => (wait.target !== 0 ? named(wait.target) : wait.label || '?')).filter((label, i, all) => label !== all[i - 1]);
    const async = task.kind === 'async' ? ` waits for ${waits.join(', ')}; ${task.end?.state ?? 'pending'}` : '';
    return `${task.kind} ${named(task.id)} <- ${named(task.parent)}${async}`.replace(/:\d{4,5}\b/g, ':PORT');
  }).sort();
}

/** The `typescript` package a project outside the repository has: the compiler (5.x), TypeScript 7's (no JavaScript API), or none. */
type ProjectTypeScript = 'compiler' | 'typescript-7' | 'none';

/** Whether the Node running the tests strips TypeScript's types itself (22.18+, 23.6+). */
const NODE_STRIPS_TYPES = Boolean((process.features as { typescript?: unknown }).typescript);

/**
 * Runs a script of the ts-compiler fixture where esbuild cannot be found: the runner and the project
 * copied outside the repository, the project with the `typescript` package given.
 */
function traceOutsideRepo(script: string, typescript: ProjectTypeScript, env: NodeJS.ProcessEnv = process.env): { model: TraceModel; stdout: string; stderr: string; code: number | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-no-esbuild-'));
  try {
    fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'tasklane'), { recursive: true });
    const app = path.join(dir, 'app');
    fs.cpSync(path.join(FIXTURES, 'ts-compiler'), app, { recursive: true });
    // The erasable programs as ES modules too, for Node's loader of those.
    fs.copyFileSync(path.join(app, 'src/erasable.ts'), path.join(app, 'src/erasable.mts'));
    fs.copyFileSync(path.join(FIXTURES, 'callbacks.mts'), path.join(app, 'src/callbacks.mts'));
    if (typescript !== 'none') {
      fs.mkdirSync(path.join(app, 'node_modules'));
      const from = typescript === 'compiler' ? path.join(ROOT, 'node_modules/typescript') : path.join(FIXTURES, 'typescript-7');
      fs.symlinkSync(from, path.join(app, 'node_modules/typescript'), 'dir');
    }
    const out = path.join(dir, 'trace.json');
    const run = spawnSync(process.execPath, [path.join(dir, 'tasklane/cli.js'), 'run', script, '--out', out, '--format', 'tasklane'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    return { model: parseTrace(fs.readFileSync(out, 'utf8')), stdout: run.stdout, stderr: run.stderr.replace(/^tasklane: wrote .*\n/m, ''), code: run.status };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('Node runner: module systems and TypeScript', () => {
  it('traces an ES module with top-level await like CommonJS', () => assertSequentialShape('sequential.mjs', 'sequential.mjs'));
  it('a file stream an ES module\'s body opens is the script\'s, at its line; Node\'s own reading of the module ends', () => {
    const { model, stdout } = traceFixture('esm-stream.mjs');
    assert.equal(stdout, 'read\n');
    const open = only(model, 'fs.open');
    assert.equal(open.parent, 1, 'opened by the script (it had no parent: Node\'s loader was running)');
    assert.match(open.site, /esm-stream\.mjs:6:\d+$/);
    assert.deepEqual([...model.tasks.values()].filter((t) => !t.end).map((t) => model.displayName(t)), [], 'nothing is left pending, Node\'s own FileHandle for the module included');
  });
  it('the time Node spends loading an ES module\'s imports is the script\'s run, as require() is, not idle', () => {
    const { model, stdout } = traceFixture('with-package/heavy-import.mjs');
    assert.equal(stdout, 'ready\n');
    const timer = only(model, 'setTimeout 10 ms');
    assert.equal(timer.parent, 1);
    // The package computes for 80 ms as it loads, before the module's body makes its timer (in the same run).
    const loading = model.longBlocks().filter((b) => b.task === 1 && b.start < timer.created);
    assert.equal(loading.length, 1, 'one long block of the script while its imports load');
    assert.ok(loading[0].end - loading[0].start >= 80_000, `it lasted ${loading[0].end - loading[0].start} µs`);
  });
  it('traces a CommonJS TypeScript file, with sites in the TypeScript source', () => {
    assertSequentialShape('sequential.ts', 'main');
    // Any loop segment over 1 ms is a long block of the program's, but not the runner's transpiling.
    const { model } = traceFixture('sequential.ts', { cliArgs: ['--long-block-ms', '1'] });
    assert.match(tasksNamed(model, 'sayAfter')[0].site, /sequential\.ts:8:\d+$/, 'line numbers are the .ts file’s own');
    const transpile = only(model, 'transpile TypeScript (Tasklane)');
    assert.deepEqual([transpile.kind, transpile.internal], ['tracer', true]);
    assert.ok(transpile.runs[1] - transpile.runs[0] > 1000, `it held the loop ${transpile.runs[1] - transpile.runs[0]} µs`);
    assert.deepEqual(model.longBlocks().filter((b) => b.task === transpile.id), [], 'transpiling is the runner\'s time, not the script\'s');
    assert.deepEqual([...model.tasks.values()].filter((t) => !t.end).map((t) => t.name), [], 'nothing left pending, the runner\'s own transpiling included');
  });
  it('a compiled program run with source maps (--enable-source-maps) has its sites in its sources, one run without in the code it runs', () => {
    const sites = (env: NodeJS.ProcessEnv): string[] => {
      const { model, stdout } = traceFixture('compiled/build/app.js', { env: { ...process.env, ...env } });
      assert.equal(stdout, '1,2\n');
      return ['main', 'load', 'setTimeout 10 ms', 'Promise.all ×2'].map((name) => path.relative(FIXTURES, tasksNamed(model, name)[0].site));
    };
    assert.deepEqual(sites({ NODE_OPTIONS: '--enable-source-maps' }), ['compiled/src/app.ts:14:1', 'compiled/src/app.ts:10:56', 'compiled/src/app.ts:5:34', 'compiled/src/app.ts:10:29']);
    assert.deepEqual(sites({ NODE_OPTIONS: '' }), ['compiled/build/app.js:9:1', 'compiled/build/app.js:6:58', 'compiled/build/app.js:2:36', 'compiled/build/app.js:6:31']);
  });
  it('async functions compiled into generators (tsc and tslib\'s __awaiter, esbuild, Babel) are tasks as async functions are: named, placed at their calls, waiting and ending as they do', () => {
    // Where each build's sites are (none checked in a minified one, whose names are not the source's).
    const builds: [fixture: string, env: NodeJS.ProcessEnv, sitesIn: string | undefined][] = [
      ['downleveled/tsc/app.js', {}, 'downleveled/tsc/app.js'],
      ['downleveled/tsc/app.js', { NODE_OPTIONS: '--enable-source-maps' }, 'downleveled/src/app.ts'],
      ['downleveled/tslib.js', {}, 'downleveled/tslib.js'],
      ['downleveled/esbuild.js', {}, 'downleveled/esbuild.js'],
      ['downleveled/babel.js', {}, 'downleveled/babel.js'],
      ['downleveled/minified.js', {}, undefined],
      ['downleveled/terser.js', {}, undefined],
    ];
    for (const [fixture, env, sitesIn] of builds) {
      const build = `${fixture} ${env.NODE_OPTIONS ?? ''}`;
      const { model, stdout } = traceFixture(fixture, { env: { ...process.env, ...env } });
      assert.equal(stdout, 'passed\nhello\nitem1,item2\ncaught boom\n', build);
      const at = (text: string): RegExp => (sitesIn === undefined ? /./ : new RegExp(`${sitesIn.replace(/[./]/g, '\\$&')}:${lineOf(sitesIn, text)}:\\d+$`));
      const main = only(model, 'main');
      assert.equal(model.tasks.get(main.parent)?.kind, 'script', build);
      const sayAfter = only(model, 'sayAfter');
      const all = only(model, 'Promise.all ×2');
      const failing = only(model, 'failing');
      const loads = tasksNamed(model, 'Repo.load');
      const pass = only(model, 'pass');
      assert.deepEqual([sayAfter, all, pass, failing, ...loads, only(model, 'setTimeout 1 ms')].map((task) => task.parent), Array(7).fill(main.id), build);
      // Its run, all inside the helper's `new Promise` executor, is no executor's: pass returned, and what main makes next is main's.
      assert.deepEqual(model.childrenOf(pass.id), [], build);
      assert.deepEqual(all.members, loads.map((load) => load.id), build);
      // Each waits where it awaited, for what it awaited, and runs again once that is done.
      assert.deepEqual(main.waits.map((wait) => wait.target), [pass.id, sayAfter.id, all.id, failing.id], build);
      assert.match(main.waits[1].site, at('sayAfter(30,'), build);
      assert.match(sayAfter.site, at('sayAfter(30,'), build);
      assert.match(loads[0].site, at('repo.load(id)'), build);
      for (const [task, timer] of [[sayAfter, 'setTimeout 30 ms'], [loads[0], 'setTimeout 10 ms'], [loads[1], 'setTimeout 20 ms'], [failing, 'setTimeout 5 ms']] as const) {
        assert.deepEqual(task.waits.map((wait) => model.tasks.get(wait.target)?.name), [timer], `${build}: ${task.name}`);
        assert.equal(task.runs.length, 4, `${build}: ${task.name} runs until its await, and after it`);
      }
      assert.deepEqual([main, sayAfter, pass, ...loads].map((task) => task.end?.state), Array(5).fill('resolved'), build);
      assert.deepEqual([failing.end?.state, failing.end?.message], ['rejected', 'Error: boom'], build);
      assert.match(failing.end!.site, at('new Error('), build);
    }
  });
  it('programs compiled for ES2016 (by esbuild, by tsc and by Babel, their async functions into generators) and for ES5 (by Babel, into regenerator\'s state machines) trace as their sources do: the same tasks, made by the same tasks, waiting for the same things, ending the same way', function () {
    this.timeout(240_000); // 83 traced runs
    const fixtures = ['sequential.js', 'concurrent.js', 'promise-all.js', 'rejected.js', 'quick-returns.js', 'first-run-branch.js', 'deep-call.js', 'then-chains.js', 'thenable.js', 'timeout-race.js', 'tcp.js', 'transform-timers.js', 'called-back.js', 'lines-then-call.js', 'dir-then-call.js', 'call-after-loop.js', 'loop-then-call.js', 'await-values.js', 'resolved-with-promise.js', 'return-given-promise.js', 'async-gen.js', 'async-gen-values.js', 'yield-queues.js', 'read-line.js', 'pipeline-generators.js'];
    const sources = new Map(fixtures.map((fixture) => [fixture, taskTree(traceFixture(fixture).model)]));
    for (const fixture of fixtures) {
      for (const compiler of ['esbuild', 'tsc'] as const) assert.deepEqual(taskTree(traceFixture(downleveled(fixture, compiler)).model), sources.get(fixture), `${compiler}: ${fixture}`);
    }
    // Babel's async generator helpers, which the project cannot run here: a build of async-gen.js.
    assert.deepEqual(taskTree(traceFixture('downleveled/babel-async-gen.js').model), sources.get('async-gen.js'), 'Babel: async-gen.js');
    // Babel for engines without generators either: regenerator's state machines (downleveled/README.md).
    for (const fixture of ['sequential.js', 'promise-all.js', 'then-chains.js', 'timeout-race.js', 'thenable.js', 'async-gen.js']) {
      assert.deepEqual(taskTree(traceFixture(`downleveled/babel-es5/${fixture}`).model), sources.get(fixture), `Babel for ES5: ${fixture}`);
    }
  });
  it('traces an ES-module TypeScript file (.mts)', () => assertSequentialShape('sequential.mts', 'main'));
  it('an ES-module TypeScript file\'s anonymous async functions are named as a JavaScript file\'s (read in its code as compiled on Node\'s loader thread)', () => {
    const { model, code } = traceFixture('callbacks.mts');
    assert.equal(code, 0);
    assert.deepEqual(callbackNames(model), CALLBACK_NAMES);
  });
  it('esbuild starting (some 80 ms, on Node\'s loader thread or in the program\'s own) is the runner\'s own work in an ES-module TypeScript script\'s run: no gap before it, no long block', () => {
    const { model } = traceFixture('sequential.mts');
    assert.deepEqual(model.longBlocks().map((b) => [model.tasks.get(b.task)?.name, b.end - b.start]), []);
    const transpile = only(model, 'transpile TypeScript (Tasklane)');
    assert.deepEqual([transpile.kind, transpile.internal, transpile.parent], ['tracer', true, 1]);
    assert.ok(transpile.runs[0] < only(model, 'main').created, 'it held the loop before the script\'s code ran');
    // Where hooks run in the program's thread (Node 22.15+), esbuild starts as the first module compiles, a run of its own.
    assert.ok(model.runningTime(transpile) > 10_000, `for ${model.runningTime(transpile)} µs`);
    assert.ok(model.tasks.get(1)!.runs[0] < transpile.runs[0] && transpile.runs[0] < 50_000, 'the script\'s run began first, as the trace did');
  });
  it('`await using` in TypeScript: the disposal is a method of its class, made at the `await using` line, not in esbuild\'s helpers', () => {
    const { model, stdout, code, stderr } = traceFixture('esnext/await-using.ts');
    assert.equal(code, 0);
    assert.equal(stdout, 'select 1\n');
    assert.equal(stderr.replace(/^tasklane: wrote .*\n/m, ''), '', 'no warning of the runner\'s (Node 26 deprecates module.register(), used before Node 22.15)');
    const load = only(model, 'load');
    const dispose = only(model, 'Connection.[Symbol.asyncDispose]');
    assert.equal(dispose.parent, load.id);
    // Made at the `await using` line where esbuild lowers it (its helpers map to none); where Node
    // runs it as written (V8 13.6+, Node 26), as the block is left at its `return`.
    assert.match(dispose.site, /esnext\/await-using\.ts:1[67]:\d+$/, 'the `await using` line or the return that leaves its block, not esbuild\'s helpers');
    // `return conn.query(…)` without await: the block is left, and the connection disposed, at once.
    assert.ok(dispose.created < only(model, 'Connection.query').end!.t, 'disposal began while the query ran');
  });
  it('standard decorators in TypeScript: a class field\'s async arrow is a method of its class, a decorator\'s anonymous wrapper is named as the program calls it', () => {
    const { model, stdout, code, stderr } = traceFixture('esnext/decorated.ts');
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'load done\nfresh item 1\n');
    const main = only(model, 'main');
    assert.equal(only(model, 'Store.refresh').parent, main.id, 'not esbuild\'s `__publicField callback`');
    const wrapper = only(model, 'load');
    assert.deepEqual([wrapper.parent, only(model, 'Store.load').parent], [main.id, wrapper.id], 'the wrapper, called as store.load, runs the method of the class it is written in');
  });
  it('TypeScript compiles with the project\'s tsconfig.json: legacy decorators (experimentalDecorators) work', () => {
    const { model, stdout, code, stderr } = traceFixture('ts-decorators/app.ts');
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'item 1 load(1)\n');
    const wrapper = only(model, 'logging');
    assert.equal(only(model, 'Store.load').parent, wrapper.id, 'the decorated method runs inside the decorator\'s wrapper');
    assert.equal(wrapper.parent, only(model, 'main').id);
  });
  for (const fixture of ['ts-paths/main.ts', 'ts-paths/main.mts']) {
    it(`TypeScript imports through the project's tsconfig.json aliases (paths and baseUrl it extends, JSON with comments): ${fixture}`, () => {
      const { model, stdout, code, stderr } = traceFixture(fixture);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'hello 5 6\n');
      const timerFiles = ['setTimeout 5 ms', 'setTimeout 6 ms'].map((name) => only(model, name).site.replace(/^.*ts-paths\//, '').replace(/:\d+:\d+$/, ''));
      assert.deepEqual(timerFiles, ['lib/clock.ts', 'lib/clock.ts']);
    });
  }
  for (const fixture of ['ts-imports/main.ts', 'ts-imports/main.mts']) {
    it(`TypeScript imports name TypeScript files by the .js names they compile to, statically and with import(): ${fixture}`, () => {
      const { model, stdout, code } = traceFixture(fixture);
      assert.equal(code, 0);
      assert.equal(stdout, '2 20\n');
      const timerSites = tasksNamed(model, 'setTimeout 5 ms').map((t) => t.site.replace(/^.*\//, ''));
      assert.deepEqual(timerSites, ['helper.ts:2:34', 'lazy.ts:2:34'], 'each made in its own .ts file');
      // Waiting for import() is for the import, not for whatever Node's loader did inside it.
      const waiter = [...model.tasks.values()].find((t) => t.waits.length === 3)!;
      assert.deepEqual(waiter.waits.map((w) => model.waitLabel(w)), ["import('./lazy.js')", 'helper', 'lazy']);
      // An ES module's imports go through the loader thread's hooks, over channels Node opens per
      // import: its own work, no tasks (they were MessagePort tasks left pending).
      assert.deepEqual([...model.tasks.values()].filter((t) => t.name === 'MessagePort').map((t) => t.id), []);
    });
  }
  it('a TypeScript script that does not parse fails as Node reports a JavaScript one: where, the line, a caret, SyntaxError', () => {
    const { model, stderr, stdout, code } = traceFixture('typescript-errors/broken.ts');
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const report = stderr.replace(/^tasklane: wrote .*\n/m, '');
    const file = path.join(FIXTURES, 'typescript-errors/broken.ts');
    assert.ok(report.startsWith(`${file}:2\nconst count: number = ;\n${' '.repeat(22)}^\n\nSyntaxError: Unexpected ";"\n`), report);
    assert.doesNotMatch(report, /esbuild|bootstrap/, 'nothing of the runner or esbuild');
    assert.deepEqual([model.exit?.reason, model.exit?.message], ['exception', 'SyntaxError: Unexpected ";"']);
  });
  it('a TypeScript script\'s stack names its file where it is, run from another folder', () => {
    const { model, stderr, code } = traceFixture('typescript-errors/throws.ts', { cwd: ROOT });
    assert.equal(code, 1);
    const file = path.join(FIXTURES, 'typescript-errors/throws.ts');
    assert.ok(stderr.includes(`    at explode (${file}:2:9)\n    at Object.<anonymous> (${file}:5:1)\n`), stderr);
    assert.deepEqual([model.exit?.message, model.exit?.site], ['Error: boom', `${file}:2:9`]);
  });
  it('import.meta in a TypeScript file run as CommonJS says where the file is, as in an ES module', () => {
    const { stdout, code } = traceFixture('import-meta.ts');
    assert.equal(code, 0);
    const file = path.join(FIXTURES, 'import-meta.ts');
    assert.equal(stdout, `${file}\n${file}\n${FIXTURES}\n`);
  });
  it('without esbuild, TypeScript runs with the project\'s own TypeScript compiler and its tsconfig.json (legacy decorators), as written (no ES5 generators)', () => {
    const { model, stdout, code, stderr } = traceOutsideRepo('src/main.ts', 'compiler');
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'calling\nhello world\n');
    const greet = only(model, /greet$/);
    assert.equal(greet.kind, 'async', 'an async function, not a generator ES5 would make of it');
    assert.equal(greet.parent, only(model, 'main').id);
    assert.deepEqual(greet.waits.map((w) => model.waitLabel(w)), ['setTimeout 20 ms']);
    assert.match(only(model, 'setTimeout 20 ms').site, /app\/src\/main\.ts:13:\d+$/, 'placed in the TypeScript source');
  });
  it('without esbuild, a script the TypeScript compiler cannot parse fails as Node reports a JavaScript one', () => {
    const { stderr, code } = traceOutsideRepo('src/broken.ts', 'compiler');
    assert.equal(code, 1);
    assert.match(stderr, /\/app\/src\/broken\.ts:2\nconst count: number = ;\n {22}\^\n\nSyntaxError: Expression expected\.\n/, stderr);
    assert.doesNotMatch(stderr, /bootstrap|transpileModule/, 'nothing of the runner or the compiler');
  });
  // Where Node strips types itself (the suites run under Node 22, 24 and 26 too) it runs the
  // script as it would untraced; elsewhere the script fails saying what to install.
  for (const typescript of ['none', 'typescript-7'] as const) {
    const without = typescript === 'none' ? 'with neither esbuild nor the TypeScript compiler' : 'with no esbuild and TypeScript 7 (a native compiler, no JavaScript API)';
    if (NODE_STRIPS_TYPES) {
      it(`${without}, Node's own type stripping runs the TypeScript, traced with sites at its lines`, () => {
        for (const script of ['src/erasable.ts', 'src/erasable.mts']) {
          const { model, stdout, code, stderr } = traceOutsideRepo(script, typescript);
          assert.equal(code, 0, stderr);
          assert.equal(stdout, 'hello world\n');
          assert.doesNotMatch(stderr, /Tasklane needs|transpileModule|readConfigFile/, stderr);
          const greet = only(model, 'greet');
          assert.equal(greet.parent, only(model, 'main').id);
          assert.deepEqual(greet.waits.map((w) => model.waitLabel(w)), ['setTimeout 20 ms']);
          assert.match(only(model, 'setTimeout 20 ms').site, new RegExp(`app/${script.replace('.', '\\.')}:7:\\d+$`), 'placed in the TypeScript source');
        }
      });
      it(`${without}, anonymous async functions are named in the code Node runs, its types blanked out, as a JavaScript file's are`, () => {
        const { model, code, stderr } = traceOutsideRepo('src/callbacks.mts', typescript);
        assert.equal(code, 0, stderr);
        assert.equal(stderr, '', 'no warning of Node\'s for the runner\'s stripping');
        assert.deepEqual(callbackNames(model), CALLBACK_NAMES);
      });
      // (Node 26 no longer has the flag.)
      if (process.allowedNodeEnvironmentFlags.has('--experimental-transform-types')) it(`${without}, with --experimental-transform-types, an async function is named in the code Node transformed (an enum and a namespace before it)`, () => {
        const { model, code, stderr } = traceOutsideRepo('src/transformed.mts', typescript, { ...process.env, NODE_OPTIONS: '--experimental-transform-types' });
        assert.equal(code, 0, stderr);
        assert.equal(only(model, 'setTimeout 2 ms').parent, only(model, 'async IIFE').id);
      });
    } else {
      it(`${without}, a TypeScript script fails with a message saying what to install`, () => {
        const { model, stderr, code } = traceOutsideRepo('src/main.ts', typescript);
        assert.equal(code, 1);
        const found = typescript === 'none' ? '' : ', and the typescript found, 7\\.0\\.2, has no JavaScript API to compile with \\(TypeScript 7 and later\\)';
        const install = typescript === 'none' ? 'one' : 'esbuild';
        assert.match(stderr, new RegExp(`^Error: Tasklane needs esbuild or typescript to run TypeScript \\(\\S*app/src/main\\.ts\\)${found}; install ${install} with "npm install --save-dev esbuild"\\.\\n`), stderr);
        assert.doesNotMatch(stderr, /bootstrap/, 'no stack of the runner\'s');
        assert.equal(model.exit?.reason, 'exception');
      });
    }
  }
  it('a TypeScript module that does not parse throws a SyntaxError its importer can catch', () => {
    const { stdout, code } = traceFixture('typescript-errors/requires-broken.ts');
    assert.equal(code, 0);
    assert.equal(stdout, 'caught SyntaxError: Unexpected ";"\n');
  });
  it('a dynamic import in an ES module\'s top-level code is a task named as the source writes it, import(\'node:path\'), and the module body goes on as the script', () => {
    const { model, stdout } = traceFixture('dynamic-import.mjs');
    assert.equal(stdout, 'done /\n');
    const script = model.tasks.get(1)!;
    const load = only(model, "import('node:path')");
    assert.equal(load.parent, script.id);
    assert.equal(only(model, 'done').parent, script.id, 'called by the module body, after the import');
    assert.equal(tasksNamed(model, 'step').length, 5);
    assert.deepEqual(tasksNamed(model, '(anonymous)'), []);
    const targets = script.waits.map((w) => w.target).slice(5);
    assert.deepEqual(targets, [load.id, only(model, 'done').id], 'the module body waits for the import, then for done');
    assert.equal(model.waitLabel(script.waits[5]), "import('node:path')", 'not the timer whose callback the import finished after');
  });
  it('a dynamic import inside an async function is one task, named by the module it loads, that the function waits for, not a second call of it', () => {
    const { model, stdout } = traceFixture('import-in-function.js');
    assert.equal(stdout, '/ function function\n');
    const main = only(model, 'main');
    const imports = [...model.tasks.values()].filter((t) => t.name.startsWith('import('));
    assert.deepEqual(imports.map((i) => i.name), ["import('node:path')", "import('node:os')", 'import()'], 'a module in a variable is not named');
    assert.ok(imports.every((i) => i.parent === main.id));
    assert.deepEqual(main.waits.map((w) => w.target), imports.map((i) => i.id));
  });
  it('traces a script in a "type": "module" package', () => {
    const { model, stdout } = traceFixture('esm-package/main.js');
    assert.equal(stdout, 'hello\nworld\n');
    assert.equal(tasksNamed(model, 'sayAfter').length, 2);
    assert.deepEqual(tasksNamed(model, 'sayAfter')[0].waits.map((w) => model.waitLabel(w)), ['setTimeout 50 ms']);
  });
});
