import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, EXTENSION_ID, panelFor, waitFor, workspaceFile } from './helpers';

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
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
    for (const id of ['tasklane.runWithTrace', 'tasklane.stop', 'tasklane.openTraceFile']) assert.ok(commands.includes(id), id);
  });

  it('Run with Trace on the active file opens the panel with that run’s tasks', async () => {
    const testApi = await api();
    await vscode.window.showTextDocument(workspaceFile('sequential.js'));
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

  it('Stop ends a hanging script and the processes it started', async () => {
    const testApi = await api();
    const started = await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('hang-with-child.js'));
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

  it('Open Trace File reopens a saved trace', async () => {
    const file = path.join(os.tmpdir(), `tasklane-vscode-${process.pid}.tasklane.json`);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist/cli.js');
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, [cli, 'run', workspaceFile('promise-all.js').fsPath, '--out', file], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), true);
    const state = await panelFor(path.basename(file), 'loaded');
    assert.ok(state.tasks.some((t) => t.name === 'Promise.all ×3'));
    assert.equal(state.tasks.filter((t) => t.name === 'fetchItem').length, 3);
    fs.rmSync(file);
  });

  it('Open Trace File explains a malformed file instead of failing', async () => {
    const file = path.join(os.tmpdir(), `tasklane-vscode-bad-${process.pid}.json`);
    fs.writeFileSync(file, '{"format":"tasklane","version":1,"tasks":[{"id":"x"}]');
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), false);
    fs.rmSync(file);
  });
});
