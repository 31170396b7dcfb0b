import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TasklaneTestApi } from '../../../src/controller';
import { LOAD_ATTEMPTS, LOAD_TIMEOUT_MS } from '../../../src/panel/loadWatchdog';
import type { PanelState } from '../../../src/shared/protocol';

export const EXTENSION_ID = 'tasklane.tasklane';

export async function api(): Promise<TasklaneTestApi> {
  const extension = vscode.extensions.getExtension<{ testApi: TasklaneTestApi }>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  return (await extension.activate()).testApi;
}

export function workspaceFile(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test VS Code has no folder open');
  return vscode.Uri.file(path.join(folder.uri.fsPath, ...parts));
}

/** Polls until `check` returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * How long a panel may take to show its state: a webview that does not load (microsoft/vscode#125993,
 * seen in a busy browser) is loaded again by the panel's watchdog, up to its last attempt.
 */
const PANEL_DEADLINE_MS = LOAD_TIMEOUT_MS * LOAD_ATTEMPTS + 10_000;

export async function panelFor(title: string, status?: string): Promise<PanelState> {
  const testApi = await api();
  try {
    return await waitFor(
      `a panel for ${title}${status ? ` (${status})` : ''}`,
      () => testApi.panelStates().find((s) => s.title === title && (!status || s.status === status)),
      PANEL_DEADLINE_MS,
    );
  } catch (err) {
    const seen = testApi.panelStates().map((s) => `${s.title} (${s.status})`).join(', ') || 'none';
    throw new Error(`${(err as Error).message}; panels with a state: ${seen}`);
  }
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

let scratch: string | undefined;
after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

/** A new folder for a test's files, inside one the suite removes when it ends. */
export function scratchFolder(): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-vscode-scratch-'));
  return fs.mkdtempSync(path.join(scratch, 'test-'));
}

/** Traces a fixture with the extension's own `tasklane` CLI into a file named `name`; returns its path. */
export function traceWithCli(fixture: string, name: string): string {
  const file = path.join(scratchFolder(), name);
  const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist/cli.js');
  // In desktop VS Code process.execPath is Electron; ELECTRON_RUN_AS_NODE makes it Node.
  const result = spawnSync(process.execPath, [cli, 'run', workspaceFile('node', fixture).fsPath, '--out', file], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  assert.equal(result.status, 0, result.stderr);
  return file;
}
