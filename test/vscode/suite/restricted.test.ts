import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, panelFor, traceWithCli, workspaceFile } from './helpers';

// Runs only in a VS Code started without --disable-workspace-trust, on a folder nobody trusted.
describe('Restricted Mode', () => {
  it('is in effect for this folder', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('refuses to run a script, and starts no process', async () => {
    const testApi = await api();
    const started = await vscode.commands.executeCommand<boolean>('tasklane.runWithTrace', workspaceFile('node', 'sequential.js'));
    assert.equal(started, false);
    assert.deepEqual(testApi.liveRuns(), []);
    assert.equal(testApi.lastRun(), undefined);
  });

  it('still opens a saved trace and shows its tasks', async () => {
    const file = traceWithCli('promise-all.js', `tasklane-restricted-${process.pid}.tasklane.json`);
    assert.equal(await vscode.commands.executeCommand<boolean>('tasklane.openTraceFile', vscode.Uri.file(file)), true);
    const state = await panelFor(path.basename(file), 'loaded');
    assert.ok(state.tasks.some((t) => t.name === 'Promise.all ×3'), state.tasks.map((t) => t.name).join(', '));
  });
});
