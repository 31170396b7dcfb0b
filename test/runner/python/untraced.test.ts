import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describeRun } from '../../../src/panel/panelState';
import { formatSummary } from '../../../src/trace/summary';
import { FIXTURES, only, ROOT, tasksNamed, tempTrace, traceFixtureOrKill } from '../helpers';
import { forEachPython, py } from './pythons';

forEachPython('what the program sees is as untraced', ({ python, trace }) => {
  it('a forked child runs untraced: the trace stays the parent\'s, whole, and stderr gains no warning', () => {
    const { model, stdout, stderr, code } = trace(py('fork.py'));
    assert.equal(code, 0);
    assert.equal(stdout, 'child exited with 0\n');
    assert.doesNotMatch(stderr, /DeprecationWarning|corrupt/, stderr);
    assert.equal(model.exit?.reason, 'exit');
    assert.equal(model.endState(only(model, 'main')), 'resolved', 'the parent went on being traced after the fork');
    assert.equal(only(model, 'main').waits.length, 2, 'both sleeps of the parent');
    assert.deepEqual(tasksNamed(model, 'child_work'), [], 'nothing of the child');
  });

  it('asyncio\'s reports of an exception never retrieved and of a failing callback are printed as untraced', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('never_retrieved.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { stdout, stderr, model } = trace(py('never_retrieved.py'));
    const normal = (text: string): string => text.replace(/^tasklane: wrote .*\n/m, '').replace(/0x[0-9a-f]+/g, '0x…');
    assert.equal(stdout, plain.stdout);
    assert.match(plain.stderr, /Task exception was never retrieved/);
    assert.equal(normal(stderr), normal(plain.stderr));
    assert.equal(only(model, 'boom').end?.message, 'RuntimeError: never retrieved', 'the trace still has the task\'s error');
  });

  it('what a returned coroutine span held is let go of in its task\'s context, outside the tracer\'s lock: a finalizer making a task neither hangs the program nor loses the task\'s context', async () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('span_finalizer.py'))], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(plain.stdout, 'released in r1\nreleased in r2\nreported r1\nreported r2\n');
    const { stdout, code, model } = await traceFixtureOrKill(py('span_finalizer.py'), 20_000, { env: { ...process.env, TASKLANE_PYTHON: python.command } });
    assert.equal(code, 0, 'it ran to its end');
    assert.equal(stdout, plain.stdout);
    const handlers = tasksNamed(model, 'handle');
    assert.deepEqual(tasksNamed(model, 'report').map((t) => t.parent), handlers.map((t) => t.id), 'each made in the context of the task whose query let go of the connection');
  });

  it('pending tasks the program drops are garbage-collected as untraced, and asyncio reports each as destroyed', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('dropped_tasks.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { stdout, stderr, model } = trace(py('dropped_tasks.py'));
    assert.equal(plain.stdout, 'collected: [True, True]\n');
    assert.equal(stdout, plain.stdout, 'the tracer keeps neither task alive (one waits inside a coroutine span)');
    assert.equal(stderr.match(/Task was destroyed but it is pending!/g)?.length, 2, stderr);
    for (const name of ['lost', 'lost deeper']) {
      const task = only(model, name);
      assert.equal(model.endState(task), 'rejected', `${name} ends where it was collected`);
      assert.equal(task.end?.message, 'Task was destroyed but it is pending!');
      assert.ok(task.end!.t < only(model, 'main').end!.t, 'before main ends');
    }
    const span = tasksNamed(model, 'inner');
    assert.equal(span.length, 1, 'the coroutine it waited in is a span');
    assert.equal(span[0].end?.message, 'Task was destroyed but it is pending!', 'and ends with it');
  });

  it('a dropped task collected while a record is being written ends all the same, written by the flusher', () => {
    const { stdout, stderr, model } = trace(py('dropped_in_record.py'));
    assert.equal(stdout, 'done\n', stderr);
    assert.match(stderr, /Task was destroyed but it is pending!/);
    const lost = only(model, 'lost in a record');
    assert.equal(lost.end?.message, 'Task was destroyed but it is pending!');
    assert.ok(lost.end!.t < only(model, 'main').end!.t);
  });

  it('asyncio\'s debug mode reports a slow task created where the program created it, as untraced', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('debug_mode.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { stderr } = trace(py('debug_mode.py'));
    const normal = (text: string): string => text.replace(/^tasklane: wrote .*\n/m, '').replace(/0x[0-9a-f]+/g, '0x…').replace(/took [0-9.]+ seconds/g, 'took … seconds');
    assert.match(plain.stderr, /Executing <Task finished name='slowpoke'.* created at .*took/);
    assert.equal(normal(stderr), normal(plain.stderr));
  });

  it('an error asyncio raises in create_task, and one chained to it, have the tracebacks they have untraced, with no frame of the runner\'s', () => {
    for (const [fixture, last] of [['not_a_coroutine.py', /TypeError: a coroutine was expected, got 42\n$/], ['not_a_coroutine_chained.py', /direct cause[^]*RuntimeError: could not start the job\n$/]] as const) {
      const plain = spawnSync(python.command, [path.join(FIXTURES, py(fixture))], { cwd: ROOT, encoding: 'utf8' });
      const { stderr, code } = trace(py(fixture));
      assert.match(plain.stderr, last);
      assert.equal(code, plain.status);
      assert.equal(stderr.replace(/^tasklane: wrote .*\n/m, ''), plain.stderr, fixture);
    }
  });

  it('a task whose step itself fails (a broken Task subclass) is reported by asyncio as untraced, and the program goes on', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('broken_step.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { stdout, stderr, code, model } = trace(py('broken_step.py'));
    assert.deepEqual([stdout, code], [plain.stdout, plain.status]);
    assert.equal(plain.stdout, 'done\n');
    const lines = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('tasklane: wrote'));
    const [told, said] = [lines(stderr), lines(plain.stderr)];
    // The step ran inline in the runner's step hook: asyncio raises it again there (one frame more).
    assert.deepEqual([told[0], told[1], told.at(-1)], [said[0], said[1], said.at(-1)]);
    assert.ok(told.some((l) => /broken_step\.py", line \d+, in _Task__step/.test(l)), stderr);
    assert.equal(only(model, 'job').end?.state, 'resolved');
  });

  it('a future type of the program\'s own (no weak references), awaited and gathered, runs as untraced and is waited for by name', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('own_future.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout, code } = trace(py('own_future.py'));
    assert.equal(plain.stdout, '1 [2]\n');
    assert.deepEqual([stdout, code], [plain.stdout, 0]);
    assert.equal(model.waitLabel(only(model, 'main').waits[0]), 'Later');
  });

  it('a program that closes the descriptors it inherited (a few, or all of them, the side channel\'s too) and opens its log gets the log\'s descriptor it gets untraced, the log holds only what it wrote, and a program it starts has what it has untraced', () => {
    const [plainLog, tracedLog] = [tempTrace('.log'), tempTrace('.log')];
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('file_descriptors.py')), plainLog], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout, code } = trace(py('file_descriptors.py'), [tracedLog]);
    assert.equal(plain.stdout, 'log descriptor 3\nlog whole: True\nnot open 125\nlog descriptor past 96\nlog whole: True\nchild has descriptor 99: False\n');
    assert.deepEqual([stdout, code], [plain.stdout, 0], 'no trace frames in the log');
    assert.deepEqual(tasksNamed(model, 'work').map((t) => t.end?.state), ['resolved', 'resolved'], 'the trace is whole: its side channel was out of the way, and left open');
  });

  it('exceptions that fight being read (a __str__ that raises, a class hiding its traceback) end their tasks rejected, named by what can be read, and the program runs as untraced', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('error_str_raises.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout, code } = trace(py('error_str_raises.py'));
    assert.deepEqual([stdout, code], [plain.stdout, 0]);
    assert.equal(plain.stdout, 'caught\ndone Weird\ncaught hidden\n');
    const failed = tasksNamed(model, 'fail');
    assert.deepEqual(failed.map((t) => [t.end?.state, t.end?.message]), [['rejected', 'Weird'], ['rejected', 'Weird']], 'not left to the garbage collector as destroyed pending');
    assert.match(failed[0].end!.site, /error_str_raises\.py:20:1$/);
    assert.deepEqual([only(model, 'fail_hidden').end?.state, only(model, 'fail_hidden').end?.message], ['rejected', 'Hidden: hidden']);
  });

  it('an awaitable that is no coroutine, gathered or handed to ensure_future, is a task named after its class; one that passes its send() on to a coroutine (aiohttp\'s session.get) is that coroutine', () => {
    const { model, stdout, code } = trace(py('awaitables.py'));
    assert.deepEqual([stdout, code], ["['/a', '/b'] /c ['/d', '/e'] /f\n", 0]);
    const main = only(model, 'main');
    const requests = tasksNamed(model, 'Request');
    assert.deepEqual(requests.map((t) => [t.parent, t.internal, t.end?.state]), Array(3).fill([main.id, false, 'resolved']));
    assert.deepEqual(tasksNamed(model, 'Request.fetch').map((t) => [t.kind, t.parent]), requests.map((t) => ['coroutine', t.id]), 'each fetch a span of its request');
    const gets = tasksNamed(model, 'request');
    assert.deepEqual(gets.map((t) => [t.kind, t.parent]), [['async', main.id], ['async', main.id], ['coroutine', main.id]], 'two gathered, one awaited directly');
    assert.deepEqual(tasksNamed(model, 'gather ×2').map((t) => t.members), [requests.slice(0, 2).map((t) => t.id), gets.slice(0, 2).map((t) => t.id)]);
    assert.deepEqual(gets.slice(0, 2).map((t) => t.waits.map((w) => model.waitLabel(w))), [['sleep 0.01 s'], ['sleep 0.02 s']]);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['gather ×2', 'Request', 'gather ×2', 'sleep 0.01 s']);
    assert.deepEqual(tasksNamed(model, /_wrap_awaitable|^Task-/), []);
  });

  it('an async iterator\'s __anext__ that ends the iteration (raising StopAsyncIteration, as async for expects) is a span that returned, not one that failed', () => {
    const { model, stdout, code } = trace(py('async_iterator.py'));
    assert.deepEqual([stdout, code], ['[2, 1, 0]\n', 0]);
    const main = only(model, 'main');
    const steps = tasksNamed(model, 'Ticker.__anext__');
    assert.deepEqual(steps.map((t) => [t.kind, t.parent, t.end?.state, t.end?.message]), Array(4).fill(['coroutine', main.id, 'resolved', '']));
  });

  it('a task of a Task class whose get_name() raises or gives no string is traced, named after its coroutine', () => {
    const { model, stdout, code } = trace(py('task_name_raises.py'));
    assert.deepEqual([stdout, code], ['[1, 2] 1 3\n', 0]);
    const main = only(model, 'main');
    const work = tasksNamed(model, 'work');
    assert.deepEqual(work.map((t) => [t.parent, t.end?.state]), Array(4).fill([main.id, 'resolved']), 'two gathered, the renamed one, the Numbered one');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['gather ×2', 'work'], 'the renamed one is done by then');
  });

  it('a program that fakes the clocks as freezegun does leaves the trace\'s clock alone', () => {
    const { model, stdout, stderr } = trace(py('fake_clocks.py'));
    assert.equal(stdout, 'the clock is faked: True\n');
    assert.doesNotMatch(stderr, /corrupt/);
    const jobs = tasksNamed(model, 'job');
    assert.equal(jobs.length, 2);
    for (const [job, ms] of jobs.map((job, i) => [job, 20 * (i + 1)] as const)) {
      const took = model.endTimeOf(job) - job.created;
      assert.ok(took >= ms * 1000 && took < ms * 1000 + 500_000, `a ${ms} ms sleep took ${took} µs in the trace`);
    }
    assert.deepEqual([model.exit?.reason, only(model, 'main').end?.state], ['exit', 'resolved']);
  });

  it('a program whose loop is not asyncio\'s own (uvloop\'s) is told, once, that its tasks are not in the trace', () => {
    const { stdout, stderr, code } = trace(py('foreign_loop.py'));
    assert.equal(code, 0);
    assert.equal(stdout, '42 42\n');
    const notes = stderr.split('\n').filter((line) => line.includes('not on asyncio'));
    assert.deepEqual(notes, ["tasklane: this program runs its tasks on hand_rolled.HandRolledLoop, not on asyncio's own event loop; Tasklane traces asyncio's loop only, so they are not in the trace."]);
  });

  it('a program asking for uvloop\'s loop runs on asyncio\'s own in its place, its tasks in the trace, and is told so once', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('uvloop_app/main.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout, stderr, code } = trace(py('uvloop_app/main.py'));
    assert.deepEqual([stdout, code], [plain.stdout, 0]);
    assert.equal(only(model, 'main').parent, only(model, 'main.py').id);
    assert.equal(stderr.split('\n').filter((line) => line.includes('uvloop')).length, 1, stderr);
    assert.ok(!stderr.includes('not on asyncio'), stderr);
  });

  it('the asyncio functions the tracer stands in for show the program the same names, modules and docstrings', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('introspection.py'))], { cwd: ROOT, encoding: 'utf8' });
    assert.match(plain.stdout, /start_server/);
    assert.equal(trace(py('introspection.py')).stdout, plain.stdout);
  });

  it('a signal handler asyncio refuses (a list, a name, a number no signal has) raises what it raises untraced, and leaves no signal task', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('signal_errors.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout } = trace(py('signal_errors.py'));
    assert.match(plain.stdout, /^TypeError sig must be an int, not \[\]\n/);
    assert.equal(stdout, plain.stdout);
    assert.deepEqual([...model.tasks.values()].filter((t) => t.kind === 'io'), []);
  });

  it('a task is an asyncio.Task by type as untraced, and one of the program\'s own Task subclass keeps its own attributes and says who cancelled it', () => {
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('task_subclass.py'))], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout } = trace(py('task_subclass.py'));
    assert.equal(plain.stdout, "True True\nMyTask True mine a group here 7\n");
    assert.equal(stdout, plain.stdout);
    assert.deepEqual([only(model, 'sleeper').end?.state, only(model, 'sleeper').end?.message], ['cancelled', 'cancelled by main']);
  });

  it('a program running coroutines on a loop of its own (as trio does), no asyncio event loop, is told why it shows no tasks', () => {
    const { model, stdout, code } = trace(py('own_loop.py'));
    assert.equal(stdout, '[1, 2]\n');
    assert.equal(code, 0);
    assert.deepEqual([...model.tasks.values()].map((t) => t.kind), ['script']);
    assert.match(formatSummary(model), /No asyncio event loop ran, so there are no tasks to show: .*trio's and curio's own loops are not traced\.\n$/);
    assert.match(describeRun(model, 'finished'), /^The program exited with code 0 after .*\. No asyncio event loop ran/);
  });

  it('the record lock holds a second thread until its holder gives it back, and is free after', () => {
    const code = [
      'import threading, time',
      'from _tasklane.frames import RecordLock',
      'lock = RecordLock()',
      'order = []',
      'lock.take()',
      'def other():',
      '    with lock:',
      '        order.append("other")',
      'thread = threading.Thread(target=other)',
      'thread.start()',
      'time.sleep(0.05)  # the other thread waits meanwhile (it would go on in any case only after the give)',
      'order.append("holder")',
      'lock.give(True)',
      'thread.join()',
      'print(",".join(order), lock.held())',
    ].join('\n');
    const result = spawnSync(python.command, ['-c', code], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(ROOT, 'dist/runner/python') } });
    assert.equal(result.stdout, 'holder,other False\n', result.stderr);
  });
});
