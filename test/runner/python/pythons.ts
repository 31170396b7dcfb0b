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
  /** The interpreter's own executable (sys.executable), run in place of the name found on the PATH. */
  command: string;
  /** The name it was found by on the PATH (python3, python3.12). */
  name: string;
  version: number[];
}

/** What a suite's tests get for the interpreter they run under. */
export interface PythonUnderTest {
  python: Python;
  /** Whether it is Python 3.`minor` or later. */
  atLeast(minor: number): boolean;
  /** traceFixture under this interpreter; `input` is what the script reads on its stdin. */
  trace(fixture: string, args?: string[], input?: string): ReturnType<typeof traceFixture>;
}

/**
 * python3, and every other CPython 3.9+ on the PATH (python3.9 … python3.15, and later ones as they
 * come): each runs the whole suite. Debian's CI has only python3 (3.11); a developer's machine
 * with more tests them all. Each is run by its own executable: a pyenv shim found on the PATH is
 * a shell script that takes 130 ms to start the interpreter, once or twice in every test.
 */
function interpreters(): Python[] {
  return (probed ??= probeInterpreters());
}
/** Found once for all the suites that mocha loads, each of which declares itself for every interpreter. */
let probed: Python[] | undefined;

function probeInterpreters(): Python[] {
  const found = new Map<string, Python>();
  for (const name of ['python3', ...Array.from({ length: 12 }, (_, i) => `python3.${9 + i}`)]) {
    const result = spawnSync(name, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2]); print(sys.executable)'], { encoding: 'utf8' });
    const [version, executable] = result.status === 0 ? result.stdout.trim().split('\n') : [];
    if (version && executable && !found.has(version)) found.set(version, { command: executable, name, version: version.split('.').map(Number) });
  }
  return [...found.values()];
}

/** Declares the suite on `subject` once for each interpreter. */
export function forEachPython(subject: string, tests: (under: PythonUnderTest) => void): void {
  for (const python of interpreters()) {
    const atLeast = (minor: number): boolean => python.version[0] > 3 || python.version[1] >= minor;
    const trace = (fixture: string, args?: string[], input?: string): ReturnType<typeof traceFixture> =>
      traceFixture(fixture, { args, input, env: { ...process.env, TASKLANE_PYTHON: python.command } });
    describe(`Python runner: ${subject}, under Python ${python.version.join('.')} (${python.name})`, () => tests({ python, atLeast, trace }));
  }
}

/** What a child wrote to stdout, once it has ended. */
export function outputOf(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve, reject) => child.on('error', reject).on('close', () => resolve(text)));
}
