import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, workspaceFile } from './helpers';

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
});
