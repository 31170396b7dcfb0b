// `npm run bench:instructions`: P1's tracing overhead as instruction counts (valgrind's callgrind),
// which do not move with the machine's load as wall times do. Prints figures; asserts nothing.
//
// Each count is a script's run minus the same interpreter's start-up: P1 untraced against a script
// with P1's imports only, and P1 under the runner against that script under the runner. The
// runner's clock is replaced by one that advances 1 µs a read: under valgrind every step takes
// 50 times as long, so every gap between two steps would otherwise be recorded as an idle loop.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PYTHONS, pythonVersion } from './measure';

const ROOT = path.resolve(__dirname, '../..');
const P1 = path.join(ROOT, 'bench/workloads/p1_sleep0.py');
const RUNNER = path.join(ROOT, 'dist/runner/python/tasklane_runner.py');

/** Runs the runner on argv[1] with time.perf_counter_ns stepping evenly (the runner reads it at import). */
const EVEN_CLOCK_RUNNER = `
import itertools, os, runpy, sys, time
time.perf_counter_ns = itertools.count(10**12, 1000).__next__
runner = sys.argv[1]
sys.path.insert(0, os.path.dirname(runner))
sys.argv = sys.argv[1:]
runpy.run_path(runner, run_name="__main__")
`;

function instructions(args: string[], traced: boolean): number {
  const devNull = fs.openSync('/dev/null', 'w');
  try {
    const result = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...args], {
      encoding: 'utf8',
      // The runner writes its frames to file descriptor 3.
      stdio: ['ignore', 'ignore', 'pipe', devNull],
      env: { ...process.env, TASKLANE_RUNNER: traced ? JSON.stringify({ fd: 3 }) : '' },
    });
    const collected = /Collected : (\d+)/.exec(result.stderr ?? '');
    if (!collected) throw new Error(`callgrind printed no count for ${args.join(' ')}:\n${result.stderr}`);
    return Number(collected[1]);
  } finally {
    fs.closeSync(devNull);
  }
}

/**
 * The interpreter's own executable: valgrind follows no exec, and `python3` may be a launcher
 * script (pyenv's and asdf's shims) that execs the real one.
 */
function executableOf(interpreter: string): string {
  const result = spawnSync(interpreter, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() ? result.stdout.trim() : interpreter;
}

function main(): void {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('(instruction counts skipped: valgrind is not installed)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-bench-'));
  const imports = path.join(dir, 'p1_imports.py');
  fs.writeFileSync(imports, 'import asyncio, json, resource, sys, time\n');
  console.log('P1 (10k asyncio tasks x 5 sleep(0)) in instructions, callgrind; each run minus start-up\n');
  const rows = [['Python', 'untraced', 'traced', 'ratio', 'goal']];
  try {
    for (const interpreter of PYTHONS) {
      const version = pythonVersion(interpreter);
      if (version === undefined) {
        console.log(`(${interpreter} skipped: it does not start)`);
        continue;
      }
      const [major, minor] = version.split('.').map(Number);
      const goal = major > 3 || (major === 3 && minor >= 12) ? 2 : 3;
      const executable = executableOf(interpreter);
      const untraced = instructions([executable, P1], false) - instructions([executable, imports], false);
      const runner = [executable, '-c', EVEN_CLOCK_RUNNER, RUNNER];
      const traced = instructions([...runner, P1], true) - instructions([...runner, imports], true);
      const ratio = traced / untraced;
      rows.push([version, `${(untraced / 1e6).toFixed(0)}M`, `${(traced / 1e6).toFixed(0)}M`, `${ratio.toFixed(2)}x`, `${ratio <= goal ? '✓' : '✗'} ≤ ${goal}x`]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

main();
