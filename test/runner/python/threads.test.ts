import * as assert from 'node:assert/strict';
import { lineOf, only, siteLine, tasksNamed } from '../helpers';
import { forEachPython, py } from './pythons';

forEachPython('executors, threads and loops', ({ trace }) => {
  it('a task awaiting run_in_executor or to_thread waits for the function it runs, and one awaiting shield for the task shielded', () => {
    const { model } = trace(py('threads/executor_shield.py'));
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['run_in_executor sleep', 'to_thread crunch', 'guarded']);
    assert.equal(main.waits[2].target, only(model, 'guarded').id);
  });

  it('each run_in_executor or to_thread call is a task of the one that made it, until its function returns; gather joins them', () => {
    const { model, stdout } = trace(py('threads/executor_calls.py'));
    assert.equal(stdout, '[0.05, 0.1, 0.15]\n');
    const main = only(model, 'main');
    const naps = tasksNamed(model, 'run_in_executor nap').sort((a, b) => a.created - b.created);
    assert.deepEqual(naps.map((t) => [t.kind, t.parent, t.end?.state]), [['io', main.id, 'resolved'], ['io', main.id, 'resolved'], ['io', main.id, 'resolved']]);
    assert.match(naps[0].site, /executor_calls\.py:17:1$/);
    naps.forEach((t, i) => {
      const ms = (t.end!.t - t.created) / 1000;
      assert.ok(ms >= 45 * (i + 1), `the ${(i + 1) * 50} ms nap lasted ${ms} ms`);
    });
    const gather = only(model, 'gather ×3');
    assert.deepEqual([...gather.members].sort(), naps.map((t) => t.id).sort(), 'the gather joins the three calls');
    const broken = only(model, 'run_in_executor broken');
    assert.deepEqual([broken.end?.state, broken.end?.message], ['rejected', 'ValueError: no disk']);
    assert.match(broken.end!.site, /executor_calls\.py:12:1$/, 'raised in the function, in its thread');
    const thread = only(model, 'to_thread nap');
    assert.deepEqual([thread.parent, thread.end?.state], [main.id, 'resolved']);
    assert.deepEqual(main.waits.slice(1).map((w) => w.target), [broken.id, thread.id], 'main waits for each call');
  });

  it('a thread pool\'s submit() in a task is a task of that task until its function returns, which a wait for its future through wrap_future is for; gather joins them, one done before it was wrapped too', () => {
    const { model, stdout } = trace(py('threads/pool_submit.py'));
    assert.equal(stdout, '0.05 [0.05, 0.1] 0\n');
    const main = only(model, 'main');
    const naps = tasksNamed(model, 'submit nap').sort((a, b) => a.created - b.created);
    assert.deepEqual(naps.map((t) => [t.kind, t.parent, t.end?.state]), Array(3).fill(['io', main.id, 'resolved']), 'not the submit before any task');
    assert.deepEqual(naps.map((t) => siteLine(t.site)), [lineOf(py('threads/pool_submit.py'), 'first = '), ...Array(2).fill(lineOf(py('threads/pool_submit.py'), 'futures = '))]);
    const broken = only(model, 'submit broken');
    assert.deepEqual([broken.end?.state, broken.end?.message], ['rejected', 'ValueError: no disk']);
    const gather = only(model, 'gather ×2');
    assert.deepEqual(gather.members, naps.slice(1).map((t) => t.id), 'the gather joins the two calls');
    const runInExecutor = tasksNamed(model, 'run_in_executor nap');
    assert.equal(runInExecutor.length, 2);
    assert.deepEqual([...model.tasks.values()].filter((t) => t.name.startsWith('submit') && t.name !== 'submit nap' && t.name !== 'submit broken').map((t) => t.name), [], 'run_in_executor on a pool with a submit() of its own is one call');
    // The early future, done, is awaited with no wait at all from 3.14, with one for no task before.
    assert.deepEqual(main.waits.slice(0, 5).map((w) => w.target), [naps[0].id, gather.id, broken.id, ...runInExecutor.map((t) => t.id)]);
    assert.equal(model.waitLabel(main.waits[0]), 'submit nap', 'not concurrent.futures.Future');
  });

  it('a process pool\'s submit() in a task is a task of that task until its function has returned in its process, which a wait for its future through wrap_future is for (through a subclass\'s submit() too); one that raised ends where its worker raised', () => {
    const fixture = py('threads/process_pool_submit.py');
    const { model, stdout } = trace(fixture);
    assert.equal(stdout, '9 17 37 4\n');
    const main = only(model, 'main');
    const squares = tasksNamed(model, 'submit square').sort((a, b) => a.created - b.created);
    assert.deepEqual(squares.map((t) => [t.kind, t.parent, t.end?.state]), Array(3).fill(['io', main.id, 'resolved']), 'not the submit before any task');
    // The subclass's submit() is where its caller called it, in main.
    assert.deepEqual(squares.map((t) => siteLine(t.site)), [lineOf(fixture, 'first = '), lineOf(fixture, 'other = '), lineOf(fixture, 'other += ')]);
    // The worker's traceback, sent as the error's cause, is where it was raised, not why.
    const broken = only(model, 'submit broken');
    assert.deepEqual([broken.end?.state, broken.end?.message, broken.end?.site.replace(/^.*\//, '')], ['rejected', 'ValueError: no disk', `process_pool_submit.py:${lineOf(fixture, 'raise ValueError')}:1`]);
    const runInExecutor = tasksNamed(model, 'run_in_executor square');
    assert.equal(runInExecutor.length, 2, 'run_in_executor on a pool with a submit() of its own is one call');
    // Each wait for a call's future leads to it, in the order of the calls. (From 3.14 a future done
    // before wrap_future has it is awaited with no wait: a warm pool may be that quick, but not
    // the first call, which starts the pool.)
    const calls = [squares[0], squares[1], broken, runInExecutor[0], squares[2], runInExecutor[1]];
    const callWaits = main.waits.filter((w) => calls.some((t) => t.id === w.target));
    assert.equal(callWaits[0].target, squares[0].id);
    assert.deepEqual(callWaits.map((w) => w.target), calls.filter((t) => callWaits.some((w) => w.target === t.id)).map((t) => t.id));
    assert.deepEqual(callWaits.map((w) => model.waitLabel(w)), callWaits.map((w) => model.tasks.get(w.target)!.name), 'not concurrent.futures.Future');
  });

  it('a coroutine sent to another thread\'s loop with run_coroutine_threadsafe is a task made by its caller, which waits for it', () => {
    const { model, stdout } = trace(py('threads/threadsafe.py'));
    assert.equal(stdout, '190\n');
    const main = only(model, 'main');
    const job = only(model, 'background_job');
    assert.deepEqual([job.kind, job.parent], ['async', main.id]);
    assert.match(job.site, /threadsafe\.py:19:\d+$/, 'where main handed it over');
    assert.equal(job.end?.state, 'resolved');
    assert.deepEqual(main.waits.map((w) => [model.waitLabel(w), w.target]), [['background_job', job.id]]);
  });

  it('coroutines a pool thread\'s function (to_thread\'s) hands to the loop are tasks of that call, made where it handed them over', () => {
    const { model, stdout } = trace(py('threads/from_pool_thread.py'));
    assert.equal(stdout, '[0, 2, 4]\n');
    const producer = only(model, 'to_thread producer');
    assert.equal(producer.parent, only(model, 'main').id);
    const jobs = tasksNamed(model, 'job');
    assert.equal(jobs.length, 3);
    for (const job of jobs) {
      assert.equal(job.parent, producer.id, 'not main, whose step the loop ran last');
      assert.match(job.site, /from_pool_thread\.py:12:\d+$/);
      assert.equal(job.end?.state, 'resolved');
    }
  });

  it('tasks made in loop callbacks (call_soon\'s, call_later\'s, a done callback\'s) are children of the task that scheduled the callback; one made in a signal handler, of the signal, which that task added', () => {
    const { model, stdout } = trace(py('callbacks/made_in_callbacks.py'));
    assert.equal(stdout, "['after_worker', 'later', 'on_signal', 'soon']\n");
    const scheduler = only(model, 'scheduler');
    const signal = only(model, 'signal SIGUSR1');
    assert.equal(signal.parent, scheduler.id);
    for (const [name, parent] of [['soon', scheduler], ['later', scheduler], ['after_worker', scheduler], ['on_signal', signal]] as const) {
      const task = only(model, name);
      assert.equal(task.parent, parent.id, `${name}: not the script's, nor main's, whose step runs when the signal comes`);
      assert.equal(task.end?.state, 'resolved');
    }
  });

  it('loops running at once in threads of their own: each task is made by the task whose step made it', () => {
    const { model, stdout } = trace(py('threads/two_loops.py'));
    assert.equal(stdout, "['a', 'b']\n");
    const script = only(model, 'two_loops.py');
    const [a, b] = [only(model, 'loop_a'), only(model, 'loop_b')];
    assert.deepEqual([a.parent, b.parent], [script.id, script.id], 'asyncio.run made each in its own thread');
    assert.equal(only(model, 'child_of_b').parent, b.id, 'made by loop_b while loop_a\'s step was under way');
    assert.equal(only(model, 'child_of_a').parent, a.id, 'made by loop_a after loop_b\'s step ended');
  });

  it('loops running at once in two threads are each on a lane of their own: a task holding one does not end the run of the other\'s', () => {
    const { model, stdout } = trace(py('threads/busy_loops.py'));
    assert.equal(stdout, 'thread got [1, 2]\nmain got [1, 2]\n');
    const works = tasksNamed(model, 'work');
    assert.equal(works.length, 4);
    const [mine, theirs] = [works.filter((w) => w.thread === 0), works.filter((w) => w.thread !== 0)];
    assert.equal(mine.length, 2);
    assert.equal(theirs.length, 2);
    assert.equal(new Set(theirs.map((w) => w.thread)).size, 1, 'both on the thread\'s loop');
    assert.equal(tasksNamed(model, 'both').find((t) => t.kind === 'async')?.thread, theirs[0].thread, 'with the task asyncio.run made there');
    for (const work of works) {
      const ran = model.runningTime(work);
      assert.ok(ran >= 59_000 && ran < 80_000, `${work.name} #${work.id} held its loop 60 ms: ${ran} µs`);
    }
    const blocks = model.longBlocks();
    assert.deepEqual(blocks.map((b) => b.thread).sort(), [0, 0, theirs[0].thread, theirs[0].thread], 'two 60 ms blocks on each loop');
    assert.deepEqual([...model.threadLoops.keys()], [theirs[0].thread]);
  });

  it('traces a hand-managed loop and several loops one after another, and the script\'s own code between them', () => {
    const { model, stdout } = trace(py('manual_loop.py'));
    assert.equal(stdout, 'first loop\nsecond loop\nasyncio.run\n');
    const jobs = tasksNamed(model, 'job');
    assert.equal(jobs.length, 3);
    assert.ok(jobs.every((j) => j.end?.state === 'resolved'));
    assert.ok(jobs[1].created >= jobs[0].end!.t && jobs[2].created >= jobs[1].end!.t);
    // Once a loop has stopped, the script runs on: its 100 ms between the loops hold the thread.
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    const blocks = model.longBlocks();
    assert.deepEqual(blocks.map((b) => model.tasks.get(b.task)?.name), [script.name]);
    assert.ok(blocks[0].start >= jobs[1].end!.t && blocks[0].end <= jobs[2].runs[0], `${blocks[0].start}–${blocks[0].end} µs`);
    assert.ok(blocks[0].end - blocks[0].start >= 95_000);
    // Each loop's run is a wait of the script's for the job it runs until complete, at its line.
    const forJobs = script.waits.filter((w) => jobs.some((j) => j.id === w.target));
    const lines = ['print(loop.run_until_complete(job("first loop"', 'print(loop.run_until_complete(job("second loop"', 'print(asyncio.run('].map((text) => `manual_loop.py:${lineOf(py('manual_loop.py'), text)}:1`);
    assert.deepEqual(forJobs.map((w) => [w.target, w.site.replace(/^.*\//, '')]), jobs.map((j, i) => [j.id, lines[i]]));
    assert.ok(forJobs[1].end <= blocks[0].start && blocks[0].end <= forJobs[2].start, 'the script waits in neither loop during its 100 ms');
  });

  it('a loop run until a gather made outside any task is complete is a wait of the script\'s for that gather, a combinator of its jobs', () => {
    const { model, stdout } = trace(py('gather_until_complete.py'));
    assert.equal(stdout, "['slow', 'quick']\n");
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    const gather = only(model, 'gather ×2');
    assert.deepEqual([gather.kind, gather.parent, gather.site.replace(/^.*\//, '')], ['combinator', script.id, `gather_until_complete.py:${lineOf(py('gather_until_complete.py'), 'run_until_complete(')}:1`]);
    assert.deepEqual(gather.members, tasksNamed(model, 'job').map((j) => j.id));
    assert.equal(gather.end?.state, 'resolved');
    assert.deepEqual(script.waits.map((w) => w.target), [gather.id]);
  });
});
