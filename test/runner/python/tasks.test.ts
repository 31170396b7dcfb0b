import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURES, lifetimeMs, lineOf, only, ROOT, siteLine, tasksNamed, traceFixture } from '../helpers';
import { forEachPython, py, tasksOfMain } from './pythons';
import { noLoopNote } from '../../../src/trace/summary';
import type { Task } from '../../../src/trace/task';

forEachPython('asyncio tasks and what they wait for', ({ python, atLeast, trace }) => {
  it('coroutines awaited in sequence are spans on their task that do not overlap, about 3 units', () => {
    const { model, stdout, code } = trace(py('sequential.py'));
    assert.equal(code, 0);
    assert.equal(stdout, 'hello\nworld\n');
    assert.equal(model.info?.runtime, 'python');
    const main = only(model, 'main');
    const [first, second] = tasksNamed(model, 'say_after');
    assert.deepEqual([first.kind, second.kind, first.parent, second.parent], ['coroutine', 'coroutine', main.id, main.id]);
    assert.ok(second.created >= first.end!.t, 'the second starts when the first has ended');
    const total = lifetimeMs(model, main);
    assert.ok(total >= 295 && total < 450, `main took ${total} ms`);
    assert.match(first.site, /sequential\.py:11:\d+$/, 'where main awaited it');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['sleep 0.1 s', 'sleep 0.2 s']);
    // The script waits in asyncio.run for main, as the loop runs it.
    const [inRun] = only(model, 'sequential.py').waits;
    assert.deepEqual([model.waitLabel(inRun), inRun.target, inRun.site.replace(/^.*\//, '')], ['main', main.id, `sequential.py:${lineOf(py('sequential.py'), 'asyncio.run(main())')}:1`]);
    assert.ok(inRun.start <= main.runs[0] && inRun.end >= main.end!.t, `waits ${inRun.start}–${inRun.end} µs, main runs ${main.runs[0]}–${main.end!.t}`);
  });

  it('a loop the script runs until a bare future is done, or forever, is a wait of the script\'s until the loop stops', () => {
    const { model, stdout } = trace(py('run_forever.py'));
    assert.equal(stdout, 'done\nstopped\n');
    const script = only(model, 'run_forever.py');
    const tick = only(model, 'tick');
    const at = (text: string): string => `run_forever.py:${lineOf(py('run_forever.py'), text)}:1`;
    assert.deepEqual(script.waits.map((w) => [model.waitLabel(w), w.target, w.site.replace(/^.*\//, '')]), [
      ['loop.run_until_complete', 0, at('loop.run_until_complete(future)')],
      ['loop.run_forever', 0, at('loop.run_forever()')],
    ]);
    const [untilDone, forever] = script.waits;
    // Each callback's delay counts from the script's call_later, in its run just before the wait.
    const runBefore = (t: number): number => Math.max(...script.runs.filter((start, i) => i % 2 === 0 && start < t));
    assert.ok(untilDone.end - runBefore(untilDone.start) >= 20_000, `${untilDone.end - runBefore(untilDone.start)} µs`);
    assert.ok(forever.start <= tick.runs[0] && forever.end >= tick.end!.t);
    assert.ok(forever.end - runBefore(forever.start) >= 50_000, `${forever.end - runBefore(forever.start)} µs`);
  });

  it('each wait of a task says what it awaited and where, also when the same sleep comes again', () => {
    const { model } = trace(py('sleep_sites.py'));
    const ticker = only(model, 'ticker');
    const waits = ticker.waits.map((w) => `${model.waitLabel(w)} @ ${w.site.replace(/^.*sleep_sites\.py:(\d+):\d+$/, 'line $1')}`);
    const round = ['sleep 0 s @ line 8', 'sleep 0 s @ line 9', 'sleep 0.01 s @ line 10'];
    assert.deepEqual(waits, [...round, ...round]);
    // Tasks of a coroutine with one await: where they wait is known from its code after the first.
    const pollers = tasksNamed(model, 'poller');
    assert.equal(pollers.length, 3);
    for (const poller of pollers) {
      assert.deepEqual(poller.waits.map((w) => `${model.waitLabel(w)} @ ${w.site.replace(/^.*sleep_sites\.py:(\d+):\d+$/, 'line $1')}`), ['sleep 0 s @ line 15', 'sleep 0 s @ line 15']);
    }
  });

  it('labels sleeps and timeouts to three significant digits, as a person would write them', () => {
    const { model } = trace(py('odd_delays.py'));
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['sleep 0.0123 s', 'sleep 0.001 s, timeout 0.988 s']);
  });

  it('a task that names itself while it runs takes that name', () => {
    const { model, stdout } = trace(py('set_name.py'));
    assert.equal(stdout, "['0', \"KeyError('missing')\", '2']\n");
    assert.deepEqual(tasksOfMain(model).map((t) => [t.name, model.endState(t)]), [['job-0', 'resolved'], ['job-1', 'rejected'], ['job-2', 'resolved']]);
  });

  it('a task named by its function\'s module and qualified name (as anyio names every task) is named by its coroutine; a name given by hand stays', () => {
    const { model, stdout } = trace(py('qualified_names.py'));
    assert.equal(stdout, '__main__.worker __main__.main.<locals>.nested\n');
    assert.deepEqual(tasksOfMain(model).map((t) => t.name), ['worker', 'nested', 'jobs.worker', 'worker', 'sleep', 'try_connect']);
  });

  it('a task serving an HTTP request given to its coroutine (aiohttp\'s, one per request) is named after the request', () => {
    const { model, stdout } = trace(py('served_requests.py'));
    assert.equal(stdout, "['GET /a', 'POST /b', 'add numbers']\n");
    assert.deepEqual(tasksOfMain(model).map((t) => t.name), ['GET /a', 'POST /b', 'handle_request']);
  });

  it('labels asyncio.wait with how many it waits for, when it returns and its timeout, and names the task whose end woke it', () => {
    const { model, stdout } = trace(py('wait_first.py'));
    assert.equal(stdout, '0 1\n');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['wait ×2 FIRST_COMPLETED', 'wait ×1, timeout 0.02 s']);
    const fast = model.childrenOf(main.id).find((t) => /wait_first\.py:6:/.test(t.site))!;
    assert.deepEqual(main.waits.map((w) => model.wokenBy(w)), [fast.id, 0], 'the fast task ended the first; the timeout the second');
  });

  it('async for over an async generator, and an async comprehension, wait on what the generator awaits, where it awaits it; the comprehension is no span', () => {
    const { model, stdout } = trace(py('async_gen.py'));
    assert.equal(stdout, '0\n1\n[0, 1]\n');
    const main = only(model, 'main');
    const waits = main.waits.map((w) => `${model.waitLabel(w)} @ ${w.site.replace(/^.*async_gen\.py:(\d+):\d+$/, 'line $1')}`);
    assert.deepEqual(waits, Array(4).fill('sleep 0.01 s @ line 8'));
    // The comprehension is main's own code, not a coroutine main calls.
    const spans = [...model.tasks.values()].filter((t) => t.kind === 'coroutine');
    assert.deepEqual(spans.map((t) => [t.name, t.parent, t.end?.state]), [['ticks', main.id, 'resolved'], ['ticks', main.id, 'resolved']]);
  });

  it('an async generator an async for broke out of is closed as untraced, by asyncio in a task named after it of the task that let go of it, which waits in its finally', () => {
    const { model, stdout } = trace(py('async_gen_closed.py'));
    assert.equal(stdout, 'closed r1\ndone\n', 'its finally sees the context of the task that let go of it');
    const main = only(model, 'main');
    const span = only(model, 'rows');
    assert.deepEqual([span.parent, span.end?.state], [main.id, 'resolved'], 'main iterated it, and left it suspended where it yielded');
    const closing = only(model, 'rows.aclose');
    assert.equal(closing.parent, main.id);
    assert.deepEqual(closing.waits.map((w) => `${model.waitLabel(w)} @ ${w.site.replace(/^.*async_gen_closed\.py:(\d+):\d+$/, 'line $1')}`), ['sleep 0.02 s @ line 16']);
    assert.equal(closing.end?.state, 'resolved');
    assert.ok(closing.created >= main.waits[1].end, 'made once the loop broke out of the generator');
  });

  it('a task waiting at async with lock waits for Lock.acquire, woken by the task that released it', () => {
    const { model } = trace(py('lock.py'));
    const [first, second] = tasksNamed(model, 'worker');
    assert.deepEqual(first.waits.map((w) => model.waitLabel(w)), ['sleep 0.05 s']);
    assert.deepEqual(second.waits.map((w) => model.waitLabel(w)), ['Lock.acquire', 'sleep 0.01 s']);
    assert.deepEqual(second.waits.map((w) => model.wokenBy(w)), [first.id, 0], 'the first released the lock; the sleep names its own end');
  });

  it('a wait a loop callback of the program\'s ends (call_later, call_soon) is woken by the task that scheduled it, or by the to_thread call that did, one a signal handler ends by the signal; asyncio\'s own callbacks and one a task scheduled for itself name no waker', () => {
    const { model, stdout } = trace(py('callback_wakes.py'));
    assert.equal(stdout, 'woken done\n');
    const wakes = (name: string): string[] => tasksNamed(model, name).map((t) => t.waits.map((w) => `${model.waitLabel(w)} by ${model.tasks.get(model.wokenBy(w))?.name ?? 'none'}`).join(', '));
    assert.deepEqual(wakes('waiter'), ['Event.wait by main', 'Event.wait by signal SIGUSR1'], 'call_later(0.01, event.set); a SIGUSR1 handler\'s stop.set, the signal\'s run');
    const signal = only(model, 'signal SIGUSR1');
    assert.deepEqual([signal.kind, signal.parent, model.endState(signal), signal.end?.message], ['io', only(model, 'main').id, 'resolved', 'removed'], 'added by main, removed as asyncio.run closed the loop');
    assert.deepEqual(tasksNamed(model, 'signal SIGUSR2').map((t) => t.end?.message), ['replaced', 'removed'], 'one handler in place of another, then removed');
    assert.deepEqual(wakes('consumer'), ['Queue.get by main'], 'call_soon(lambda: queue.put_nowait(…))');
    // A future awaited by its name is labelled with it.
    assert.deepEqual(wakes('awaiting'), ['Future future by to_thread resolve_from_thread'], 'call_soon_threadsafe(future.set_result, …) in its thread');
    assert.deepEqual([...wakes('self_waker'), ...wakes('sleeper')], ['Future box.future by none', 'sleep 0.005 s by none']);
  });

  it('a loop callback of the program\'s (call_soon\'s, a done callback it added) is a run of the task that scheduled it, which holds the loop, that task\'s wait going on after it', () => {
    const { model, stdout } = trace(py('program_callbacks.py'));
    assert.equal(stdout, 'done\n');
    const main = only(model, 'main');
    // (Blocks from main's first run on: starting Python may hold the loop that long on a busy machine.)
    const blocks = model.longBlocks().filter((b) => b.start >= main.created);
    assert.deepEqual(blocks.map((b) => b.task), [main.id, main.id], 'each 60 ms callback is a long block of main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['sleep 0.01 s', 'sleep 0.01 s', 'sleep 0.1 s', 'sleep 0.1 s'], 'each wait goes on after the callback');
  });

  it('a loop that runs only callbacks scheduled outside any task (call_soon, call_later, run_forever, as the asyncio docs\' event loop examples do) runs them as the script\'s, each 60 ms tick a long block, the script\'s wait in run_forever going on after each', () => {
    const { model, stdout } = trace(py('loop_callbacks.py'));
    assert.equal(stdout, 'tick 0\ntick 1\ntick 2\n');
    const script = model.tasks.get(1)!;
    assert.deepEqual([...model.tasks.values()].map((t) => t.kind), ['script']);
    const blocks = model.longBlocks();
    assert.deepEqual(blocks.map((b) => b.task), [script.id, script.id, script.id]);
    assert.ok(blocks.every((b) => b.end - b.start >= 55_000));
    assert.deepEqual([...new Set(script.waits.map((w) => model.waitLabel(w)))], ['loop.run_forever']);
    assert.equal(script.waits.length, 4, 'before each tick, and after the last');
    assert.equal(noLoopNote(model), '', 'a loop ran');
  });

  it('a task the user starts of asyncio\'s sleep, to_thread or Server.serve_forever is the user\'s; those asyncio starts itself are its own', () => {
    const { model, stdout } = trace(py('threads/library_tasks.py'));
    assert.equal(stdout, 'nap 6 child\n');
    const main = only(model, 'main');
    const visible = [...model.tasks.values()].filter((t) => t.kind === 'async' && !t.internal);
    assert.deepEqual(visible.map((t) => t.name.replace(/^Server\./, '')), ['main', 'sleep', 'to_thread', 'serve_forever'], 'a server\'s serve_forever is a public method, though in the file of the event loop\'s');
    for (const task of visible.slice(1)) assert.equal(task.parent, main.id);
    const own = [...model.tasks.values()].filter((t) => t.internal).map((t) => t.name);
    assert.ok(own.length >= 2, `the subprocess's pipes and the loop's shutdown are asyncio's: ${own.join(', ')}`);
    assert.ok(own.includes('loop.shutdown_default_executor'), `the loop's own coroutines as the program would call them: ${own.join(', ')}`);
  });

  it('a task waiting in Condition.wait_for waits for Condition.wait_for, not for asyncio.wait_for', () => {
    const { model } = trace(py('condition.py'));
    const waiters = tasksNamed(model, 'waiter');
    assert.deepEqual(waiters.map((t) => t.waits.map((w) => model.waitLabel(w))), [['Condition.wait_for'], ['Condition.wait_for']]);
  });

  it('a task taking results with as_completed waits for as_completed, each wait woken by the job that ended', () => {
    const { model, stdout } = trace(py('as_completed.py'));
    const rounds = atLeast(13) ? 2 : 1; // 3.13 iterates it with async for too
    assert.equal(stdout, '1\n2\n'.repeat(rounds));
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), Array(2 * rounds).fill('as_completed'));
    const jobs = tasksNamed(model, 'job').sort((a, b) => model.endTimeOf(a) - model.endTimeOf(b));
    assert.deepEqual(main.waits.map((w) => model.wokenBy(w)), jobs.map((j) => j.id));
  });

  it('create_task runs two tasks that overlap, about 2 units, named by coroutine or by name=', () => {
    const { model } = trace(py('create_task.py'));
    const main = only(model, 'main');
    const first = only(model, 'say_after');
    const second = only(model, 'second');
    assert.deepEqual([first.kind, first.parent, second.parent], ['async', main.id, main.id]);
    assert.ok(second.created < first.end!.t, 'they overlap');
    const total = lifetimeMs(model, main);
    assert.ok(total >= 195 && total < 290, `main took ${total} ms`);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['say_after', 'second']);
    assert.match(first.site, /create_task\.py:11:\d+$/);
  });

  it('tasks made with asyncio.Task(...) itself are traced as create_task\'s are: by whom, where, named by coroutine or by name=, eager ones too', () => {
    const { model, stdout } = trace(py('direct_tasks.py'));
    assert.equal(stdout, '[1, 2, 3, 4]\n');
    const main = only(model, 'main');
    const works = tasksNamed(model, 'work');
    const named = only(model, 'named directly');
    assert.equal(works.length, 3, 'each task once');
    assert.deepEqual([...works, named].map((t) => [t.kind, t.end?.state]), Array(4).fill(['async', 'resolved']));
    // Made by main's code, at its lines; the one a plain callback made by main, which scheduled the callback, as with create_task.
    assert.deepEqual([works[0].parent, named.parent, works[1].parent, works[2].parent], [main.id, main.id, main.id, main.id]);
    assert.deepEqual([works[0], named, works[1], works[2]].map((t) => t.site.replace(/^.*direct_tasks\.py:(\d+):\d+$/, '$1')), ['14', '15', '16', '18']);
    // Each waits for its own sleep, the eager one too (its first step ran as it was made, 3.12+).
    assert.deepEqual(works.map((t) => model.waitLabel(t.waits[0])), ['sleep 0.01 s', 'sleep 0.03 s', 'sleep 0.04 s']);
    assert.deepEqual([...only(model, 'gather ×4').members].sort(), [...works, named].map((t) => t.id).sort());
  });

  it('where asyncio registers its tasks in no WeakSet (Python 3.14), tasks made with asyncio.Task itself are still followed', () => {
    const hidden = path.join(ROOT, 'test/fixtures/python/unregistered_tasks');
    const env = { ...process.env, TASKLANE_PYTHON: python.command, PYTHONPATH: hidden };
    const { model, stdout } = traceFixture(py('direct_tasks.py'), { env });
    assert.equal(stdout, '[1, 2, 3, 4]\n');
    const main = only(model, 'main');
    const made = [...tasksNamed(model, 'work'), only(model, 'named directly')];
    assert.deepEqual(made.map((t) => [t.parent, t.site.replace(/^.*direct_tasks\.py:(\d+):\d+$/, '$1'), t.end?.state]).sort(),
      [[main.id, '14', 'resolved'], [main.id, '15', 'resolved'], [main.id, '16', 'resolved'], [main.id, '18', 'resolved']]);
    assert.deepEqual([...only(model, 'gather ×4').members].sort(), made.map((t) => t.id).sort());
    // Tasks loop.create_task makes are reported once, by create_task, as before.
    assert.equal(tasksNamed(model, 'main').length, 1);
  });

  it('a task a task factory makes through a helper of its own is traced once, made by the task that called create_task', () => {
    const { model, stdout } = trace(py('factory_helper.py'));
    assert.equal(stdout, '3\n30\n');
    const main = only(model, 'main');
    const children = tasksNamed(model, 'child');
    assert.equal(children.length, 5, 'each task once');
    const viaFactory = children.slice(0, 3);
    assert.ok(viaFactory.every((t) => t.parent === main.id && /factory_helper\.py:29:\d+$/.test(t.site)), viaFactory.map((t) => `${t.parent} ${t.site}`).join());
    assert.deepEqual(children.map((t) => model.waitLabel(t.waits[0])), Array(5).fill('sleep 0.01 s'));
    // Made with create_task and with asyncio.Task itself in a task's first step, which an eager
    // factory runs inside create_task (3.12+): traced, at their lines, made by that task.
    const starter = only(model, 'starter');
    const made = children.filter((t) => t.parent === starter.id);
    assert.deepEqual(made.map((t) => t.site.replace(/^.*factory_helper\.py:(\d+):\d+$/, '$1')).sort(), ['22', '23']);
    assert.equal(starter.parent, main.id);
    // Recorded after them (its create_task reports it), it was made before them, as that call began.
    assert.ok(made.every((t) => t.created >= starter.created), `starter made at ${starter.created} µs, its children at ${made.map((t) => t.created).join(', ')}`);
  });

  it('a wait in one of the loop\'s own coroutines says it as the program calls it: loop.sock_recv, not by the loop\'s class', () => {
    const { model, stdout } = trace(py('loop_sockets.py'));
    assert.equal(stdout, 'PING\n');
    const labels = (name: string): string[] => only(model, name).waits.map((w) => model.waitLabel(w));
    assert.deepEqual(labels('serve').slice(0, 2), ['loop.sock_accept', 'loop.sock_recv']);
    assert.ok(labels('main').includes('loop.sock_recv'), labels('main').join(', '));
  });

  it('a task cancelled by a loop callback its caller scheduled (call_later(t, task.cancel)) ends cancelled by that caller, one a to_thread function cancels from its thread by that call', () => {
    const { model, stdout } = trace(py('cancel_in_callback.py'));
    assert.equal(stdout, 'cancelled\ncancelled from a thread\n');
    const [first, second] = tasksNamed(model, 'slow');
    assert.deepEqual([first.end?.state, first.end?.message], ['cancelled', 'cancelled by main'], 'not by ticker, the last task to run, nor asyncio.events');
    assert.deepEqual([second.end?.state, second.end?.message], ['cancelled', 'cancelled by to_thread cancel_from_thread'], 'call_soon_threadsafe(task.cancel) from its thread');
  });

  it('a task a signal\'s handler cancels ends cancelled by that signal: by its task, for a handler added on the loop; by the signal itself, for one signal.signal runs in the middle of another task\'s step', () => {
    const { model, stdout } = trace(py('signal_cancels.py'));
    assert.equal(stdout, "['CancelledError', 'CancelledError', 'CancelledError']\n");
    const ends = tasksNamed(model, 'worker').map((t) => [t.end?.state, t.end?.message]);
    assert.deepEqual(ends, [['cancelled', 'cancelled by signal SIGUSR1'], ['cancelled', 'cancelled by signal SIGUSR1'], ['cancelled', 'cancelled by SIGINT']], 'not by main, whose step the second handler ran in, nor by no one');
  });

  it('a task cancelled with a message ends cancelled by whom, with that message, and so does the coroutine it awaited', () => {
    const { model, stdout } = trace(py('cancel_message.py'));
    // (Its awaiter is told the message from 3.11; below, its CancelledError has no arguments.)
    const plain = spawnSync(python.command, [path.join(FIXTURES, py('cancel_message.py'))], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(stdout, plain.stdout);
    for (const name of ['sleeper', 'nap']) {
      assert.deepEqual([only(model, name).end?.state, only(model, name).end?.message], ['cancelled', 'cancelled by main: shutting down'], name);
    }
  });

  it('gather is a combinator of its children, and a failing child ends rejected with its message', () => {
    const { model, stdout } = trace(py('gather_failing.py'));
    assert.equal(stdout, "[1, 'ValueError', 3]\n");
    const gather = only(model, 'gather ×3');
    const works = tasksNamed(model, 'work');
    assert.deepEqual([...gather.members].sort(), works.map((w) => w.id).sort());
    assert.deepEqual(works.map((w) => w.end?.state), ['resolved', 'rejected', 'resolved']);
    assert.equal(works[1].end?.message, 'ValueError: child 2 failed');
    assert.match(works[1].end!.site, /gather_failing\.py:8:\d+$/);
    assert.equal(model.waitLabel(only(model, 'main').waits[0]), 'gather ×3');
  });

  it('gather of tasks some of which have ended already joins them all the same', () => {
    const { model, stdout } = trace(py('gather_finished.py'));
    assert.equal(stdout, "[1, ValueError('work 2 failed'), 3]\n");
    const gather = only(model, 'gather ×3');
    const works = tasksNamed(model, 'work');
    assert.deepEqual(works.map((w) => w.end!.t <= gather.created), [true, true, false], 'two ended before the gather');
    assert.deepEqual(gather.members, works.map((w) => w.id));
  });

  it('a gather given to another gather is a combinator of its own, a member of the outer one, ending before it, each placed where it was called', () => {
    const { model, stdout } = trace(py('gather_nested.py'));
    assert.equal(stdout, '[[1, 2], 0]\n');
    const main = only(model, 'main');
    const outer = model.tasks.get(main.waits[0].target)!;
    const [inner] = tasksNamed(model, 'gather ×2').filter((g) => g !== outer);
    assert.ok(inner, 'the inner gather is a task');
    const jobs = tasksNamed(model, 'job');
    assert.deepEqual([model.displayName(outer), inner.kind, inner.parent], ['gather ×2', 'combinator', main.id]);
    assert.deepEqual(outer.members, [inner.id, jobs[2].id]);
    assert.deepEqual(inner.members, [jobs[0].id, jobs[1].id]);
    // Each where it was called: the inner gather on the line that made it, not the outer's.
    const lineOfCall = (text: string): string => `gather_nested.py:${lineOf(py('gather_nested.py'), text)}:1`;
    assert.deepEqual([inner.site, outer.site].map((site) => site.replace(/^.*\//, '')), [lineOfCall('inner = asyncio.gather('), lineOfCall('await asyncio.gather(inner')]);
    assert.equal(inner.end?.state, 'resolved');
    assert.ok(inner.end!.t <= outer.end!.t && inner.end!.t >= jobs[1].end!.t, 'it ends as its last member does, before the outer gather');
  });

  it('the children a gather cancels are cancelled by whoever cancelled it: the task awaiting it, through a gather given to it too, or the task whose callback (a lambda) cancelled the gather; the gathers end cancelled', () => {
    const { model, stdout } = trace(py('gather_cancelled.py'));
    assert.equal(stdout, 'cancelled\n');
    const jobs = tasksNamed(model, 'job');
    assert.equal(jobs.length, 5);
    const ends = (tasks: readonly Task[]): string[] => tasks.map((t) => `${t.end?.state} ${t.end?.message}`);
    assert.deepEqual(ends([only(model, 'waiter')]), ['cancelled cancelled by main']);
    assert.deepEqual(ends(jobs.filter((j) => j.parent === only(model, 'waiter').id)), Array(3).fill('cancelled cancelled by waiter'));
    assert.deepEqual(ends(jobs.filter((j) => j.parent === only(model, 'main').id)), Array(2).fill('cancelled cancelled by main'));
    assert.deepEqual(ends([only(model, 'lingering')]), ['cancelled cancelled by main'], 'a lambda calling task.cancel');
    // asyncio sets a cancelled gather's exception to a CancelledError: it ends cancelled, not rejected.
    assert.deepEqual(tasksNamed(model, /^gather ×/).map((g) => g.end?.state), ['cancelled', 'cancelled', 'cancelled']);
    // The callback cancelling a task (call_later(0.01, waiting.cancel)) is no run of that task's.
    const waiter = only(model, 'waiter');
    assert.deepEqual([waiter.waits.length, waiter.runs.length], [1, 4], 'one wait, from its one step to its last');
  });

  it('a task\'s end message tells the chain above its exception as a traceback does (raised from, raised while handling; not a `from None`, nor a timeout\'s cancellation) and what an ExceptionGroup groups', () => {
    const { model, stdout, code } = trace(py('rejected_causes.py'));
    assert.equal(stdout, `['ValueError', 'RuntimeError', 'LookupError', 'TimeoutError'${atLeast(11) ? ", 'ExceptionGroup'" : ''}]\n`);
    assert.equal(code, 1);
    const ends = (name: string) => [only(model, name).end?.state, only(model, name).end?.message];
    assert.deepEqual(ends('load'), ['rejected', "ValueError: bad record (while handling KeyError: 'id')"]);
    assert.deepEqual(ends('save'), ['rejected', 'RuntimeError: save failed (caused by OSError: [Errno 28] No space left on device)']);
    assert.deepEqual(ends('lookup'), ['rejected', 'LookupError: missing']);
    assert.deepEqual(ends('timed'), ['rejected', 'TimeoutError']);
    if (atLeast(11)) {
      const failures = 'ValueError: part 0 failed; ValueError: part 1 failed; ValueError: part 2 failed; …2 more';
      assert.deepEqual(ends('grouped'), ['rejected', `ExceptionGroup: unhandled errors in a TaskGroup (5 sub-exceptions) [${failures}]`]);
    }
    assert.deepEqual([model.exit?.reason, model.exit?.message], ['exception', 'ConnectionError: boot failed (caused by ValueError: port out of range)']);
  });

  it('wait_for times out and cancels the slow task, and says who cancelled it', () => {
    const { model, stdout } = trace(py('wait_for_timeout.py'));
    assert.equal(stdout, 'timed out\n');
    const slow = only(model, 'slow_operation');
    const main = only(model, 'main');
    assert.equal(slow.end?.state, 'cancelled');
    assert.equal(model.waitLabel(main.waits[0]), 'slow_operation, timeout 0.05 s');
    if (atLeast(12)) {
      // 3.12's wait_for awaits the coroutine in the caller's own task, under asyncio.timeout.
      assert.deepEqual([slow.kind, slow.parent], ['coroutine', main.id]);
      assert.equal(slow.end?.message, 'cancelled by asyncio.timeouts');
      assert.match(slow.site, /wait_for_timeout\.py:11:\d+$/, 'where main awaited it, not inside asyncio');
    } else {
      assert.deepEqual([slow.kind, slow.parent], ['async', main.id]);
      assert.equal(slow.end?.message, 'cancelled by main');
      assert.equal(model.waitLabel(slow.waits[0]), 'sleep 10 s');
    }
    assert.ok(slow.end!.t / 1000 < 1000);
  });

  it('a wait in asyncio.wait_for says what it was given (an async generator by its name) and its timeout, and waits for the task given', () => {
    const { model, stdout } = trace(py('wait_for_given.py'));
    assert.equal(stdout, 'queue empty\n');
    const main = only(model, 'main');
    const madeAt = (text: string): Task => tasksNamed(model, 'work').find((t) => t.site.endsWith(`:${lineOf(py('wait_for_given.py'), text)}:1`))!;
    // Below 3.12 wait_for runs what it is given as a task of its own, and waits for its end once it
    // has cancelled it: one more wait for the same.
    const waits = main.waits.filter((w, i) => i === 0 || model.waitLabel(w) !== model.waitLabel(main.waits[i - 1]) || w.target !== main.waits[i - 1].target);
    assert.deepEqual(waits.map((w) => model.waitLabel(w)), ['work, timeout 1 s', 'work, timeout 1 s', 'gather ×2, timeout 1 s', 'work, timeout 1 s', 'ticks, timeout 1 s', 'Queue.get, timeout 0.01 s']);
    const gather = only(model, 'gather ×2');
    assert.deepEqual(waits.slice(1, 4).map((w) => w.target), [madeAt('task = ').id, gather.id, madeAt('shielded = ').id]);
    assert.deepEqual(gather.members.map((id) => model.tasks.get(id)?.name), ['work', 'work']);
    // Each at its wait_for's line, though from 3.12 the coroutine given waits inside it, on a line of its own.
    const lines = ['wait_for(work(', 'wait_for(task,', 'wait_for(asyncio.gather(', 'wait_for(asyncio.shield(', 'wait_for(numbers.', 'wait_for(queue.get('].map((text) => lineOf(py('wait_for_given.py'), text));
    assert.deepEqual(waits.map((w) => siteLine(w.site)), lines);
  });

  (atLeast(11) ? it : it.skip)('a wait inside an asyncio.timeout() block says its timeout; what the timeout cancels, or cancels later, says who cancelled it', () => {
    const { model, stdout } = trace(py('timeout_blocks.py'));
    assert.equal(stdout, 'survivor timed out\nslow timed out\nworker timed out\nrescheduled timed out\nsurvivor cancelled\n');
    const main = only(model, 'main');
    const worker = only(model, 'worker');
    const labels = main.waits.map((w) => model.waitLabel(w));
    assert.deepEqual(labels.slice(0, 4), [
      'sleep 10 s, timeout 0.05 s',
      'worker, timeout 0.05 s',
      'sleep 0.01 s, timeout 1 s',
      'sleep 0.01 s', // after the block: no timeout
    ]);
    // A block entered without a timeout, then rescheduled to 0.05 s from then: what was left of
    // it when the deadline was set, read from the loop's clock.
    const left = Number(/^sleep 10 s, timeout ([\d.]+) s$/.exec(labels[4])?.[1]);
    assert.ok(left > 0.03 && left <= 0.05, labels[4]);
    assert.equal(main.waits[1].target, worker.id, 'the wait for the worker still leads to it');
    assert.deepEqual([only(model, 'slow').end?.message, worker.end?.message], ['cancelled by asyncio.timeouts', 'cancelled by main']);
    // Its own timeout's cancel was taken in (TimeoutError, caught); main's, later, ended it.
    assert.equal(only(model, 'survivor').end?.message, 'cancelled by main');
  });

  it('names a coroutine defined inside another function as written: `limited`, not `main.<locals>.limited`', () => {
    const { model } = trace(py('nested_names.py'));
    const main = only(model, 'main');
    assert.deepEqual(tasksNamed(model, 'limited').map((t) => [t.kind, t.parent]), [['async', main.id], ['async', main.id]]);
    // Named with its class on every version (3.9 and 3.10 code objects know only the function's own name).
    const fetch = only(model, 'Client.fetch');
    assert.deepEqual([fetch.kind, fetch.parent], ['coroutine', main.id]);
  });

  it('a task made in a later step of its parent is made while the parent runs', () => {
    // Each sleep(0) step's run is written with its end; a task made in it must not come first
    // (its time would then be the run's start: the clock is read between the two).
    const { model } = trace(py('spawn_in_steps.py'));
    const main = only(model, 'main');
    const children = tasksNamed(model, 'child');
    assert.equal(children.length, 3);
    for (const child of children) {
      let run = -1; // the last run of main that starts by then
      for (let i = 0; i < main.runs.length; i += 2) if (main.runs[i] <= child.created) run = i;
      assert.ok(run >= 0 && main.runs[run] < child.created && child.created < main.runs[run + 1], `child made at ${child.created} µs, main's runs ${main.runs.join(', ')}`);
    }
  });

  it('a coroutine whose task cancels itself ends cancelled, at the await that delivers it', () => {
    const { model, stdout } = trace(py('self_cancel.py'));
    assert.equal(stdout, 'gave up\n');
    const main = only(model, 'main');
    const giveUp = only(model, 'give_up');
    assert.deepEqual([giveUp.kind, giveUp.parent], ['coroutine', main.id]);
    assert.deepEqual([giveUp.end?.state, giveUp.end?.message], ['cancelled', 'cancelled by main']);
    assert.equal(main.end?.state, 'resolved');
  });

  (atLeast(11) ? it : it.skip)('a TaskGroup is a combinator of the tasks made in it; one failing cancels the rest and the group ends rejected', () => {
    const { model, stdout } = trace(py('taskgroup.py'));
    assert.equal(stdout, "caught ['fetch 4 failed']\n");
    const main = only(model, 'main');
    const [first, second] = tasksNamed(model, /^TaskGroup/);
    const fetches = tasksNamed(model, 'fetch');
    assert.deepEqual([first, second].map((g) => [model.displayName(g), g.kind, g.parent]), [['TaskGroup ×2', 'combinator', main.id], ['TaskGroup ×3', 'combinator', main.id]]);
    assert.deepEqual([...first.members, ...second.members], fetches.map((f) => f.id));
    assert.deepEqual(fetches.map((f) => f.end?.state), ['resolved', 'resolved', 'resolved', 'rejected', 'cancelled']);
    assert.equal(fetches[4].end?.message, 'cancelled by TaskGroup');
    assert.deepEqual([first.end?.state, second.end?.state, second.end?.message], ['resolved', 'rejected', 'ValueError: fetch 4 failed']);
    assert.match(second.end!.site, /taskgroup\.py:8:\d+$/, 'where the failing member raised');
    assert.equal(model.waitLabel(main.waits[0]), 'TaskGroup ×2', 'main waits for the group as it leaves `async with`');
    // Each group is where its `async with` opened it, not at its first create_task.
    assert.deepEqual([first, second].map((g) => g.site.replace(/^.*taskgroup\.py:/, '')), ['13:1', '17:1']);
    assert.ok(first.end!.t <= second.created, 'the first group ended before the second began');
  });

  (atLeast(11) ? it : it.skip)('a TaskGroup subclass entered through its own __aenter__ is placed at its `async with` too, named after the subclass', () => {
    const { model, stdout } = trace(py('taskgroup_subclass.py'));
    assert.equal(stdout, 'entering\nentering\n');
    const [group, failed] = tasksNamed(model, /^LoggingGroup/);
    assert.deepEqual([group, failed].map((g) => [model.displayName(g), g.kind]), [['LoggingGroup ×1', 'combinator'], ['LoggingGroup ×2', 'combinator']]);
    assert.equal(group.members[0], only(model, 'job').id);
    assert.equal(group.site.replace(/^.*\//, ''), `taskgroup_subclass.py:${lineOf(py('taskgroup_subclass.py'), 'async with LoggingGroup()')}:1`);
    assert.equal(model.waitLabel(only(model, 'main').waits[0]), 'LoggingGroup ×1');
    const sleeper = only(model, 'sleeper');
    assert.deepEqual([failed.end?.state, sleeper.end?.message], ['rejected', 'cancelled by LoggingGroup']);
    // asyncio's own coroutine run as a task waits where it was made.
    assert.equal(sleeper.waits[0].site.replace(/^.*\//, ''), `taskgroup_subclass.py:${lineOf(py('taskgroup_subclass.py'), 'name="sleeper"')}:1`);
  });

  (atLeast(11) ? it : it.skip)('a TaskGroup left by an error of its body ends rejected, one whose owner is cancelled (by a timeout, by another task, nested) ends cancelled, and their tasks are cancelled by the TaskGroup', () => {
    const { model, stdout } = trace(py('taskgroup_left.py'));
    assert.equal(stdout, 'body raised\ntimed out\nworker cancelled\n');
    const [byError, byTimeout, outer, inner] = tasksNamed(model, /^TaskGroup/);
    assert.deepEqual([byError.end?.state, byError.end?.message], ['rejected', 'ExceptionGroup: unhandled errors in a TaskGroup']);
    assert.deepEqual([byTimeout.end?.state, byTimeout.end?.message], ['cancelled', 'cancelled by asyncio.timeouts']);
    // The outer group is left a step after the inner one, by the cancellation the inner one passes on.
    for (const group of [outer, inner]) assert.deepEqual([group.end?.state, group.end?.message], ['cancelled', 'cancelled by main: shutting down']);
    for (const name of ['left_by_error', 'left_by_timeout', 'left_by_outer', 'left_by_inner']) assert.equal(only(model, name).end?.message, 'cancelled by TaskGroup', name);
  });

  it('a Queue with one producer and two consumers shows Queue.get waits, each woken by a put of the producer', () => {
    const { model, stdout } = trace(py('queue.py'));
    assert.equal(stdout, '6\n');
    const consumers = tasksNamed(model, 'consumer');
    assert.equal(consumers.length, 2);
    for (const c of consumers) assert.ok(c.waits.length > 0 && c.waits.every((w) => model.waitLabel(w) === 'Queue.get'));
    const producer = only(model, 'producer');
    assert.ok(producer.waits.every((w) => model.waitLabel(w) === 'sleep 0.01 s'));
    for (const c of consumers) assert.deepEqual(new Set(c.waits.map((w) => model.wokenBy(w))), new Set([producer.id]), 'each get was woken by a put of the producer\'s');
  });

  it('asyncio.run(asyncio.wait_for(main(), 5)): main is made where that line made it, inside the wait_for task', () => {
    const { model, stdout } = trace(py('run_wait_for.py'));
    assert.equal(stdout, 'done\n');
    const waitFor = only(model, 'wait_for');
    const main = only(model, 'main');
    assert.equal(main.parent, waitFor.id);
    // A task of wait_for's own below 3.12, a coroutine it awaits from 3.12.
    assert.match(main.site, /run_wait_for\.py:10:\d+$/);
  });

  it('a gather ends when its children have, though the task it wakes then holds the loop before its done callback runs', () => {
    const { model } = trace(py('gather_then_block.py'));
    const gather = only(model, /^gather ×2$/);
    const children = tasksNamed(model, 'child');
    const lastChild = Math.max(...children.map((c) => c.end!.t));
    assert.ok(gather.end!.t - lastChild < 50_000, `the gather ended ${(gather.end!.t - lastChild) / 1000} ms after its last child`);
    assert.equal(only(model, 'main').waits[0].target, gather.id);
  });
});
