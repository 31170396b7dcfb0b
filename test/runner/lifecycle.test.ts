import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, exitOf, FIXTURES, killGroupLeft, only, printed, ROOT, runUntraced, scriptPid, signalWhenReady, startFixture, startLive, stopLikeStop, syncRandomBytesIsAJob, takeTrace, tasksNamed, tempTrace, traceFixture, until } from './helpers';
import { TraceModel } from '../../src/trace/model';

describe('Node runner: how programs end, and what they see', () => {
  it('tasklane summary piped into a reader that stops early (| head) exits quietly', async () => {
    const out = tempTrace();
    const run = spawn(process.execPath, [CLI, 'run', path.join(FIXTURES, 'events-on.js'), '--out', out], { stdio: 'ignore' });
    await new Promise((resolve) => run.on('exit', resolve));
    const summary = spawn(process.execPath, [CLI, 'summary', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    summary.stdout.destroy(); // the reader is gone before the table is written
    let stderr = '';
    summary.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise((resolve) => summary.on('exit', resolve));
    fs.rmSync(out, { force: true });
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('tasklane summary of a trace file longer than one JavaScript string says so, and how to get a smaller one', () => {
    const out = tempTrace();
    fs.writeFileSync(out, '');
    fs.truncateSync(out, 600 * 1024 ** 2); // sparse: no disk used
    const result = spawnSync(process.execPath, [CLI, 'summary', out], { encoding: 'utf8' });
    fs.rmSync(out, { force: true });
    assert.equal(result.status, 2);
    assert.equal(result.stderr, `tasklane: ${out} is 600 MB, more than tasklane summary can read as one piece of text (512 MB); a trace of the same run in the Tasklane format (--format tasklane) is about a quarter of the size of a Chrome trace\n`);
  });

  it('tasklane run says, before the script runs, that its trace could not be written (no such folder, a folder); summary says a trace file is missing or a folder', () => {
    const missing = path.join(os.tmpdir(), `tasklane-missing-${process.pid}`, 'trace.json');
    for (const [out, why] of [[missing, `there is no folder ${path.dirname(missing)}`], [os.tmpdir(), 'it is a folder']]) {
      const result = spawnSync(process.execPath, [CLI, 'run', path.join(FIXTURES, 'sequential.js'), '--out', out], { encoding: 'utf8' });
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '', 'the script did not run');
      assert.equal(result.stderr, `tasklane: cannot write the trace to ${out}: ${why}\n`);
    }
    for (const [file, said] of [[missing, `${missing}: no such file or folder`], [os.tmpdir(), `${os.tmpdir()} is a folder, not a trace file`]]) {
      const result = spawnSync(process.execPath, [CLI, 'summary', file], { encoding: 'utf8' });
      assert.equal(result.status, 2);
      assert.equal(result.stderr, `tasklane: ${said}\n`);
    }
  });

  it('a trace that cannot be written once the script has run (its folder removed meanwhile) is kept in the temporary folder, and tasklane exits with the script\'s code', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-out-'));
    const out = path.join(folder, 'run.tasklane.json');
    const result = spawnSync(process.execPath, [CLI, 'run', path.join(FIXTURES, 'removes-folder.js'), folder, '--out', out], { encoding: 'utf8' });
    assert.equal(result.stdout, 'removed\n');
    assert.equal(result.status, 3, 'the script\'s exit code');
    const kept = /^tasklane: could not write (\S+) \((.*)\); the trace is kept in (\S+)\ntasklane: wrote (\S+) /.exec(result.stderr);
    assert.ok(kept, result.stderr);
    assert.deepEqual([kept[1], kept[2], kept[4]], [out, `${out}: no such file or folder`, kept[3]]);
    const model = takeTrace(kept[3]);
    assert.equal(model.exit?.code, 3, 'the whole run');
  });

  it('under a permission model in NODE_OPTIONS that denies starting the script or writing its trace, tasklane says which flag allows it, before the script runs', () => {
    const out = tempTrace();
    // Spelt as the Node running the tests knows it (--permission only, from Node 24).
    const flag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const base = `${flag} --allow-fs-read=*`;
    for (const [options, denied] of [[base, /denied starting the script: add --allow-child-process to NODE_OPTIONS/], [`${base} --allow-child-process`, /denied writing \S+: add --allow-fs-write to NODE_OPTIONS/]] as const) {
      const result = spawnSync(process.execPath, [CLI, 'run', path.join(FIXTURES, 'sequential.js'), '--out', out], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: options } });
      assert.equal(result.status, 2, options);
      assert.match(result.stderr, denied);
      assert.ok(result.stderr.split('\n').some((line) => line.startsWith(`tasklane: Node's permission model (${flag} in NODE_OPTIONS, which tasklane runs under too)`)), result.stderr);
      assert.equal(result.stdout, '', 'the script did not run');
      assert.equal(fs.existsSync(out), false);
    }
  });

  it('a crash half way still yields a trace that says why it ended', () => {
    const { model, code, stdout, stderr } = traceFixture('crash.js');
    assert.equal(code, 1);
    assert.equal(stdout, 'step 1\n');
    assert.match(stderr, /Error: boom half way/, 'Node printed the error as usual');
    assert.equal(model.exit?.reason, 'exception');
    assert.equal(model.exit?.code, 1);
    assert.equal(model.exit?.message, 'Error: boom half way');
    assert.match(model.exit!.site, /crash\.js:10:\d+$/);
    assert.equal(only(model, 'setTimeout 10 ms').end?.state, 'rejected', 'the timer that threw');
    assert.equal(model.tasks.get(1)?.end?.state, 'rejected');
  });

  it('a crash right after a call of a helper, or of an async function that returned another\'s promise, is the crash of the code that called it', () => {
    const { model, code } = traceFixture('crash-after-call.js');
    assert.equal(code, 1);
    assert.match(model.exit!.message, /^SyntaxError: /);
    const timer = only(model, 'setTimeout 10 ms');
    assert.deepEqual([timer.end?.state, timer.end?.message], ['rejected', model.exit!.message], 'the timer whose callback threw');
    const called = [only(model, 'load'), ...tasksNamed(model, 'fs.readFile')];
    assert.equal(called.length, 3);
    assert.deepEqual(called.filter((t) => t.end?.state === 'rejected').map((t) => t.name), [], 'none was told of the error');
  });

  it('an unhandled rejection ends with code 1 and says so', () => {
    const { model, code, stdout } = traceFixture('unhandled.js');
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(model.exit?.reason, 'rejection');
    assert.equal(model.exit?.message, 'Error: nobody caught me');
    assert.equal(only(model, 'forgotten').end?.state, 'rejected');
  });

  it('process.exit(3) exits with 3 and the trace records it', () => {
    const { model, code } = traceFixture('exit-code.js');
    assert.equal(code, 3);
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exit', 3]);
    assert.equal(model.endState(only(model, 'main')), 'pending');
  });

  it('a program that removes all exit listeners and sets its exit code in its own still has its end in the trace, with the code it exits with', () => {
    const { model, code, stdout } = traceFixture('exit-listeners.js');
    assert.equal(stdout, 'exiting\n');
    assert.equal(code, 4, 'the code its exit listener set, as untraced');
    assert.equal(runUntraced('exit-listeners.js').code, 4);
    assert.deepEqual([model.exit?.reason, model.exit?.code, model.exit?.message], ['exit', 4, ''], 'reported by the runner, not made up for a runner that could not');
    assert.ok(model.exit!.t > only(model, 'setTimeout 5 ms').end!.t, 'at the end, after what ran');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} ends a hanging script and leaves a complete trace`, async () => {
      const out = tempTrace();
      const child = startFixture('hang.js', out);
      await printed(child, 'listening');
      // The CLI shares the script's process group in a terminal; here we signal the script through it.
      process.kill(scriptPid(child), signal);
      const code = await exitOf(child);
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130);
      const model = takeTrace(out);
      assert.equal(model.exit?.reason, 'signal');
      assert.equal(model.exit?.signal, signal);
      assert.equal(model.endState(only(model, 'waitForever')), 'pending');
      assert.ok(only(model, /^TCP server/));
    });
  }

  it('an endless loop that never yields: Stop ends it, and the trace shows which task held the loop until then', async () => {
    const out = tempTrace();
    const child = startFixture('spin.js', out);
    await printed(child, 'spinning');
    const code = await stopLikeStop(child);
    assert.equal(code, 137, 'SIGTERM cannot reach JavaScript that never yields; SIGKILL ends it');
    const model = takeTrace(out);
    assert.equal(model.exit?.reason, 'killed');
    const spinner = only(model, 'spinForever');
    const [longest] = model.longBlocks();
    assert.equal(longest?.task, spinner.id, 'the longest block of the loop is the spinning task');
    assert.ok(longest.end === model.exit!.t && longest.end - longest.start >= 900_000, `it held the loop until it was killed: ${longest.start}–${longest.end} µs, exit at ${model.exit!.t}`);
  });

  it('Ctrl-C (SIGINT to the process group): a script that never yields is told to be still running, and a second Ctrl-C kills it', async () => {
    const out = tempTrace();
    const child = startFixture('spin.js', out, process.env, true);
    const ctrlC = (): boolean => process.kill(-child.pid!, 'SIGINT'); // the terminal signals the CLI and the script
    let stderr = '';
    const told = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).includes('press Ctrl-C again') && resolve()));
    const exited = exitOf(child);
    try {
      await printed(child, 'spinning');
      ctrlC();
      await told;
      assert.match(stderr, /tasklane: .*spin\.js is still running; press Ctrl-C again to kill it/);
      ctrlC();
      assert.equal(await exited, 137);
    } finally {
      killGroupLeft(child); // a failed test leaves no script spinning
    }
    const model = takeTrace(out);
    assert.equal(model.exit?.reason, 'killed');
    assert.equal(model.longBlocks()[0]?.task, only(model, 'spinForever').id, 'the trace shows which task held the loop');
  });

  it('SIGTERM to the tasklane command alone (kill <pid>) reaches the script, which ends as it would untraced', async () => {
    const out = tempTrace();
    const child = startFixture('hang.js', out);
    await printed(child, 'listening');
    process.kill(child.pid!, 'SIGTERM');
    const code = await exitOf(child);
    assert.equal(code, 143);
    const model = takeTrace(out);
    assert.deepEqual([model.exit?.reason, model.exit?.signal], ['signal', 'SIGTERM'], 'the runner handled it: a complete trace');
    assert.equal(model.endState(only(model, 'waitForever')), 'pending');
  });

  it('SIGTERM to the process group (as timeout sends it): a script that never yields is killed, as untraced Node would end', async () => {
    const out = tempTrace();
    const child = startFixture('spin.js', out, process.env, true);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = exitOf(child);
    try {
      await printed(child, 'spinning');
      process.kill(-child.pid!, 'SIGTERM');
      assert.equal(await exited, 143, 'the exit code of a script SIGTERM ended');
    } finally {
      killGroupLeft(child); // a failed test leaves no script spinning
    }
    assert.match(stderr, /tasklane: .*spin\.js never yields to handle SIGTERM; killing it/);
    const model = takeTrace(out);
    assert.equal(model.exit?.reason, 'killed');
    assert.equal(model.longBlocks()[0]?.task, only(model, 'spinForever').id, 'the trace shows which task held the loop');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const to of ['group', 'command'] as const) {
      it(`${signal} to the ${to === 'group' ? 'process group' : 'tasklane command alone'} reaches a script that handles it itself once`, async () => {
        const out = tempTrace();
        const { code, stdout } = await signalWhenReady('graceful.js', out, process.env, 'serving', { signal, to, args: [signal] });
        assert.equal(code, 0, 'its handler closed the server after its own delay, and it exited cleanly');
        assert.equal(stdout, 'serving\nclosing\nclosed\n', `one ${signal} reached its handler: the command passes on only one it got alone`);
        const model = takeTrace(out);
        assert.equal(model.exit?.reason, 'exit');
        assert.deepEqual(model.signals.map((s) => s.signal), [signal], 'the trace says when it came');
        const task = only(model, `signal ${signal}`);
        assert.equal(only(model, 'setTimeout 1500 ms').parent, task.id, `its handler ran as the task of its ${signal} listener`);
      });
    }
  }

  it('SIGINT to the tasklane command alone (kill -INT <pid>, a parent\'s child.kill(\'SIGINT\')) reaches the script, which ends as it would untraced', async () => {
    const out = tempTrace();
    const { code } = await signalWhenReady('hang.js', out, process.env, 'listening', { signal: 'SIGINT', to: 'command' });
    assert.equal(code, 130);
    const model = takeTrace(out);
    assert.deepEqual([model.exit?.reason, model.exit?.signal], ['signal', 'SIGINT'], 'the runner handled it: a complete trace');
    assert.equal(model.endState(only(model, 'waitForever')), 'pending');
  });

  (process.platform === 'linux' ? it : it.skip)('Ctrl-C in a terminal while the script holds the loop reaches it once: the command passes on none, though the runner cannot say in time that the script had it', async () => {
    const out = tempTrace();
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
    // `exec`: `script` runs the command with $SHELL -c, and a shell that waits for it (dash) dies of the Ctrl-C itself.
    const command = `exec ${[process.execPath, CLI, 'run', path.join(FIXTURES, 'busy-interrupt.js'), '--out', out].map(quote).join(' ')}`;
    // `script` runs the command in the foreground of a terminal of its own, which gets what it reads: ^C is a Ctrl-C.
    const terminal = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let shown = '';
    const busy = new Promise<void>((resolve) => terminal.stdout.on('data', (d: Buffer) => /^busy\r?$/m.test((shown += d.toString())) && resolve()));
    const exited = exitOf(terminal);
    try {
      await busy;
      terminal.stdin.write('\x03');
      assert.equal(await exited, 0, shown);
    } finally {
      killGroupLeft(terminal);
    }
    const lines = shown.split(/\r?\n/);
    assert.deepEqual(lines.filter((line) => /^(SIGINT|stopped|no SIGINT)/.test(line)), ['SIGINT 1', 'stopped'], 'one SIGINT reached it, after it let go of the loop');
    assert.deepEqual(takeTrace(out).signals.map((s) => s.signal), ['SIGINT']);
  });

  it('SIGKILL from outside still leaves the trace up to that moment', async () => {
    const out = tempTrace();
    const child = startFixture('hang.js', out);
    await printed(child, 'listening');
    await new Promise((resolve) => setTimeout(resolve, 150)); // let one periodic flush go out
    process.kill(scriptPid(child), 'SIGKILL');
    const code = await exitOf(child);
    assert.equal(code, 137);
    const model = takeTrace(out);
    assert.equal(model.exit?.reason, 'killed');
    assert.match(model.exit!.message, /killed by SIGKILL/);
    assert.ok(only(model, 'waitForever'));
  });

  it('stdout is byte-identical with and without tracing', () => {
    const plain = runUntraced('chatty.js');
    const traced = traceFixture('chatty.js');
    assert.ok(plain.stdout.length > 10_000);
    assert.equal(traced.stdout, plain.stdout);
  });

  it('timers due together after the loop was held run in the order they do untraced: the runner\'s own clock shares no list with the program\'s timers, whatever their duration', () => {
    const plain = runUntraced('timer-order.js');
    assert.equal(plain.stdout, '10 then 20\n13 then 23\n'.repeat(15));
    assert.equal(traceFixture('timer-order.js').stdout, plain.stdout);
  });

  it('an unhandled rejection prints what it prints untraced, the line that threw included, and the task still ends with it', () => {
    const plain = runUntraced('async-crash.js');
    const traced = traceFixture('async-crash.js');
    assert.equal(traced.code, plain.code);
    assert.match(plain.stderr, /async-crash\.js:4\n/, 'Node shows the line that threw');
    assert.equal(traced.stderr.replace(/^tasklane: wrote .*\n/m, ''), plain.stderr);
    const load = only(traced.model, 'load');
    assert.equal(load.end?.state, 'rejected');
    assert.equal(load.end?.message, 'Error: async boom');
    assert.match(load.end!.site, /async-crash\.js:4:\d+$/);
    assert.match(traced.model.exit!.site, /async-crash\.js:4:\d+$/);
  });

  it('a program using async_hooks itself (AsyncLocalStorage, its own hook) behaves as untraced, and is still traced', () => {
    const plain = runUntraced('own-async-hooks.js');
    const { stdout, model } = traceFixture('own-async-hooks.js');
    assert.equal(stdout, plain.stdout);
    assert.match(stdout, /^a → user0, b → user1, c → user2\nown hook saw promises: true; execution id inside a callback is set: true\nafter\n$/);
    assert.equal(tasksNamed(model, 'handle').length, 3);
    assert.equal(tasksNamed(model, 'setTimeout 5 ms').length, 3);
    assert.equal(tasksNamed(model, /^Promise\.all/).length, 2, 'promises made while the program had its own hook are traced too');
  });

  it('a program that fakes performance.now, process.hrtime and setImmediate (fake timers) leaves the trace\'s clock and work alone', async () => {
    const model = new TraceModel();
    const run = startLive('fake-clocks.js', model);
    try {
      // A rejection's error is read a tick later, with the runner's own setImmediate: the end comes in while the program runs.
      await until('the rejected call\'s end to be read', () => tasksNamed(model, 'failing')[0]?.end !== undefined, 10_000);
      assert.deepEqual([only(model, 'failing').end?.state, only(model, 'failing').end?.message], ['rejected', 'Error: under fake timers']);
      assert.equal(run.child.exitCode, null, 'read before the program ended');
      run.child.stdin!.end('go\n');
      assert.equal((await run.done).code, 0);
    } finally {
      run.child.kill('SIGKILL');
    }
    model.finish();
    const sleeps = tasksNamed(model, 'sleep');
    assert.equal(sleeps.length, 2);
    for (const sleep of sleeps) {
      const took = model.endTimeOf(sleep) - sleep.created;
      assert.ok(took >= 29_000 && took < 1_000_000, `a 30 ms sleep took ${took} µs in the trace`);
    }
    assert.ok(model.endTimeOf(sleeps[1]) > model.endTimeOf(sleeps[0]), 'the second sleep ends after the first');
  });

  it('a long-running program that clears its timeouts, calls crypto synchronously or binds callbacks keeps no memory for them once done', () => {
    const { stdout, model } = traceFixture('cleared-timers.js');
    const [timeouts, crypto, bound] = [...stdout.matchAll(/^heap grew (-?\d+) MB$/gm)].map((m) => Number(m[1]));
    // Each such task was held to the end of the run: 40,000 of them grew the heap by 16 MB.
    assert.ok(timeouts < 6, `the heap grew ${timeouts} MB over 40,000 cleared timeouts`);
    assert.ok(crypto < 6, `the heap grew ${crypto} MB over 40,000 synchronous randomBytes`);
    assert.ok(bound < 6, `the heap grew ${bound} MB over 40,000 callbacks bound with AsyncResource.bind`);
    assert.equal(tasksNamed(model, 'crypto.randombytes').length, syncRandomBytesIsAJob() ? 40_000 : 0);
    const binds = tasksNamed(model, 'AsyncResource.bind');
    assert.equal(binds.length, 40_000);
    assert.ok(binds.every((t) => t.end?.state === 'resolved' && t.end.t === t.runs.at(-1)), 'each ends as its callback returned');
    const timers = tasksNamed(model, 'setTimeout 60000 ms');
    assert.equal(timers.length, 40_000);
    assert.ok(timers.every((t) => t.end?.message === 'cleared before it fired'), 'each ends as cleared');
  });

  it('a server taking a connection a request keeps no memory for the sockets and requests once they have closed', () => {
    const { stdout, model } = traceFixture('many-connections.js');
    const perRequest = Number(/^heap grew (-?[\d.]+) KB a request$/.exec(stdout.trim())?.[1]);
    // Each closed socket and HTTP parser's task was held to the end of the run: 0.8 KB a request.
    // What stays is a name for each socket (its port), which the trace's string table keeps.
    assert.ok(perRequest < 0.6, `the heap grew ${perRequest} KB a request`);
    const sockets = tasksNamed(model, /^TCP socket /);
    assert.ok(sockets.length >= 5400 && sockets.every((t) => t.end?.message === 'closed'), 'the sockets of both sides end closed');
  });

  it('the script sees its own arguments, cwd, environment and NODE_OPTIONS', () => {
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=200', TASKLANE_TEST_VALUE: 'kept' };
    const args = ['--out', 'not-for-tasklane', 'two words'];
    const { stdout } = traceFixture('echo-env.js', { args: ['--', ...args], env, cwd: '/tmp' });
    const seen = JSON.parse(stdout);
    assert.deepEqual(seen.argv, args);
    assert.equal(seen.cwd, '/tmp');
    assert.equal(seen.nodeOptions, '--max-old-space-size=200');
    assert.equal(seen.custom, 'kept');
    assert.deepEqual(seen.runnerVar, []);
    assert.deepEqual(seen.execArgv, [], 'none of the runner\'s options');
  });

  it('a script with no NODE_OPTIONS of its own sees none', () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const { stdout } = traceFixture('echo-env.js', { env });
    assert.equal(JSON.parse(stdout).nodeOptions, null);
  });

  it('stops recording at 1,000,000 events unless told otherwise, so a long run cannot exhaust memory', function () {
    this.timeout(120_000);
    const { model, stdout } = traceFixture('flood.js', { args: ['400000'] });
    assert.equal(stdout, `${(399999 * 400000) / 2}\n`);
    const dropped = model.dropped.reduce((n, d) => n + d.count, 0);
    assert.ok(dropped > 100_000, `dropped ${dropped}`);
    assert.ok(model.eventCount < 1_000_000 + model.tasks.size + model.dropped.length + 20, `${model.eventCount} events: past the cap, only ends of tasks the trace has and drop reports`);
    assert.equal(model.exit?.reason, 'exit');
  });

  it('past the event cap follows no new work, but the tasks the trace has end as they did', () => {
    const { model, stdout } = traceFixture('past-the-cap.js', { cliArgs: ['--max-events', '60'] });
    assert.equal(stdout, '60 failed after the cap\n', 'the program itself is unaffected');
    const from = model.dropped[0].t;
    const timers = tasksNamed(model, 'setTimeout 1 ms'); // Node makes 0 ms 1
    assert.ok(timers.length > 0 && timers.length < 300, `${timers.length} of the 300 timers made at once are in the trace`);
    assert.ok([...model.tasks.values()].every((t) => t.created <= from), 'no task after the cap');
    assert.ok(model.dropped.reduce((n, d) => n + d.count, 0) >= 300 - timers.length, 'each timer past the cap is counted dropped');
    const late = only(model, 'late');
    assert.equal(late.end?.state, 'resolved');
    assert.ok(late.end.t - late.created >= 60_000, `late ended ${late.end.t - late.created} µs after it began: once its 60 ms timer fired`);
    const failing = only(model, 'failsLate');
    assert.equal(failing.end?.state, 'rejected');
    assert.equal(failing.end.message, 'Error: failed after the cap');
    // Its read and close are requests made past the cap: the call ends once its callback has run.
    const read = only(model, 'fs.readFile');
    assert.equal(read.end?.state, 'resolved');
    assert.ok(read.end.t - read.created >= 100_000, `fs.readFile ended ${read.end.t - read.created} µs after it began: after its callback's 100 ms`);
    assert.equal(model.exit?.reason, 'exit');
  });

  it('says how many events it dropped once the event cap is reached, and when', () => {
    const { model, stdout } = traceFixture('flood.js', { args: ['100000'], cliArgs: ['--max-events', '500'] });
    assert.equal(stdout, `${(99999 * 100000) / 2}\n`, 'the program itself is unaffected');
    const dropped = model.dropped.reduce((n, d) => n + d.count, 0);
    assert.ok(dropped > 10_000, `dropped ${dropped}`);
    // The cap is reached some 200 calls into main's 100,000: early in its run, however long the
    // script took to load before it (seconds on a loaded machine).
    const from = model.dropped[0].t;
    const main = only(model, 'main');
    assert.ok(main.end !== undefined && from > main.created && from - main.created < main.end.t - from, `dropping began ${from - main.created} µs into main's run of ${main.end!.t - main.created}: the cap was reached early`);
    assert.ok([...model.tasks.values()].every((t) => t.created <= from), 'no task after the cap');
    assert.ok(model.eventCount < 500 + model.tasks.size + 20, `${model.eventCount} events: past the cap, only ends of tasks the trace has`);
    assert.equal(model.exit?.reason, 'exit', 'the end is recorded even past the cap');
  });
});
