import * as assert from 'node:assert/strict';
import { lineOf, only, runUntraced, tasksNamed, traceFixture, traceFixtureWith } from './helpers';
import type { Task } from '../../src/trace/task';

describe('Node runner: errors, the loop and how tasks end', () => {
  it('ends a rejected task rejected, with its message and where it was thrown', () => {
    const { model, stdout } = traceFixture('rejected.js');
    assert.equal(stdout, 'caught: disk on fire\n');
    const failing = only(model, 'failLater');
    assert.equal(failing.end?.state, 'rejected');
    assert.equal(failing.end?.message, 'Error: disk on fire');
    assert.match(failing.end!.site, /rejected\.js:4:\d+$/);
    assert.equal(only(model, 'main').end?.state, 'resolved');
  });

  it('async functions that eval and new Function made are tasks, created where the program calls them', () => {
    const { model, stdout } = traceFixture('eval-functions.js');
    assert.equal(stdout, '4 5\n');
    const main = only(model, 'main');
    for (const [name, text] of [['generated', 'fromFunction(2)'], ['evaluated', 'fromEval(doubled)']]) {
      const task = only(model, name);
      assert.deepEqual([task.kind, task.parent, task.end?.state], ['async', main.id, 'resolved'], name);
      assert.match(task.site, new RegExp(`eval-functions\\.js:${lineOf('eval-functions.js', text)}:\\d+$`), name);
      assert.deepEqual(model.childrenOf(task.id).map((t) => t.name), ['setTimeout 5 ms'], `${name}'s sleep is its own`);
    }
  });

  it('a program whose Error.prepareStackTrace throws runs as untraced: a rejection it catches ends its task rejected, and its crash is in the trace', () => {
    const caught = traceFixture('prepare-stack-throws.js');
    assert.equal(caught.stdout, runUntraced('prepare-stack-throws.js').stdout, 'the tracer reading the error did not throw into the program');
    assert.equal(caught.code, 0);
    assert.equal(only(caught.model, 'fail').end?.state, 'rejected');
    assert.equal(only(caught.model, 'main').end?.state, 'resolved');
    const crashed = traceFixture('prepare-stack-throws.js', { args: ['crash'] });
    assert.equal(crashed.code, 1);
    assert.deepEqual([crashed.model.exit?.reason, crashed.model.exit?.message], ['exception', 'RangeError: out of range'], 'its error by name and message, its stack unreadable');
    assert.equal(only(crashed.model, 'main').end?.state, 'resolved', 'what it did before is there');
  });

  it('a program that throws a Proxy whose traps all throw runs as untraced, and its crash is in the trace', () => {
    const untraced = runUntraced('proxy-error.js');
    const { model, stdout, stderr, code } = traceFixture('proxy-error.js');
    assert.deepEqual([stdout, code], [untraced.stdout, untraced.code]);
    assert.equal(stdout, 'caught\n');
    assert.equal(stderr.replace(/^tasklane: wrote .*\n/m, ''), untraced.stderr, 'Node reports it as untraced');
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exception', 1], 'the runner reported the crash itself');
    assert.equal(tasksNamed(model, 'work').length, 2);
  });

  it('an error Node shows without a stack (Promise.any\'s, one made with stacks off) ends its task with its message, and Promise.any\'s with the errors it groups', () => {
    const { model, stdout } = traceFixture('rejected-reasons.js');
    assert.equal(stdout, 'caught: All promises were rejected\ncaught: quota exceeded\n');
    const ends = (name: string) => [only(model, name).end?.state, only(model, name).end?.message];
    assert.deepEqual(ends('Promise.any ×2'), ['rejected', 'AggregateError: All promises were rejected [Error: first; Error: second]']);
    assert.deepEqual(ends('anyOf'), ['rejected', 'AggregateError: All promises were rejected [Error: first; Error: second]']);
    assert.deepEqual(ends('coded'), ['rejected', 'Error: quota exceeded']);
  });

  it('a rejection\'s cause is in its end message, as Node prints it below the error: fetch\'s refused connection, a chain, an abort\'s reason, a crash\'s', () => {
    const { model, stdout, code } = traceFixture('rejected-causes.js');
    assert.equal(stdout, 'caught: fetch failed\ncaught: save failed\ncaught: retry loop\ncaught: guarded\ncaught: The operation was aborted\ncaught: The operation was aborted\n', 'the cause behind a getter was not read');
    assert.equal(code, 1);
    const ends = (name: string) => [only(model, name).end?.state, only(model, name).end?.message];
    assert.match(only(model, 'download').end!.message, /^TypeError: fetch failed \(caused by Error: connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
    assert.deepEqual(ends('save'), ['rejected', 'Error: save failed (caused by Error: disk full; caused by quota of 12 GB)']);
    assert.deepEqual(ends('loop'), ['rejected', 'Error: retry loop'], 'an error that is its own cause');
    assert.deepEqual(ends('guarded'), ['rejected', 'Error: guarded']);
    // An abort's own AbortError is no cause worth telling; the reason the program gave is.
    assert.deepEqual(ends('setTimeout 1000 ms'), ['cancelled', 'AbortError: The operation was aborted']);
    assert.deepEqual(ends('setTimeout 2000 ms'), ['cancelled', 'AbortError: The operation was aborted (caused by Error: user left)']);
    assert.deepEqual([model.exit?.reason, model.exit?.message], ['exception', 'Error: boot failed (caused by RangeError: port out of range)']);
  });

  it('flags a 100 ms busy loop as a long block held by its task', () => {
    const { model } = traceFixture('busy-loop.js');
    const blocker = only(model, 'blocker');
    const [block] = model.longBlocks();
    assert.ok(block, 'a long block was found');
    assert.equal(block.task, blocker.id);
    assert.ok(block.end - block.start >= 95_000, `block lasted ${block.end - block.start} µs`);
  });

  it('a loop left idle is idle on the timeline, though the callback that ends the wait first names its socket', async () => {
    // No flush in the wait, which would write the idle run itself: the first callback after it must.
    const model = await traceFixtureWith('late-first-read.js', { flushMs: 60_000 });
    const socket = only(model, /^TCP socket 127\.0\.0\.1:\d+$/);
    assert.ok(socket.runs.length > 0, 'the server\'s socket ran when the data came');
    const server = only(model, /^TCP server /);
    // The server's last run before the read (its accept) ended when it did, not when the read came.
    const endsBefore = server.runs.filter((_, i) => i % 2 === 1 && server.runs[i - 1] < socket.runs[0]);
    const lastRun = endsBefore[endsBefore.length - 1];
    assert.ok(lastRun <= socket.runs[0] - 250_000, `the server's accept ran until ${lastRun / 1000} ms, its socket's read at ${socket.runs[0] / 1000} ms`);
    // (Spawning the client may itself hold the loop past 50 ms on a loaded machine: not that.)
    assert.deepEqual(model.longBlocks().filter((b) => b.end - b.start > 250_000), [], 'the loop sat idle for the 300 ms the client waited');
  });

  it('a loop left idle stays idle on the timeline when a flush in the wait notices a cleared timer', async () => {
    // The flush lands about 250 ms into the wait and ends the cleared timer then.
    const model = await traceFixtureWith('cleared-then-idle.js', { flushMs: 250 });
    assert.equal(only(model, 'setTimeout 10000 ms').end?.state, 'cancelled');
    const script = model.tasks.get(1)!;
    const ranUntilMs = script.runs[script.runs.length - 1] / 1000;
    assert.ok(ranUntilMs < 100, `the script's own run lasted until ${ranUntilMs} ms`);
    assert.deepEqual(model.longBlocks(), [], 'the loop sat idle for the 600 ms timer');
  });

  it('ends an interval cleared in its own tick, and sockets closed, as their last callbacks return', async () => {
    // No flush until the end, which would otherwise end them when it looked (up to 300 ms later).
    const model = await traceFixtureWith('handle-ends.js', { flushMs: 60_000 });
    const interval = only(model, 'setInterval 20 ms');
    assert.equal(interval.end?.state, 'resolved');
    assert.equal(interval.end?.message, 'cleared');
    assert.equal(interval.runs.length, 6, 'three ticks');
    assert.ok(Math.abs(interval.end!.t - interval.runs[5]) < 500, `ended at ${interval.end!.t / 1000} ms, its third tick returned at ${interval.runs[5] / 1000} ms`);
    const sockets = [...model.tasks.values()].filter((t) => t.name.startsWith('TCP socket'));
    assert.equal(sockets.length, 2, 'the client\'s socket and the one the server accepted');
    for (const socket of sockets) {
      const lastRunEnd = socket.runs[socket.runs.length - 1];
      assert.equal(socket.end?.message, 'closed');
      // Its 'close' listeners run in its close callback: part of its life, not after its end.
      assert.ok(socket.end!.t >= lastRunEnd && socket.end!.t - lastRunEnd < 2000, `${socket.name} ended at ${socket.end!.t / 1000} ms, last ran until ${lastRunEnd / 1000} ms`);
    }
    // A socket's destroy opens process.stderr (Node's own stdio, as console.log's first use does): no task.
    assert.deepEqual([...model.tasks.values()].filter((t) => /pipe|tty/i.test(t.name)).map((t) => t.name), []);
  });

  it('a timer its maker clears (a timeout raced against the work) ends as it is cleared', async () => {
    // No flush until the end: the end comes from the clear, not from the flusher looking.
    const model = await traceFixtureWith('timeout-race.js', { flushMs: 60_000 });
    const timeout = only(model, 'setTimeout 1000 ms');
    assert.equal(timeout.end?.state, 'cancelled');
    assert.equal(timeout.end?.message, 'cleared before it fired');
    const next = only(model, 'setTimeout 50 ms');
    assert.ok(timeout.end!.t <= next.created, `ended at ${timeout.end!.t / 1000} ms, after main went on at ${next.created / 1000} ms`);
  });

  it('a timer another task clears (a watchdog) ends as the run that cleared it returns', async () => {
    // No flush until the end: the end comes from the clear, not from the flusher looking.
    const model = await traceFixtureWith('cleared-by-another.js', { flushMs: 60_000 });
    const watchdog = only(model, 'setTimeout 5000 ms');
    assert.equal(watchdog.parent, only(model, 'arm').id);
    assert.equal(watchdog.end?.message, 'cleared before it fired');
    const work = only(model, 'work');
    const next = only(model, 'setTimeout 100 ms');
    // The run of work's in which it cleared the watchdog (and set the next timer).
    const run = work.runs.findIndex((t, i) => i % 2 === 0 && t <= next.created && next.created <= work.runs[i + 1]);
    assert.ok(run >= 0);
    assert.ok(watchdog.end!.t >= work.runs[run] && watchdog.end!.t <= work.runs[run + 1], `ended at ${watchdog.end!.t / 1000} ms, work cleared it in its run ${work.runs[run] / 1000}–${work.runs[run + 1] / 1000} ms`);
  });

  it('node:test run in-process: each test is a task named after it, its function under it, under its suite, ending as it ends, failed ones rejected', async () => {
    // No flush until the end: each test ends as node:test finishes it, not when the flusher looks.
    const model = await traceFixtureWith('node-test.js', { flushMs: 60_000, exitCode: 1 });
    const suite = only(model, 'suite math');
    assert.equal(only(model, 'test sums').parent, suite.id);
    const bodyOf = (test: Task): Task => {
      const bodies = [...model.tasks.values()].filter((t) => t.parent === test.id && t.kind === 'async');
      assert.deepEqual(bodies.map((t) => t.name), [test.name.replace(/^test /, '')], `${test.name} runs one test function, named after it`);
      return bodies[0];
    };
    for (const name of ['test adds', 'test sums', 'test inner', 'test waits', 'test fails']) {
      const test = only(model, name);
      assert.ok(test.end!.t >= bodyOf(test).end!.t, `${name} ended at ${test.end!.t / 1000} ms, its function at ${bodyOf(test).end!.t / 1000} ms`);
    }
    // Each ends as node:test finishes it, before it runs the next test's function (not at the next
    // flush, or at the exit); a subtest before the test around it.
    const inOrder = ['test adds', 'test sums', 'test inner', 'test fails'].map((name) => only(model, name));
    inOrder.slice(0, -1).forEach((test, i) => assert.ok(test.end!.t <= bodyOf(inOrder[i + 1]).created, `${test.name} ended at ${test.end!.t / 1000} ms, ${inOrder[i + 1].name} began at ${bodyOf(inOrder[i + 1]).created / 1000} ms`));
    assert.ok(only(model, 'test inner').end!.t <= only(model, 'test waits').end!.t);
    assert.equal(only(model, 'test inner').parent, bodyOf(only(model, 'test waits')).id, 't.test() inside a test');
    // Awaiting t.test() waits for that test, not for node:test's promise (a task of Node's own).
    const name = (id: number): string | undefined => model.tasks.get(id)?.name;
    assert.deepEqual(bodyOf(only(model, 'test waits')).waits.map((w) => name(w.target)), ['test inner', 'Promise.all']);
    assert.deepEqual(only(model, 'Promise.all ×2').members.map(name), ['test left', 'test right']);
    assert.deepEqual([only(model, 'test adds').end?.state, only(model, 'test fails').end?.state, only(model, 'test fails').end?.message], ['resolved', 'rejected', 'nope']);
    // A hook is named by its kind, and ends as its suite does (node:test never ends it itself).
    const hook = only(model, 'hook beforeEach');
    assert.deepEqual([hook.parent, hook.end?.state, hook.end?.t], [suite.id, 'resolved', suite.end?.t]);
    assert.deepEqual([...model.tasks.values()].filter((t) => t.parent === hook.id && t.kind === 'async').map((t) => t.name), ['beforeEach'], 'its function, named after it');
    // node:test's own resources (its reporters, the calls' promises) are no tasks of the script, and none is left pending.
    const shown = [...model.tasks.values()].filter((t) => !t.internal);
    assert.deepEqual(shown.filter((t) => !t.end).map((t) => t.name), []);
    assert.deepEqual(shown.filter((t) => /^Test|test_runner/.test(t.name)).map((t) => t.name), []);
  });

  it('node:test\'s tests awaited at an ES module\'s top level: each is the script\'s, shown, and what the script waits for', async () => {
    const model = await traceFixtureWith('node-test-awaited.mjs', { flushMs: 60_000 });
    const tests = ['test first', 'test second'].map((name) => only(model, name));
    assert.deepEqual(tests.map((t) => [t.parent, t.internal, t.end?.state]), [[1, false, 'resolved'], [1, false, 'resolved']], 'the first made inside the call that starts node:test\'s run too');
    assert.deepEqual(model.tasks.get(1)!.waits.map((w) => w.target), tests.map((t) => t.id), 'not node:test\'s promises, Node\'s own');
  });

  it('honours the long-block threshold option', () => {
    const { model } = traceFixture('busy-loop.js', { cliArgs: ['--long-block-ms', '500'] });
    assert.deepEqual(model.longBlocks(), []);
  });
});
