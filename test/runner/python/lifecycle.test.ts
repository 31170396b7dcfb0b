import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { launchTraced } from '../../../src/session/launch';
import { TraceModel } from '../../../src/trace/model';
import { FIXTURES, lifetimeMs, only, printed, ROOT, signalWhenReady, startFixture, startLive, stopLikeStop, takeTrace, tasksNamed, tempTrace, traceFixture, traceFixtureOrKill, traceFixtureWith, until } from '../helpers';
import { forEachPython, outputOf, py } from './pythons';

forEachPython('the trace read live, the event cap, and how programs end', ({ python, atLeast, trace }) => {
  it('flags 100 ms of CPU without an await as a long block', () => {
    const { model } = trace(py('cpu_block.py'));
    const [block] = model.longBlocks();
    assert.ok(block);
    assert.equal(block.task, only(model, 'blocker').id);
    assert.ok(block.end - block.start >= 95_000);
  });

  it('the trace is read while the script runs: a loop kept busy by one task, then the loop idle', async () => {
    const model = new TraceModel();
    const run = startLive(py('live_phases.py'), model, python.command);
    try {
      // The loop never waits while the spinner steps: its steps are read all the same.
      await until('500 of the spinner\'s waits to be read', () => (tasksNamed(model, 'spinner')[0]?.waits.length ?? 0) >= 500);
      run.child.stdin!.write('stop\n');
      // Then it waits for an hour: what came before is read meanwhile.
      await until('after_spin\'s end to be read', () => tasksNamed(model, 'after_spin')[0]?.end !== undefined);
      assert.equal(only(model, 'spinner').end?.state, 'resolved');
      assert.equal(only(model, 'after_spin').end?.state, 'resolved');
      assert.equal(run.child.exitCode, null, 'read before the script ended');
    } finally {
      run.child.kill('SIGKILL');
      await run.done;
    }
  });

  it('a loop left idle stays idle on the timeline when a plain callback then makes a task', async () => {
    // No flush in the wait, which would write the idle run itself: the task's creation must.
    const model = await traceFixtureWith(py('late_task.py'), { flushMs: 60_000, python: python.command });
    const main = only(model, 'main');
    const late = only(model, 'late');
    assert.ok(main.runs[1] < late.created - 250_000, `main's first step ran until ${main.runs[1] / 1000} ms, late was made at ${late.created / 1000} ms`);
    assert.deepEqual(model.longBlocks(), [], 'the loop sat idle for the 300 ms before the callback');
  });

  (atLeast(12) ? it : it.skip)('tasks of eager_task_factory: those that finish inside create_task end there, the one that waits waits, the one cancelled says by whom', () => {
    // 3.12.0 and 3.12.1 crash in Task.get_coro() on a task that finished eagerly; 3.13.0 names such tasks "None".
    const { model, stdout, code } = trace(py('eager_tasks.py'));
    assert.equal(code, 0);
    assert.equal(stdout, '[0, 2, 4, 5]\n');
    const quick = tasksNamed(model, 'quick');
    assert.deepEqual(quick.map((t) => t.end?.state), ['resolved', 'resolved', 'resolved']);
    const [slow, abandoned] = tasksNamed(model, 'slow');
    assert.deepEqual(slow.waits.map((w) => model.waitLabel(w)), ['sleep 0.05 s']);
    assert.ok(lifetimeMs(model, slow) >= 45, `slow lived ${lifetimeMs(model, slow)} ms`);
    assert.equal(slow.end?.state, 'resolved');
    assert.deepEqual([abandoned.end?.state, abandoned.end?.message], ['cancelled', 'cancelled by main'], 'who cancels a task of the eager factory');
  });

  it('a crash half way leaves the trace, and the output and traceback are unchanged', () => {
    const script = path.join(FIXTURES, py('crash.py'));
    const plain = spawnSync(python.command, [script], { cwd: ROOT, encoding: 'utf8' });
    const { model, stdout, stderr, code } = trace(py('crash.py'));
    assert.equal(code, plain.status);
    assert.equal(stdout, plain.stdout);
    assert.equal(stderr.replace(/^tasklane: wrote .*\n/m, ''), plain.stderr);
    assert.equal(model.exit?.reason, 'exception');
    assert.equal(model.exit?.message, 'RuntimeError: boom half way');
    assert.equal(only(model, 'main').end?.state, 'rejected');
    const steps = tasksNamed(model, 'step');
    assert.deepEqual(steps.map((s) => s.end?.state), ['resolved', 'rejected']);
  });

  it('a script that does not compile fails as it does untraced, with the same message and no traceback of the runner\'s', () => {
    const script = path.join(FIXTURES, py('syntax_error.py'));
    const plain = spawnSync(python.command, [script], { cwd: ROOT, encoding: 'utf8' });
    const { model, stderr, code } = trace(py('syntax_error.py'));
    assert.equal(code, plain.status);
    assert.match(plain.stderr, /SyntaxError/);
    assert.equal(stderr.replace(/^tasklane: wrote .*\n/m, ''), plain.stderr);
    assert.equal(model.exit?.reason, 'exception');
    assert.match(model.exit!.message, /^SyntaxError/);
  });

  it('stops folding events at the event cap and says how many it dropped, and when; the program is unaffected', () => {
    const { model, stdout, code } = traceFixture(py('flood.py'), { env: { ...process.env, TASKLANE_PYTHON: python.command }, cliArgs: ['--max-events', '500'] });
    assert.equal(code, 0);
    assert.equal(stdout, `${(19999 * 20000) / 2}\n`);
    const dropped = model.dropped.reduce((n, d) => n + d.count, 0);
    assert.ok(dropped > 30_000, `dropped ${dropped}: a run and a wait a step`);
    assert.ok(model.dropped[0].t < model.endTime / 2, 'from early on');
    assert.ok(model.eventCount <= 500 + model.tasks.size + model.dropped.length + 5, `${model.eventCount} events: past the cap, only ends, counts of those dropped and the exit`);
    assert.deepEqual([model.exit?.reason, only(model, 'main').end?.state], ['exit', 'resolved'], 'the ends are recorded past the cap');
  });

  it('past the event cap the runner sends no new task and no step, only the ends of the tasks the trace has, and counts what it left out', async () => {
    // What the reader is sent, counted as it folds it: the reader's own cap would hide a runner that sent on.
    class Counted extends TraceModel {
      tasksSent = 0;
      runsSent = 0;
      override onTask(...args: Parameters<TraceModel['onTask']>): void {
        this.tasksSent++;
        super.onTask(...args);
      }
      override onRun(...args: Parameters<TraceModel['onRun']>): void {
        this.runsSent++;
        super.onRun(...args);
      }
    }
    const model = new Counted({ maxEvents: 2000 });
    const run = launchTraced({
      script: path.join(FIXTURES, py('churn.py')), args: [], cwd: ROOT, runnerDir: path.join(ROOT, 'dist/runner'), stdio: 'pipe', processGroup: false,
      runtime: 'python', interpreter: python.command, maxEvents: 2000, sink: model,
    });
    let stdout = '';
    run.child.stdout!.on('data', (data: Buffer) => (stdout += data));
    const outcome = await run.done;
    model.finish();
    assert.deepEqual([outcome.code, stdout], [0, '1225000\n'], 'the program itself is unaffected');
    assert.ok(model.tasksSent < 5_000, `${model.tasksSent} of its 50,000 tasks sent`);
    assert.ok(model.runsSent < 20_000, `${model.runsSent} of its 100,000 steps sent`);
    const dropped = model.dropped.reduce((n, d) => n + d.count, 0);
    assert.ok(dropped > 50_000, `dropped ${dropped}: each left out is counted`);
    assert.deepEqual([model.exit?.reason, only(model, 'main').end?.state], ['exit', 'resolved'], 'the ends are recorded past the cap');
  });

  it('sys.exit(3) exits with 3 and the trace records it', () => {
    const { model, code } = trace(py('exit_code.py'));
    assert.equal(code, 3);
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exit', 3]);
  });

  it('a unittest run with a failing asyncio test exits with 1 (sys.exit(True)), and the trace says exit code 1', () => {
    const { model, code } = trace(py('unittest_fails.py'));
    assert.equal(code, 1);
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exit', 1]);
    assert.deepEqual([model.tasks.get(1)?.end?.state, model.tasks.get(1)?.end?.message], ['rejected', 'exit code 1']);
    // (Arithmetic.test_fails: a task from 3.11, a coroutine below, whose raising is seen from 3.12
    // only: README, Limitations.)
    const failing = only(model, 'Arithmetic.test_fails');
    if (failing.kind === 'async') assert.deepEqual([failing.end?.state, failing.end?.message], ['rejected', 'AssertionError: 1 != 2']);
    else assert.equal(failing.kind, 'coroutine');
    assert.equal(only(model, 'Arithmetic.test_adds').end?.state, 'resolved');
  });

  it('os._exit(3) from inside a task exits with 3, and the trace keeps what ran before', () => {
    const { model, code } = trace(py('os_exit.py'));
    assert.equal(code, 3);
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exit', 3]);
    assert.match(model.exit?.message ?? '', /before the tracer could report it/);
    assert.ok(model.tasks.size >= 2 && tasksNamed(model, 'worker').length === 1, 'main and worker were traced');
  });

  it('SIGTERM while the tracer is busy recording still ends the script at once, with a complete trace', async function () {
    this.timeout(60_000);
    // Each try has a fair chance of landing inside a record (the tracer holds its lock then).
    for (let attempt = 1; attempt <= 8; attempt++) {
      const out = tempTrace();
      const child = startFixture(py('busy_steps.py'), out, { ...process.env, TASKLANE_PYTHON: python.command });
      await printed(child, 'busy');
      assert.equal(await stopLikeStop(child), 143, `attempt ${attempt}: ended by SIGTERM itself, not by the SIGKILL after it`);
      const model = takeTrace(out);
      assert.deepEqual([model.exit?.reason, model.exit?.signal], ['signal', 'SIGTERM'], `attempt ${attempt}`);
      assert.equal(tasksNamed(model, 'stepper').length, 200);
    }
  });

  it('a task spinning forever without awaiting: Stop ends it, and the trace shows it holding the loop at the end', async () => {
    const out = tempTrace();
    const child = startFixture(py('spin.py'), out, { ...process.env, TASKLANE_PYTHON: python.command });
    await printed(child, 'spinning');
    assert.equal(await stopLikeStop(child), 143, 'Python runs its SIGTERM handler between bytecodes');
    const model = takeTrace(out);
    assert.deepEqual([model.exit?.reason, model.exit?.signal], ['signal', 'SIGTERM']);
    const holder = model.loop[model.loop.length - 1];
    assert.equal(holder, only(model, 'spin_forever').id, 'the loop was last held by the spinning task');
  });

  it('SIGTERM to the process group (as timeout sends it) reaches the script once, which ends by it', async () => {
    const out = tempTrace();
    const { code } = await signalWhenReady(py('spin.py'), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'spinning');
    assert.equal(code, 143);
    const model = takeTrace(out);
    assert.deepEqual([model.exit?.reason, model.exit?.signal], ['signal', 'SIGTERM']);
    assert.deepEqual(model.signals.map((s) => s.signal), ['SIGTERM'], 'the runner said it had it, so the command did not pass on a second');
  });

  // A second SIGTERM would make either fixture quit at once with code 2, as a graceful shutdown takes it.
  for (const [fixture, how] of [['graceful.py', 'loop.add_signal_handler'], ['graceful_handler.py', 'signal.signal']] as const) {
    it(`SIGTERM to the process group reaches a script that handles it itself (${how}) once, and the trace says when it came`, async () => {
      const out = tempTrace();
      const { code, stdout } = await signalWhenReady(py(fixture), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'serving\n'); // the whole line: a signal in the middle of print() runs the handler between its text and its end
      assert.equal(code, 0, 'its handler closed the server after its own delay, and it exited cleanly');
      assert.match(stdout, /serving\nclosing\nclosed\n$/, `one SIGTERM reached its handler: ${JSON.stringify(stdout)}`);
      if (fixture === 'graceful_handler.py') {
        assert.equal(stdout, 'replaced SIG_DFL\nnow True\nserving\nclosing\nclosed\n', 'signal.signal and signal.getsignal answer as untraced');
      }
      const model = takeTrace(out);
      assert.equal(model.exit?.reason, 'exit');
      assert.deepEqual(model.signals.map((s) => s.signal), ['SIGTERM']);
    });
  }

  it('SIGTERM to the tasklane command alone reaches a script that handles it itself, once', async () => {
    const out = tempTrace();
    const { code, stdout } = await signalWhenReady(py('graceful_handler.py'), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'serving\n', { to: 'command' });
    assert.equal(code, 0);
    assert.match(stdout, /serving\nclosing\nclosed\n$/, 'the command passed it on, and only once');
    assert.deepEqual(takeTrace(out).signals.map((s) => s.signal), ['SIGTERM']);
  });

  for (const to of ['group', 'command'] as const) {
    it(`SIGINT to the ${to === 'group' ? 'process group (Ctrl-C)' : 'tasklane command alone'} reaches a script shutting down gracefully once, through asyncio.run's own handler`, async () => {
      const out = tempTrace();
      const { code, stdout } = await signalWhenReady(py('graceful_interrupt.py'), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'serving\n', { signal: 'SIGINT', to });
      assert.equal(stdout, 'default handler True\nserving\nclosing\nclosed\n', 'one SIGINT reached it, and signal.getsignal answered as untraced (so asyncio.run installed its handler)');
      assert.equal(code, atLeast(11) ? 0 : 130, 'asyncio.run cancelled its main task (3.11+), or raised KeyboardInterrupt once it had cancelled it');
      const model = takeTrace(out);
      assert.deepEqual(model.signals.map((s) => s.signal), ['SIGINT'], 'the trace says when it came');
      assert.deepEqual([model.exit?.reason, model.exit?.signal], atLeast(11) ? ['exit', ''] : ['signal', 'SIGINT']);
    });
  }

  it('Ctrl-C while the tracer is busy recording: the program catches its KeyboardInterrupt as untraced, and the trace is whole and says when it came', async function () {
    this.timeout(60_000);
    // Each try has a fair chance of landing inside a record (the tracer holds its lock then).
    for (let attempt = 1; attempt <= 8; attempt++) {
      const out = tempTrace();
      const { code, stdout, stderr } = await signalWhenReady(py('busy_steps.py'), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'busy\n', { signal: 'SIGINT', args: ['--catch-interrupt'] }); // the whole line: a signal in the middle of print() raises between its text and its end
      assert.deepEqual([code, stdout], [3, 'busy\ninterrupted\n'], `attempt ${attempt}`);
      assert.doesNotMatch(stderr, /warning/, `attempt ${attempt}: the trace stream was whole`);
      const model = takeTrace(out);
      assert.deepEqual(model.signals.map((s) => s.signal), ['SIGINT'], `attempt ${attempt}`);
      assert.equal(tasksNamed(model, 'stepper').length, 200);
    }
  });

  (atLeast(11) ? it : it.skip)('Ctrl-C under asyncio.run: its main task ends cancelled by SIGINT, and the tasks it awaited by main, whichever task was stepping as it came', async () => {
    // Below 3.11 asyncio.run has no handler of its own: this program hangs at a Ctrl-C, untraced too.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const out = tempTrace();
      const { code } = await signalWhenReady(py('busy_steps.py'), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'busy\n', { signal: 'SIGINT' });
      assert.equal(code, 130, `attempt ${attempt}: asyncio.run raised KeyboardInterrupt once main was cancelled`);
      const model = takeTrace(out);
      assert.deepEqual([only(model, 'main').end?.state, only(model, 'main').end?.message], ['cancelled', 'cancelled by SIGINT'], `attempt ${attempt}`);
      const cancellers = new Set(tasksNamed(model, 'stepper').map((t) => t.end?.message));
      assert.deepEqual([...cancellers], ['cancelled by main'], `attempt ${attempt}: passed on by main through its gather`);
    }
  });

  it('a program that lets SIGINT end it at once (SIG_DFL) still leaves a complete trace, and sees the handler it set', async () => {
    const out = tempTrace();
    const { code, stdout } = await signalWhenReady(py('default_interrupt.py'), out, { ...process.env, TASKLANE_PYTHON: python.command }, 'waiting\n', { signal: 'SIGINT' });
    assert.equal(code, 130);
    assert.equal(stdout, 'replaced default_int_handler\nnow SIG_DFL\nwaiting\n');
    const model = takeTrace(out);
    assert.deepEqual([model.exit?.reason, model.exit?.signal, model.exit?.message], ['signal', 'SIGINT', 'terminated by SIGINT'], 'ended by the runner, not killed before it could say so');
    assert.equal(model.endState(only(model, 'wait_forever')), 'pending');
  });

  it('CPython\'s own asyncio tests of tasks, queues, locks, futures, subprocesses and signal handlers give the same results traced as untraced', async function () {
    this.timeout(360_000);
    // (Debian's python3 ships its test suite apart, as libpython3.X-testsuite.)
    if (spawnSync(python.command, ['-c', 'import test.test_asyncio'], { encoding: 'utf8' }).status !== 0) this.skip();
    // Two groups of about the same time: test_tasks (18 s untraced), and the rest (subprocesses 15 s).
    const groups = [['test_tasks'], ['test_queues', 'test_locks', 'test_futures', 'test_subprocess', 'test_unix_events']];
    // In a folder of its own: the fixtures' queue.py would shadow the standard library's.
    const fixture = py('cpython/cpython_asyncio_tests.py');
    const summary = (stdout: string): { ran: number; failed: string[] } => JSON.parse(stdout.trim().split('\n').pop()!);
    // Side by side, each group untraced and traced: the tests mostly sleep (a third of their time
    // is CPU), and run one after another they took two minutes per interpreter.
    const results = await Promise.all(groups.map(async (modules) => {
      const untraced = outputOf(spawn(python.command, [path.join(FIXTURES, fixture), ...modules], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 180_000 }));
      const traced = traceFixtureOrKill(fixture, 180_000, { args: modules, env: { ...process.env, TASKLANE_PYTHON: python.command } });
      return { expected: summary(await untraced), traced: summary((await traced).stdout) };
    }));
    const all = (which: 'expected' | 'traced'): { ran: number; failed: string[] } => ({
      ran: results.reduce((sum, r) => sum + r[which].ran, 0),
      failed: results.flatMap((r) => r[which].failed).sort(),
    });
    const expected = all('expected');
    assert.ok(expected.ran > 300, `untraced, ${expected.ran} tests ran`);
    assert.deepEqual(all('traced'), expected, 'the same tests ran, and the same failed (those that fail here untraced: a fork, sendfile)');
  });

  it('a program that patches os.write (unittest.mock) while its loop waits sees only its own call, and its trace loses nothing', () => {
    const { model, stdout, stderr, code } = trace(py('patched_write.py'));
    assert.deepEqual([code, stdout, stderr.replace(/^tasklane: wrote .*\n/m, '')], [0, '1\n', ''], 'the flusher wrote no frame through the mock');
    assert.deepEqual(only(model, 'main').waits.map((w) => model.waitLabel(w)), ['sleep 0.2 s', 'sleep 0.01 s']);
    assert.equal(model.exit?.reason, 'exit');
  });

  it('tasklane run -m runs a module as python -m does (its package imported first, relative imports, a package\'s __main__), and one Python cannot find ends with its words', () => {
    const cwd = path.join(FIXTURES, py(''));
    const env = { ...process.env, TASKLANE_PYTHON: python.command };
    const untraced = (args: string[]): { stdout: string; stderr: string; code: number | null } => {
      const result = spawnSync(python.command, args, { cwd, encoding: 'utf8' });
      return { stdout: result.stdout, stderr: result.stderr, code: result.status };
    };
    const app = traceFixture('modpkg.app', { asModule: true, args: ['x', 'y'], cwd, env });
    assert.deepEqual([app.code, app.stdout], [0, untraced(['-m', 'modpkg.app', 'x', 'y']).stdout]);
    assert.equal(app.stdout, "__main__ modpkg app.py ['x', 'y'] ['a', 'b']\n");
    assert.equal(only(app.model, 'modpkg.app').kind, 'script');
    const naps = tasksNamed(app.model, 'nap');
    assert.equal(naps.length, 2);
    for (const nap of naps) assert.match(nap.site, /modpkg\/app\.py:\d+:\d+$/);
    const pkg = traceFixture('modpkg', { asModule: true, args: ['z'], cwd, env });
    assert.deepEqual([pkg.code, pkg.stdout], [0, "modpkg.app modpkg __main__.py ['z'] ['a', 'b']\n"]);
    assert.equal(tasksNamed(pkg.model, 'nap').length, 2);
    const missing = traceFixture('modpkg.nosuch', { asModule: true, cwd, env });
    const expected = untraced(['-m', 'modpkg.nosuch']);
    assert.deepEqual([missing.code, missing.stdout, missing.stderr.replace(/^tasklane: wrote .*\n/m, '')], [expected.code, expected.stdout, expected.stderr]);
    assert.deepEqual([missing.model.exit?.reason, missing.model.exit?.message], ['exception', 'No module named modpkg.nosuch']);
  });

  it('a missing interpreter gets a clear message', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'run', path.join(FIXTURES, py('sequential.py')), '--python', 'python-does-not-exist', '--out', '/dev/null'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /could not start python-does-not-exist: it was not found/);
  });
});
