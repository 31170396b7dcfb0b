// What the Python runner's suites share: the interpreters each runs under, and their fixtures.
import { spawnSync, type ChildProcess } from 'node:child_process';
import type { TraceModel } from '../../../src/trace/model';
import type { Task } from '../../../src/trace/task';
import { only, traceFixture } from '../helpers';

/** A Python fixture's path, as traceFixture takes it (from the Node fixtures). */
export const py = (name: string): string => `../python/${name}`;

/** The tasks `main` made (not its coroutine spans), in the order it made them. */
export const tasksOfMain = (model: TraceModel): Task[] => model.childrenOf(only(model, 'main').id).filter((t) => t.kind === 'async');

export interface Python {
  command: string;
  version: number[];
}

/** What a suite's tests get for the interpreter they run under. */
export interface PythonUnderTest {
  python: Python;
  /** Whether it is Python 3.`minor` or later. */
  atLeast(minor: number): boolean;
  /** traceFixture under this interpreter. */
  trace(fixture: string, args?: string[]): ReturnType<typeof traceFixture>;
}

/**
 * python3, and every other CPython 3.9+ on the PATH (python3.9 … python3.15, and later ones as they
 * come): each runs the whole suite. Debian's CI has only python3 (3.11); a developer's machine
 * with more tests them all.
 */
function interpreters(): Python[] {
  const found = new Map<string, string>();
  for (const command of ['python3', ...Array.from({ length: 12 }, (_, i) => `python3.${9 + i}`)]) {
    const result = spawnSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const version = result.status === 0 ? result.stdout.trim() : '';
    if (version && !found.has(version)) found.set(version, command);
  }
  return [...found].map(([version, command]) => ({ command, version: version.split('.').map(Number) }));
}

/** Declares the suite on `subject` once for each interpreter. */
export function forEachPython(subject: string, tests: (under: PythonUnderTest) => void): void {
  for (const python of interpreters()) {
    const atLeast = (minor: number): boolean => python.version[0] > 3 || python.version[1] >= minor;
    const trace = (fixture: string, args?: string[]): ReturnType<typeof traceFixture> => traceFixture(fixture, { args, env: { ...process.env, TASKLANE_PYTHON: python.command } });
    describe(`Python runner: ${subject}, under Python ${python.version.join('.')} (${python.command})`, () => tests({ python, atLeast, trace }));
  }
}

/** What a child wrote to stdout, once it has ended. */
export function outputOf(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve, reject) => child.on('error', reject).on('close', () => resolve(text)));
}
