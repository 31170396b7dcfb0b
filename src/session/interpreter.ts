// Finding and checking the Python interpreter for a run.
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';

const MIN_PYTHON: [number, number] = [3, 9];

/** The interpreter the Python extension has selected for this file, when it is installed. */
export async function pythonFromExtension(uri: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } } }>('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api.environments?.getActiveEnvironmentPath(uri)?.path || undefined;
  } catch {
    return undefined;
  }
}

/** A sentence saying what is wrong with `python`, or undefined when it will do. */
export function checkPython(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { timeout: 10_000 }, (err, stdout) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        resolve(missing ? `the Python interpreter "${python}" was not found.` : `"${python}" did not run: ${err.message}`);
        return;
      }
      const [major, minor] = stdout.trim().split('.').map(Number);
      const tooOld = major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1]);
      resolve(tooOld ? `"${python}" is Python ${stdout.trim()}; Tasklane needs ${MIN_PYTHON.join('.')} or newer.` : undefined);
    });
  });
}
