// Running a benchmark workload untraced and reading the figures it reports about itself
// (bench/workloads/report.js prints one "BENCH {json}" line on stderr).
import { spawn } from 'node:child_process';
import type { Runtime } from '../src/session/launch';

export const PYTHON = process.env.TASKLANE_PYTHON ?? 'python3';

export interface Measure {
  wallMs: number;
  maxRssKb: number;
  events?: number;
  bytes?: number;
}

export function parseReport(stderr: string): Measure {
  const line = stderr.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`workload printed no report:\n${stderr}`);
  return JSON.parse(line.slice(6)) as Measure;
}

export function runPlain(script: string, runtime: Runtime, nodeOptions?: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
    else delete env.NODE_OPTIONS;
    const child = spawn(runtime === 'python' ? PYTHON : process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', () => {
      try {
        resolve(parseReport(stderr));
      } catch (err) {
        reject(err);
      }
    });
  });
}
