// Running a benchmark workload untraced and reading the figures it reports about itself
// (bench/workloads/report.js prints one "BENCH {json}" line on stderr).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { INTERNALS_FLAG } from '../src/runner/node/config';
import { tracedCommand, withSideChannel, type Runtime } from '../src/session/launch';

/** The interpreters P1 runs under: TASKLANE_PYTHONS=python3,python3.12 (each that starts), else TASKLANE_PYTHON or python3. */
export const PYTHONS = (process.env.TASKLANE_PYTHONS ?? process.env.TASKLANE_PYTHON ?? 'python3').split(',').filter(Boolean);

/** "3.12" for an interpreter that starts, undefined for one that does not. */
export function pythonVersion(interpreter: string): string | undefined {
  const result = spawnSync(interpreter, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export interface Measure {
  wallMs: number;
  maxRssKb: number;
  events?: number;
  bytes?: number;
  /** Calls the runner's hooks received (under floor-recorder with BENCH_COUNT_HOOKS=1). */
  hookCalls?: number;
}

export function parseReport(stderr: string): Measure {
  const lines = stderr.split('\n');
  const line = lines.find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`workload printed no report:\n${stderr}`);
  const hooks = lines.find((l) => l.startsWith('HOOKS '));
  return { ...(JSON.parse(line.slice(6)) as Measure), ...(hooks ? { hookCalls: (JSON.parse(hooks.slice(6)) as { calls: number }).calls } : {}) };
}

/**
 * The script under the runner with its trace written to /dev/null: what tracing costs the program
 * when nothing reads the trace (on this 2-core machine the reader takes the other core).
 */
export function runUnread(script: string, runtime: Runtime, runnerDir: string, interpreter?: string): Promise<Measure> {
  const { command, args, env } = tracedCommand({ script, args: [], runtime, interpreter, runnerDir });
  const sink = fs.openSync('/dev/null', 'w');
  const child = spawn(command, args, { env, stdio: withSideChannel(['ignore', 'ignore', 'pipe'], sink) });
  fs.closeSync(sink);
  return reportOf(child);
}

export function runPlain(script: string, runtime: Runtime, nodeOptions?: string, interpreter = 'python3', extraEnv: NodeJS.ProcessEnv = {}): Promise<Measure> {
  const env = { ...process.env, ...extraEnv };
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  else delete env.NODE_OPTIONS;
  // A recorder it preloads starts as the runner's launcher starts a traced script, with the flag
  // that lets it reach Node's promise hooks as the runner does (Node 24+).
  const args = runtime === 'node' && nodeOptions ? [INTERNALS_FLAG, script] : [script];
  return reportOf(spawn(runtime === 'python' ? interpreter : process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** The report the workload prints on stderr, once it has exited. */
function reportOf(child: ChildProcess): Promise<Measure> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', () => {
      try {
        resolve(parseReport(stderr));
      } catch (err) {
        reject(err);
      }
    });
  });
}
