import * as assert from 'node:assert/strict';
import { only, runUntraced, startLive, tasksNamed, traceFixture, traceFixtureOrKill, until } from './helpers';
import { TraceModel } from '../../src/trace/model';
import type { Task } from '../../src/trace/task';

/** The task a worker thread's own run is: its file's name and its thread. */
function workerRoot(model: TraceModel, file: string): Task {
  return only(model, new RegExp(`^${file.replace(/[.[\]]/g, '\\$&')} \\(thread \\d+\\)$`));
}

/** Whether `task` descends from `ancestor`. */
function descends(model: TraceModel, task: Task, ancestor: Task): boolean {
  for (let t: Task | undefined = task; t; t = model.tasks.get(t.parent)) if (t === ancestor) return true;
  return false;
}

describe('Node runner: worker threads', () => {
  it('the program and each worker thread see the Node options they would see untraced, none of the runner\'s', () => {
    const { stdout } = traceFixture('worker-options.js');
    assert.equal(stdout, '[]\n[]\n');
  });

  it('a worker\'s tasks are in the trace under the `new Worker` that started it, on a loop of their own', () => {
    const { model, code, stdout } = traceFixture('workers/pool.js');
    assert.equal(code, 0);
    assert.equal(stdout, runUntraced('workers/pool.js').stdout, 'the program prints what it prints untraced');
    const worker = only(model, 'Worker');
    assert.equal(worker.parent, only(model, 'main').id);
    const root = workerRoot(model, 'pool.js');
    assert.equal(root.parent, worker.id, 'the worker\'s own run hangs under the Worker that started it');
    assert.equal(root.kind, 'script');
    assert.notEqual(root.thread, 0);
    const works = tasksNamed(model, 'work');
    assert.equal(works.length, 2);
    for (const work of works) {
      assert.ok(descends(model, work, root), 'each work call is the worker\'s');
      assert.equal(work.thread, root.thread);
      assert.equal(work.end?.state, 'resolved');
      assert.match(model.waitLabel(work.waits[0]), /^setTimeout (30|60) ms$/);
    }
    const answer = only(model, 'answer');
    assert.equal(answer.parent, root.id);
    assert.equal(model.waitLabel(answer.waits[0]), 'Promise.all ×2');
  });

  it('a worker holding its own loop is a long block of its thread, not of the main thread\'s', () => {
    // Over 250 ms: loading the program and starting the worker may hold the main thread 100 ms on two busy cores.
    const { model } = traceFixture('workers/pool.js', { cliArgs: ['--long-block-ms', '250'] });
    const root = workerRoot(model, 'pool.js');
    const answer = only(model, 'answer');
    const blocks = model.longBlocks();
    assert.deepEqual(blocks.map((b) => [b.task, b.thread]), [[answer.id, root.thread]], 'the 300 ms crunch, on the worker\'s loop');
    assert.ok(blocks[0].end - blocks[0].start >= 295_000);
    const workerTasks = new Set([...model.tasks.values()].filter((t) => t.thread !== 0).map((t) => t.id));
    for (let i = 2; i < model.loop.length; i += 3) assert.ok(!workerTasks.has(model.loop[i]), 'no worker task holds the main thread\'s loop');
    const workerLoop = model.threadLoops.get(root.thread) ?? [];
    assert.ok(workerLoop.length > 0);
    for (let i = 2; i < workerLoop.length; i += 3) assert.ok(workerTasks.has(workerLoop[i]), 'only the worker\'s tasks hold its loop');
  });

  it('what a worker did before the program terminated it is in the trace; its run, and its tasks that never finished, end there, cancelled', () => {
    const { model, code, stdout } = traceFixture('workers/terminated.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'terminated\n');
    const root = workerRoot(model, '[worker eval]');
    const worker = only(model, 'Worker');
    assert.equal(worker.end?.state, 'resolved', 'the worker ended when it was terminated');
    const terminated = { t: worker.end!.t, state: 'cancelled', message: 'terminated', site: '' };
    assert.deepEqual(root.end, terminated, 'its run ends there, cancelled');
    const forever = only(model, 'forever');
    assert.equal(forever.parent, root.id);
    assert.deepEqual(forever.end, terminated, 'it never finished: it ends with its thread, not pending to the end of the trace');
    const wait = forever.waits.at(-1)!;
    assert.match(wait.site, /^\[worker eval\]:6:\d+$/, 'at its await');
    assert.equal(wait.end, terminated.t, 'waiting until the thread ended');
    assert.deepEqual(only(model, 'setTimeout 10000 ms').end, terminated, 'the timer never fired');
    assert.ok(terminated.t < model.endTime);
  });

  it('a worker terminated soon after it replied shows its work ended, and its loop idle after, not cut short by the termination', () => {
    const { model, code, stdout } = traceFixture('workers/terminated-after-reply.js');
    assert.equal(code, 0);
    assert.equal(stdout, '42 42 42 42 42 42\n');
    const works = tasksNamed(model, 'work');
    const terminates = tasksNamed(model, 'Worker.terminate');
    assert.equal(works.length, 6);
    works.forEach((work, i) => {
      assert.equal(work.end?.state, 'resolved', 'it returned as it replied');
      const thread = model.tasks.get(work.parent)!;
      assert.equal(thread.end?.state, 'cancelled', 'the worker was terminated');
      assert.ok(work.runs.at(-1)! < terminates[i].created, 'its last run ended before the program terminated its worker');
    });
  });

  it('a worker that dies of an error ends rejected with it; the program goes on', () => {
    const { model, code, stdout } = traceFixture('workers/crash.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'main heard: worker failed\n');
    const root = workerRoot(model, 'crash.js');
    assert.equal(root.end?.state, 'rejected');
    assert.equal(root.end?.message, 'Error: worker failed');
    const fail = only(model, 'fail');
    assert.equal(fail.end?.state, 'rejected');
    assert.match(fail.end!.site, /crash\.js:7:\d+$/);
    assert.equal(model.tasks.get(1)?.end?.state, 'resolved', 'the main thread\'s script ended as it does');
  });

  it('busy workers terminated at random moments, some while sending their records, never leave the program hanging', async function () {
    this.timeout(60_000);
    const { model, code, stdout } = await traceFixtureOrKill('workers/terminate-busy.js', 45_000);
    assert.equal(code, 0, 'it ended by itself');
    assert.equal(stdout, 'all terminated\n');
    // (A worker that made over a megabyte of records since its last flush sends them itself, and
    // they are lost with it: not every worker's run is in the trace.)
    const roots = tasksNamed(model, /^terminate-busy\.js \(thread \d+\)$/);
    assert.ok(roots.length > 0);
    assert.ok(roots.every((r) => r.end?.state === 'cancelled'), 'each ended as terminated');
    for (const spin of tasksNamed(model, 'spin')) {
      assert.deepEqual(spin.end, model.tasks.get(spin.parent)!.end, 'spinning to the end, the end of its thread');
    }
  });

  it('workers whose own busy workers Node stops as they end, terminated or by process.exit(), never leave the program hanging', async function () {
    this.timeout(60_000);
    const { model, code, stdout } = await traceFixtureOrKill('workers/terminate-nested.js', 45_000);
    assert.equal(code, 0, 'it ended by itself');
    assert.equal(stdout, 'all ended\n');
    const roots = tasksNamed(model, /^terminate-nested\.js \(thread \d+\)$/);
    const startedByWorkers = roots.filter((root) => model.tasks.get(root.parent)!.thread !== 0);
    assert.ok(startedByWorkers.length > 0);
    for (const root of startedByWorkers) {
      const starter = roots.find((r) => r.thread === model.tasks.get(root.parent)!.thread)!;
      assert.deepEqual([root.end?.state, root.end?.t], ['cancelled', starter.end?.t], 'each ended with the worker that started it');
    }
  });

  it('workers started one after another are each traced under their own Worker, their jobs done', () => {
    const { model, code, stdout } = traceFixture('workers/many.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'sum 870\n');
    const workers = tasksNamed(model, 'Worker');
    const roots = tasksNamed(model, /^\[worker eval\] \(thread \d+\)$/);
    assert.equal(workers.length, 30);
    assert.deepEqual(roots.map((r) => r.parent).sort((a, b) => a - b), workers.map((w) => w.id).sort((a, b) => a - b), 'one worker run under each Worker');
    assert.equal(new Set(roots.map((r) => r.thread)).size, 30, 'each on a thread of its own');
    const jobs = tasksNamed(model, 'job');
    assert.equal(jobs.length, 30);
    for (const job of jobs) {
      assert.equal(job.end?.state, 'resolved');
      assert.ok(roots.some((r) => r.id === job.parent && r.thread === job.thread));
    }
  });

  for (const fixture of ['workers/typescript/main.ts', 'workers/typescript/main.mts']) {
    it(`a TypeScript program's worker may be a TypeScript file, traced like a JavaScript one: ${fixture}`, () => {
      const { model, code, stdout, stderr } = traceFixture(fixture);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'answer 42\n');
      const root = workerRoot(model, 'worker.ts');
      assert.equal(root.parent, only(model, 'Worker').id);
      const compute = only(model, 'compute');
      assert.equal(compute.parent, root.id);
      assert.equal(compute.thread, root.thread);
      assert.match(compute.site, /workers\/typescript\/worker\.ts:8:1$/, 'its site is in the TypeScript source');
      assert.deepEqual(compute.waits.map((w) => model.waitLabel(w)), ['setTimeout 20 ms']);
      assert.deepEqual(model.longBlocks().map((b) => [model.tasks.get(b.task)?.name, b.end - b.start]), [], 'esbuild starting in either thread is no block of the program\'s');
      assert.equal(model.childrenOf(root.id).filter((t) => t.name === 'transpile TypeScript (Tasklane)' && t.internal).length, 1, 'the worker\'s TypeScript loader starting is the runner\'s own work');
    });
  }

  it('a TypeScript program\'s JavaScript worker starts as Node starts it, without the TypeScript loader', () => {
    const { model, code, stdout } = traceFixture('workers/typescript/js-worker.ts');
    assert.equal(code, 0);
    assert.equal(stdout, '.ts loader in the worker: undefined\n');
    assert.equal(workerRoot(model, 'plain.js').parent, only(model, 'Worker').id);
  });

  it('a worker that never yields is seen holding its loop while it runs (the flusher thread sends its records)', async () => {
    const model = new TraceModel();
    const run = startLive('workers/spin.js', model);
    try {
      const spinning = (): boolean => {
        const spinner = tasksNamed(model, 'spinForever')[0];
        return spinner !== undefined && spinner.runs.length >= 4 && Number.isNaN(spinner.runs.at(-1)!);
      };
      await until('the worker\'s spinForever to be seen running again after its sleep', spinning, 10_000);
      assert.equal(run.child.exitCode, null, 'seen while the program runs');
      const spinner = only(model, 'spinForever');
      assert.notEqual(spinner.thread, 0);
      assert.equal(model.threadLoops.get(spinner.thread)?.at(-1), spinner.id, 'it holds the worker\'s loop');
      assert.notEqual(model.loopHolder, spinner.id, 'not the main thread\'s');
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
