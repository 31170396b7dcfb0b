// `npm run bench` (flood): ten million async resources, then a Python flood of 200,000 tasks,
// traced through a live session as the extension runs it, with the extension's default event cap.
// Prints the runner's memory over the script's own, the host's growth and longest hold, and what
// the trace says it dropped (each runner stops recording at the cap, and the reader folds no more).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Runtime } from '../src/session/launch';
import { TraceSession } from '../src/session/traceSession';
import { parseReport, PYTHONS, runPlain, type Measure } from './measure';

const ROOT = path.resolve(__dirname, '../..');
const EVENT_CAP = 1_000_000; // the extension's default (tasklane.maxEvents)

interface Flood {
  title: string;
  script: string;
  runtime: Runtime;
  interpreter: string;
}

const FLOODS: Flood[] = [
  { title: '10,000,000 async resources (Node)', script: path.join(ROOT, 'bench/workloads/flood-10m.js'), runtime: 'node', interpreter: process.execPath },
  { title: '200,000 asyncio tasks x 5 sleep(0) (Python)', script: path.join(ROOT, 'bench/workloads/flood_py.py'), runtime: 'python', interpreter: PYTHONS[0] },
];

async function traced(flood: Flood): Promise<{ report: Measure; session: TraceSession; hostGrowthMb: number; hostHeldMs: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let stderr = '';
  const session = new TraceSession({
    script: flood.script, args: [], cwd: ROOT, env: process.env, runtime: flood.runtime, interpreter: flood.interpreter, runnerDir: path.join(ROOT, 'dist/runner'),
    longBlockMs: 50, maxEvents: EVENT_CAP, onOutput: (text, stream) => {
      if (stream === 'stderr') stderr += text;
    },
  });
  await session.done;
  delay.disable();
  clearInterval(sampler);
  return { report: parseReport(stderr), session, hostGrowthMb: (peak - before) / 2 ** 20, hostHeldMs: delay.max / 1e6 };
}

/** Each flood in a process of its own: the host's growth is measured from a fresh start. */
async function main(): Promise<void> {
  const one = process.argv.indexOf('--flood');
  if (one >= 0) {
    const flood = FLOODS[Number(process.argv[one + 1])];
    const plain = await runPlain(flood.script, flood.runtime, undefined, flood.interpreter);
    printFlood(flood, plain, await traced(flood));
    return;
  }
  console.log('Tasklane flood benchmark: live sessions, default event cap');
  for (let i = 0; i < FLOODS.length; i++) {
    const result = spawnSync(process.execPath, [...process.execArgv, __filename, '--flood', String(i)], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${FLOODS[i].title}: the benchmark failed`);
  }
}

function printFlood(flood: Flood, plain: Measure, { report, session, hostGrowthMb, hostHeldMs }: Awaited<ReturnType<typeof traced>>): void {
  const dropped = session.model.dropped.reduce((n, d) => n + d.count, 0);
  const firstDrop = session.model.dropped[0];
  console.log(`\n${flood.title}`);
  console.log(`wall time: untraced ${plain.wallMs.toFixed(0)} ms, traced ${report.wallMs.toFixed(0)} ms`);
  console.log(`runner memory: peak RSS ${(report.maxRssKb / 1024).toFixed(0)} MB traced vs ${(plain.maxRssKb / 1024).toFixed(0)} MB untraced: +${((report.maxRssKb - plain.maxRssKb) / 1024).toFixed(0)} MB   goal ≤ +200 MB`);
  console.log(`host (this process, in the extension host's place): RSS grew ${hostGrowthMb.toFixed(0)} MB   goal ≤ 300 MB; event loop held at most ${hostHeldMs.toFixed(0)} ms`);
  console.log(`trace: ${session.model.eventCount.toLocaleString('en')} events, ${session.model.tasks.size.toLocaleString('en')} tasks; dropped ${dropped.toLocaleString('en')} events${firstDrop ? `, from ${(firstDrop.t / 1000).toFixed(0)} ms on` : ''}; exit ${session.model.exit?.reason ?? '?'} ${session.model.exit?.code ?? ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
