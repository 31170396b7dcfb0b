import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import { api, closeAllEditors, EXTENSION_ID, panelFor, scratchFolder, traceWithCli, waitFor, workspaceFile } from './helpers';
import type { TaskRow } from '../../../src/shared/protocol';

/** The extension host's heap after full collections, MB. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    let children: string;
    try {
      children = fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8');
    } catch {
      return;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Whether a process still runs. A zombie (ended, waiting for its new parent to reap it) does not. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('Tasklane in a real VS Code extension host', () => {
  afterEach(closeAllEditors);

  it('activates and registers its commands', async () => {
    await api();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tasklane.runWithTrace', 'tasklane.stop', 'tasklane.openTraceFile', 'tasklane.exportTrace']) assert.ok(commands.includes(id), id);
  });

  it('Run with Trace on an unsaved new file asks for it to be saved, and runs nothing', async () => {
    const testApi = await api();
    const document = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'setTimeout(() => {}, 10);\n' });
    await vscode.window.showTextDocument(document);
    const runBefore = testApi.lastRun();
    try {
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace'), false);
      assert.match(testApi.lastError() ?? '', /^Tasklane runs scripts from files on disk: to run Untitled-\d+, save it first\.$/);
      assert.equal(testApi.lastRun(), runBefore, 'no run started');
      assert.deepEqual(testApi.liveRuns(), []);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'); // closing it unsaved would ask
    }
  });

  it('Run with Trace on the active file opens the panel with that run’s tasks', async () => {
    const testApi = await api();
    await vscode.window.showTextDocument(workspaceFile('node', 'sequential.js'));
    const started = await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace');
    assert.equal(started, true);
    await testApi.lastRun();
    const state = await panelFor('sequential.js', 'finished');
    const names = state.tasks.map((t) => t.name);
    assert.deepEqual(names.filter((n) => n === 'sayAfter').length, 2);
    assert.ok(names.includes('main'));
    assert.ok(names.includes('setTimeout 100 ms') && names.includes('setTimeout 200 ms'));
    assert.equal(state.taskCount, state.tasks.length);
    assert.ok(state.eventCount > 10);
    assert.match(state.statusText, /exited with code 0/);
  });

  it('the panel refuses (and logs) webview messages that are malformed or ask for files the trace does not name, and opens those it does', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'sequential.js')), true);
    await testApi.lastRun();
    const state = await panelFor('sequential.js', 'finished');
    const refusals: [unknown, RegExp][] = [
      [{ type: 'openSite', site: '/etc/passwd:1:1' }, /^Refused to open \/etc\/passwd:1:1: the trace does not name it\.$/],
      [{ type: 'openSite', site: `${workspaceFile('node', 'sequential.js').fsPath}:99:1` }, /the trace does not name it/],
      [{ type: 'openSite' }, /^Refused a malformed message from the timeline webview: \{"type":"openSite"\}$/],
      [{ type: 'ready', also: 'this' }, /^Refused a malformed message/],
      ['<script>alert(1)</script>', /^Refused a malformed message from the timeline webview: "<script>alert\(1\)<\/script>"$/],
      [{ type: 'runScript', file: '/tmp/x.js' }, /^Refused a malformed message/],
    ];
    for (const [raw, reason] of refusals) assert.match(testApi.webviewSays(raw) ?? 'accepted', reason, JSON.stringify(raw));
    assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === '/etc/passwd'), 'nothing outside the trace opened');
    const site = state.tasks.find((t) => t.name === 'main')!.site;
    assert.equal(testApi.webviewSays({ type: 'openSite', site }), undefined, `${site} is named by the trace`);
    const line = Number(/:(\d+):\d+$/.exec(site)![1]);
    await waitFor(`the creation site to open on line ${line}`, () =>
      vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === workspaceFile('node', 'sequential.js').fsPath && e.selection.active.line + 1 === line));
  });

  it('Export Trace saves the run as a Tasklane file and as a Chrome trace, and both reopen; one it cannot write is said', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'promise-all.js')), true);
    await testApi.lastRun();
    await panelFor('promise-all.js', 'finished');
    for (const name of [`tasklane-export-${process.pid}.tasklane.json`, `tasklane-export-${process.pid}.json`]) {
      const file = path.join(os.tmpdir(), name);
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.exportTrace', vscode.Uri.file(file)), true);
      const data = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.ok(name.endsWith('.tasklane.json') ? data.format === 'tasklane' : Array.isArray(data.traceEvents), name);
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), true);
      const state = await panelFor(name, 'loaded');
      assert.ok(state.tasks.some((t) => t.name === 'Promise.all ×3'), `${name}: ${state.tasks.map((t) => t.name).join(', ')}`);
      fs.rmSync(file);
    }
    // Onto a folder: said, not thrown at VS Code as a failed command.
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.exportTrace', vscode.Uri.file(os.tmpdir())), false);
    assert.match(testApi.lastError() ?? '', new RegExp(`^Tasklane could not export the trace to ${os.tmpdir()}: `));
  });

  it('the script runs in its own terminal, a line typed there reaches its stdin, and its next run is in the same terminal', async () => {
    const testApi = await api();
    const terminals = (): vscode.Terminal[] => vscode.window.terminals.filter((t) => t.name === 'Tasklane: read-line.js');
    for (const run of ['first', 'second']) {
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'read-line.js')), true);
      await waitFor('the run’s terminal', () => terminals()[0]);
      await panelFor('read-line.js', 'running');
      for (const terminal of terminals()) terminal.sendText('hello tasklane', true); // a finished run's ignores it
      await testApi.lastRun();
      const state = await panelFor('read-line.js', 'finished');
      assert.match(state.statusText, /exited with code 0/, `${run} run: the script read the expected line`);
      assert.equal(terminals().length, 1, `${run} run: one terminal`);
      await closeAllEditors();
    }
  });

  it('Ctrl+C in the script\'s terminal interrupts it as a shell\'s terminal would: asyncio.run cancels its main task, which shuts down and returns', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'graceful_interrupt.py')), true, testApi.lastError());
    const terminal = await waitFor('the run’s terminal', () => vscode.window.terminals.find((t) => t.name === 'Tasklane: graceful_interrupt.py'));
    // Serving: its server made, main awaits an event that never comes.
    await waitFor('the server', () => testApi.panelStates().find((s) => s.title === 'graceful_interrupt.py' && s.tasks.some((t) => t.name.startsWith('TCP server'))), 20_000);
    terminal.sendText('\x03', false);
    await testApi.lastRun();
    const state = await panelFor('graceful_interrupt.py', 'finished');
    const main = state.tasks.find((t) => t.name === 'main');
    assert.equal(main?.state, 'resolved', 'main caught its cancellation and returned');
    assert.match(state.tasks.find((t) => t.name.startsWith('TCP server'))?.state ?? '', /closed/, 'it closed its server');
    // Python 3.11+: asyncio.run returns; below, it raises KeyboardInterrupt once main has returned.
    assert.match(state.statusText, /exited with code 0|ended by SIGINT/);
    await closeAllEditors();
  });

  it('a second Ctrl+C in the script\'s terminal stops a script that handles the first and goes on', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'ignores-sigint.js')), true, testApi.lastError());
    const terminal = await waitFor('the run’s terminal', () => vscode.window.terminals.find((t) => t.name === 'Tasklane: ignores-sigint.js'));
    const listener = (): TaskRow | undefined => testApi.panelStates().find((s) => s.title === 'ignores-sigint.js')?.tasks.find((t) => t.name === 'signal SIGINT');
    await waitFor('its SIGINT listener', listener, 20_000);
    terminal.sendText('\x03', false);
    await waitFor('its listener to run', () => listener()!.running > 0, 20_000);
    assert.equal(testApi.liveRuns().length, 1, 'it goes on');
    terminal.sendText('\x03', false);
    await testApi.lastRun();
    assert.match((await panelFor('ignores-sigint.js', 'stopped')).statusText, /^Stopped\./);
    await closeAllEditors();
  });

  it('the script starts without the extension host\'s own variables (ELECTRON_RUN_AS_NODE, VSCODE_*), with those of tasklane.env, ${workspaceFolder} filled in', async () => {
    const testApi = await api();
    const config = vscode.workspace.getConfiguration('tasklane');
    // Desktop VS Code's extension host has them; code-server's may not: set here, as there.
    const hostOnly = { ELECTRON_RUN_AS_NODE: '1', VSCODE_TASKLANE_TEST_HOST: '1' };
    const before = Object.fromEntries(Object.keys(hostOnly).map((key) => [key, process.env[key]]));
    Object.assign(process.env, hostOnly);
    await config.update('env', { VSCODE_FROM_SETTINGS: 'yes', FOLDER_FROM_SETTINGS: '${workspaceFolder}' }, vscode.ConfigurationTarget.Global);
    try {
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'environment.js')), true);
      await testApi.lastRun();
      assert.match((await panelFor('environment.js', 'finished')).statusText, /exited with code 0/);
    } finally {
      for (const [key, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await config.update('env', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('Stop ends a hanging script and the processes it started', async () => {
    const testApi = await api();
    const started = await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'hang-with-child.js'));
    assert.equal(started, true);
    const run = await waitFor('the run to start', () => testApi.liveRuns()[0]);
    const tree = await waitFor('the script and its child process', () => {
      const pids = [run.pid!, ...descendants(run.pid!)];
      return pids.length >= 2 && pids;
    });
    await panelFor('hang-with-child.js', 'running');
    const stopAt = Date.now();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.stop'), true);
    await testApi.lastRun();
    await waitFor('every process of the run to end', () => tree.every((pid) => !alive(pid)), 2_000);
    assert.ok(Date.now() - stopAt < 2_000, 'stopped within 2 s');
    const state = await panelFor('hang-with-child.js', 'stopped');
    assert.match(state.statusText, /^Stopped\. The program was ended by SIGTERM/);
    assert.deepEqual(testApi.liveRuns(), []);
  });

  it('Stop ends a script stuck in an endless loop within 2 s, and the panel names the task that held the loop', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'spin.js')), true);
    const run = await waitFor('the run to start', () => testApi.liveRuns()[0]);
    // The script spins from 30 ms on; half a second into the run it is surely stuck.
    await waitFor('the run to go on for half a second', () => testApi.panelStates().find((s) => s.title === 'spin.js' && s.status === 'running' && s.duration >= 500_000 && s.tasks.some((t) => t.name === 'spinForever')), 10_000);
    const stopAt = Date.now();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.stop'), true);
    await testApi.lastRun();
    await waitFor('the script to end', () => !alive(run.pid!), 2_000);
    assert.ok(Date.now() - stopAt < 2_000, 'stopped within 2 s');
    const state = await panelFor('spin.js', 'stopped');
    assert.match(state.statusText, /^Stopped\. The program was ended by SIGKILL after .*The longest loop block was .* in spinForever\./);
  });

  it('closing the panel ends its run and every process it started', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'hang-with-child.js')), true);
    const run = await waitFor('the run to start', () => testApi.liveRuns()[0]);
    const tree = await waitFor('the script and its child process', () => {
      const pids = [run.pid!, ...descendants(run.pid!)];
      return pids.length >= 2 && pids;
    });
    await panelFor('hang-with-child.js', 'running');
    await closeAllEditors();
    await waitFor('every process of the run to end', () => tree.every((pid) => !alive(pid)), 2_000);
    await testApi.lastRun();
    assert.deepEqual(testApi.liveRuns(), []);
  });

  it('a live run’s clock moves on while the program sits idle, then Stop ends it', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'hang.js')), true);
    const idle = await waitFor('the panel to count a whole second', () => testApi.panelStates().find((s) => s.title === 'hang.js' && /^Running for \d+(\.\d+)? s\.$/.test(s.statusText)), 10_000);
    assert.ok(idle.duration >= 1_000_000, `the timeline reaches ${idle.duration} µs`);
    assert.ok(idle.eventCount < 40, `the program made only ${idle.eventCount} events: the time came from the clock`);
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.stop'), true);
    await testApi.lastRun();
  });

  it('two runs at once fill two panels with their own tasks, and ten runs in a row leave nothing behind, memory included', async () => {
    const testApi = await api();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'hang.js')), true);
    await panelFor('hang.js', 'running');
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'sequential.js')), true);
    const sequential = await panelFor('sequential.js', 'finished');
    assert.deepEqual(testApi.liveRuns().map((r) => path.basename(r.script)), ['hang.js'], 'the first run went on meanwhile');
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.stop'), true);
    await waitFor('the first run to end', () => testApi.liveRuns().length === 0);
    // The first panel is the tab behind the second: show it, as a user would.
    await vscode.commands.executeCommand('workbench.action.previousEditorInGroup');
    const hang = await panelFor('hang.js', 'stopped');
    const names = (state: typeof hang): string[] => state.tasks.map((t) => t.name);
    assert.ok(names(hang).includes('waitForever') && !names(hang).includes('sayAfter'), names(hang).join(', '));
    assert.ok(names(sequential).includes('sayAfter') && !names(sequential).includes('waitForever'), names(sequential).join(', '));
    await closeAllEditors();
    // Each run of flood.js holds about 120,000 events (some 12 MB in the host): ten kept would show.
    const runFlood = async (): Promise<void> => {
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'flood.js')), true);
      await testApi.lastRun();
      await closeAllEditors();
    };
    await runFlood(); // the first also loads what every run needs
    const baseline = heapAfterGc();
    for (let i = 0; i < 10; i++) await runFlood();
    assert.deepEqual(testApi.liveRuns(), [], 'no run left');
    assert.equal(vscode.window.terminals.filter((t) => t.name === 'Tasklane: flood.js').length, 1, 'the runs shared one terminal');
    assert.equal(testApi.panelStates().length, 0, 'no panel left');
    const grown = heapAfterGc() - baseline;
    assert.ok(grown < 8, `the extension host's heap grew ${grown.toFixed(1)} MB over ten runs`);
  });

  it('Open Trace File reopens a saved trace', async () => {
    const file = traceWithCli('promise-all.js', `tasklane-vscode-${process.pid}.tasklane.json`);
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), true);
    const state = await panelFor(path.basename(file), 'loaded');
    assert.ok(state.tasks.some((t) => t.name === 'Promise.all ×3'));
    assert.equal(state.tasks.filter((t) => t.name === 'fetchItem').length, 3);
    fs.rmSync(file);
  });

  it('a timeline whose webview does not load is loaded again, and shows its trace', async () => {
    const testApi = await api();
    const file = traceWithCli('promise-all.js', `tasklane-reload-${process.pid}.tasklane.json`);
    testApi.loseNextLoad();
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), true);
    const state = await panelFor(path.basename(file), 'loaded');
    assert.equal(state.tasks.filter((t) => t.name === 'fetchItem').length, 3);
    fs.rmSync(file);
  });

  it('a *.tasklane.json file opens in the Tasklane trace editor', async () => {
    const file = traceWithCli('sequential.js', `tasklane-editor-${process.pid}.tasklane.json`);
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
    const state = await panelFor(path.basename(file), 'loaded');
    assert.equal(state.tasks.filter((t) => t.name === 'sayAfter').length, 2);
    fs.rmSync(file);
  });

  it('Open Trace File refuses hostile files with a clear message, and the host stays responsive', async () => {
    const testApi = await api();
    const TASK = '{"id":1,"parent":0,"kind":"async","name":"x","site":"","internal":false,"created":0,"runs":[],"waits":[],"members":[]}';
    const cases: [string, (file: string) => void, RegExp][] = [
      ['truncated', (f) => fs.writeFileSync(f, '{"format":"tasklane","version":1,"tasks":[{"id":1,'), /not valid JSON/],
      ['wrong types', (f) => fs.writeFileSync(f, JSON.stringify({ format: 'tasklane', version: 1, tasks: 'none' })), /no task list/],
      ['deeply nested', (f) => fs.writeFileSync(f, '['.repeat(200_000) + ']'.repeat(200_000)), /no traceEvents array/],
      ['huge numbers', (f) => fs.writeFileSync(f, `{"format":"tasklane","version":1,"endTime":1e400,"tasks":[${TASK.replace('"id":1', '"id":1e400')}]}`), /task 0 id is not a finite number/],
      ['an unknown task kind', (f) => fs.writeFileSync(f, `{"format":"tasklane","version":1,"endTime":5,"tasks":[${TASK.replace('"async"', '"teleport"')}]}`), /task 0 kind is not one of/],
      ['a Chrome trace of unknown events', (f) => fs.writeFileSync(f, JSON.stringify({ traceEvents: [{ ph: 'Q', name: 'what' }] })), /not written by Tasklane/],
      ['1 GB', (f) => fs.truncateSync((fs.writeFileSync(f, ''), f), 1024 ** 3), /1\.0 GB.*up to 200 MB/],
    ];
    for (const [what, write, message] of cases) {
      const file = path.join(os.tmpdir(), `tasklane-vscode-hostile-${process.pid}.json`);
      write(file);
      const opened = await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file));
      fs.rmSync(file);
      assert.equal(opened, false, `${what}: refused`);
      assert.match(testApi.lastError() ?? '', message, what);
      assert.match(testApi.lastError() ?? '', /^Tasklane cannot open tasklane-vscode-hostile-\d+\.json: /, what);
    }
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.stop'), false, 'the extension still answers');
  });

  it('Open Trace File explains a malformed file instead of failing', async () => {
    const file = path.join(os.tmpdir(), `tasklane-vscode-bad-${process.pid}.json`);
    fs.writeFileSync(file, '{"format":"tasklane","version":1,"tasks":[{"id":"x"}]');
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), false);
    fs.rmSync(file);
  });
});

describe('Tasklane runs Python asyncio scripts in VS Code', () => {
  afterEach(closeAllEditors);

  it('Run with Trace on a .py file shows its tasks and coroutines', async () => {
    const testApi = await api();
    await vscode.window.showTextDocument(workspaceFile('python', 'create_task.py'));
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace'), true);
    await testApi.lastRun();
    const state = await panelFor('create_task.py', 'finished');
    const names = state.tasks.map((t) => t.name);
    assert.ok(names.includes('main') && names.includes('say_after') && names.includes('second'), names.join(', '));
    assert.match(state.statusText, /exited with code 0/);
  });

  /** Runs `body` with tasklane.pythonPath set to `python`. */
  async function withPythonPath(python: string, body: () => Promise<void>): Promise<void> {
    const config = vscode.workspace.getConfiguration('tasklane');
    await config.update('pythonPath', python, vscode.ConfigurationTarget.Global);
    try {
      await body();
    } finally {
      await config.update('pythonPath', undefined, vscode.ConfigurationTarget.Global);
    }
  }

  /** An executable shell script in a folder of its own. */
  function shellScript(name: string, body: string): string {
    const file = path.join(scratchFolder(), name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  }

  /** A launcher for python3, as pyenv's shims are, that notes its arguments in `ran` each time it runs. */
  function notingLauncher(name: string): { launcher: string; ran: string } {
    const launcher = shellScript(name, `echo "$@" >> "$(dirname "$0")/ran"\nexec python3 "$@"`);
    return { launcher, ran: path.join(path.dirname(launcher), 'ran') };
  }

  it('tasklane.pythonPath may name the interpreter relative to the workspace folder, or by ${workspaceFolder}', async () => {
    const testApi = await api();
    const { launcher, ran } = notingLauncher('relative-python');
    const relative = path.relative(vscode.workspace.workspaceFolders![0].uri.fsPath, launcher);
    for (const setting of [relative, `\${workspaceFolder}/${relative}`]) {
      await withPythonPath(setting, async () => {
        assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'sequential.py')), true, testApi.lastError());
        await testApi.lastRun();
      });
      assert.match(fs.readFileSync(ran, 'utf8'), /tasklane_runner\.py \S*sequential\.py/, `${setting} ran the script`);
      fs.rmSync(ran);
    }
  });

  it('a missing Python interpreter gets a clear message and no run', async () => {
    const testApi = await api();
    await withPythonPath('/nonexistent/python3', async () => {
      const before = testApi.lastRun();
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'sequential.py')), false);
      assert.equal(testApi.lastRun(), before, 'no run was started');
      assert.match(testApi.lastError() ?? '', /the Python interpreter "\/nonexistent\/python3" was not found\. Set "tasklane\.pythonPath"/);
    });
  });

  it('a Python older than 3.9 gets a clear message and no run', async () => {
    const testApi = await api();
    // An interpreter that answers the version check as Python 3.8 does.
    const old = shellScript('python3.8', 'echo 3.8');
    await withPythonPath(old, async () => {
      const before = testApi.lastRun();
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'sequential.py')), false);
      assert.equal(testApi.lastRun(), before, 'no run was started');
      assert.equal(testApi.lastError(), `Tasklane: "${old}" is Python 3.8; Tasklane needs 3.9 or newer. Set "tasklane.pythonPath" to a Python 3.9 or newer.`);
    });
  });

  it('without tasklane.pythonPath, a .py file runs with the interpreter the Python extension has selected', async () => {
    const testApi = await api();
    assert.ok(vscode.extensions.getExtension('ms-python.python'), 'the Python extension (its stand-in) is installed');
    const { launcher: selected, ran } = notingLauncher('selected-python');
    const python = vscode.workspace.getConfiguration('python');
    await python.update('defaultInterpreterPath', selected, vscode.ConfigurationTarget.Global);
    try {
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'sequential.py')), true);
      await testApi.lastRun();
      assert.match(fs.readFileSync(ran, 'utf8'), /tasklane_runner\.py \S*sequential\.py/, 'the selected interpreter ran the script');
      // tasklane.pythonPath, when set, comes first.
      fs.rmSync(ran);
      await withPythonPath('python3', async () => {
        assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'sequential.py')), true);
        await testApi.lastRun();
      });
      assert.equal(fs.existsSync(ran), false, 'the setting\'s interpreter ran it, not the selected one');
    } finally {
      await python.update('defaultInterpreterPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('tasklane.pythonPath is the interpreter a .py file runs with', async () => {
    const testApi = await api();
    const { launcher, ran } = notingLauncher('python-launcher');
    await withPythonPath(launcher, async () => {
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('python', 'sequential.py')), true);
      await testApi.lastRun();
    });
    assert.match(fs.readFileSync(ran, 'utf8'), /tasklane_runner\.py \S*sequential\.py/, 'the launcher ran the runner on the script');
    assert.match((await panelFor('sequential.py', 'finished')).statusText, /exited with code 0/);
  });
});

describe('Every example in examples/ runs with tracing', () => {
  const root = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'examples');
  const examples = ['node', 'python'].flatMap((dir) => fs.readdirSync(path.join(root, dir)).sort().map((f) => path.join(dir, f)));

  it('has examples in JavaScript, TypeScript and Python', () => {
    for (const ext of ['.js', '.ts', '.py']) assert.ok(examples.some((e) => e.endsWith(ext)), ext);
  });

  for (const example of examples) {
    it(`${example} opens a panel with the run’s tasks`, async () => {
      const testApi = await api();
      assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', vscode.Uri.file(path.join(root, example))), true);
      await testApi.lastRun();
      const state = await panelFor(path.basename(example), 'finished');
      assert.match(state.statusText, /exited with code 0/);
      assert.ok(state.tasks.filter((t) => t.kind !== 'script').length >= 1, `${example}: ${state.tasks.map((t) => t.name).join(', ')}`);
      await closeAllEditors();
    });
  }
});
