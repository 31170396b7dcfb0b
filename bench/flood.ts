// `npm run bench` (flood): ten million async resources traced through a live session as the
// extension runs it, with the extension's default event cap. Prints the runner's memory over
// the script's own, the host's growth and longest hold, and what the trace says it dropped.
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TraceSession } from '../src/session/traceSession';
import { parseReport, runPlain, type Measure } from './measure';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'bench/workloads/flood-10m.js');
const EVENT_CAP = 1_000_000; // the extension's default (tasklane.maxEvents)

async function traced(): Promise<{ report: Measure; session: TraceSession; hostGrowthMb: number; hostHeldMs: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let stderr = '';
  const session = new TraceSession({
    script: SCRIPT, args: [], cwd: ROOT, env: process.env, runtime: 'node', interpreter: process.execPath, runnerDir: path.join(ROOT, 'dist/runner'),
    longBlockMs: 50, maxEvents: EVENT_CAP, onOutput: (text, stream) => {
      if (stream === 'stderr') stderr += text;
    },
  });
  await session.done;
  delay.disable();
  clearInterval(sampler);
  return { report: parseReport(stderr), session, hostGrowthMb: (peak - before) / 2 ** 20, hostHeldMs: delay.max / 1e6 };
}

async function main(): Promise<void> {
  const plain = await runPlain(SCRIPT, 'node');
  const { report, session, hostGrowthMb, hostHeldMs } = await traced();
  const dropped = session.model.dropped.reduce((n, d) => n + d.count, 0);
  const firstDrop = session.model.dropped[0];
  console.log('Tasklane flood benchmark: 10,000,000 async resources, live session, default event cap\n');
  console.log(`wall time: untraced ${plain.wallMs.toFixed(0)} ms, traced ${report.wallMs.toFixed(0)} ms`);
  console.log(`runner memory: peak RSS ${(report.maxRssKb / 1024).toFixed(0)} MB traced vs ${(plain.maxRssKb / 1024).toFixed(0)} MB untraced: +${((report.maxRssKb - plain.maxRssKb) / 1024).toFixed(0)} MB   goal ≤ +200 MB`);
  console.log(`host (this process, in the extension host's place): RSS grew ${hostGrowthMb.toFixed(0)} MB   goal ≤ 300 MB; event loop held at most ${hostHeldMs.toFixed(0)} ms`);
  console.log(`trace: ${session.model.eventCount.toLocaleString('en')} events, ${session.model.tasks.size.toLocaleString('en')} tasks; dropped ${dropped.toLocaleString('en')} events${firstDrop ? `, from ${(firstDrop.t / 1000).toFixed(0)} ms on` : ''}; exit ${session.model.exit?.reason ?? '?'} ${session.model.exit?.code ?? ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
