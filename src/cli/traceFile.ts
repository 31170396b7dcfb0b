// Where `tasklane run` writes its trace: checked before the script runs, and kept elsewhere if it
// cannot be written after; file errors said as a person says them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveTraceSync } from '../session/saveTrace';
import type { TraceModel } from '../trace/model';
import type { TraceFormat } from '../trace/save';

/** Fails before the script runs where its trace could not be written once it has run. */
export function checkTraceFile(out: string): void {
  const folder = path.dirname(path.resolve(out));
  const cannot = (why: string): Error => new Error(`cannot write the trace to ${out}: ${why}`);
  if (!statOf(folder)?.isDirectory()) throw cannot(`there is no folder ${folder}`);
  if (statOf(out)?.isDirectory()) throw cannot('it is a folder');
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw cannot(`${folder} is not writable`);
  }
}

/** A file's stat, or undefined where there is none (other errors, a permission model's, go on). */
function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Writes the trace of a run that has happened to `out`, or, where that fails now (its folder
 * removed while the script ran, a full disk), to the temporary folder, saying so: the run is not
 * lost. Returns the file written.
 */
export function saveOrKeep(out: string, model: TraceModel, format: TraceFormat): string {
  try {
    saveTraceSync(out, model, format);
    return out;
  } catch (err) {
    const kept = path.join(os.tmpdir(), `tasklane-${process.pid}-${path.basename(out)}`);
    saveTraceSync(kept, model, format);
    process.stderr.write(`tasklane: could not write ${out} (${fileProblem(err as Error) ?? (err as Error).message}); the trace is kept in ${kept}\n`);
    return kept;
  }
}

/** What went wrong with a file, as a person says it, for Node's errors that name one (`ENOENT: no such file or directory, open '…'`). */
export function fileProblem(err: Error): string | undefined {
  const { code, path: file } = err as NodeJS.ErrnoException;
  const what = FILE_PROBLEMS[code ?? ''];
  return what === undefined || file === undefined ? undefined : `${file}: ${what}`;
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};
