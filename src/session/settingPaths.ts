// Paths and values in Tasklane's settings, as VS Code users write them. Imports nothing from vscode.
import * as path from 'node:path';

/** A setting's value with `${workspaceFolder}` filled in, when a folder is open (a `tasklane.env` variable's too). */
export function withWorkspaceFolder(value: string, folder: string | undefined): string {
  return folder === undefined ? value : value.replace(/\$\{workspaceFolder\}/g, folder);
}

/** A setting's path with `${workspaceFolder}` and a leading `~` filled in. */
export function filledPath(value: string, folder: string | undefined, home: string): string {
  const filled = withWorkspaceFolder(value, folder);
  return filled === '~' || filled.startsWith('~/') ? home + filled.slice(1) : filled;
}

/**
 * The program a setting names (`tasklane.pythonPath`, `.nodePath`): filled in (filledPath), and
 * relative to the workspace folder (`folder`) when it names a file by a relative path
 * (`.venv/bin/python`). A bare command (`python3`) is left to the PATH.
 */
export function settingProgram(value: string, folder: string | undefined, home: string): string {
  const filled = filledPath(value, folder, home);
  const command = !filled.includes('/') && !filled.includes(path.sep);
  return command || folder === undefined ? filled : path.resolve(folder, filled);
}
