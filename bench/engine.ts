// `npm run bench`: tracing overhead on the three workloads of the engine issue and on R1–R8 (a file
// read by lines, a hot loop of .catch(), loops of awaited calls, files read one after another, a
// stream pipeline through an async generator, a burst of calls the tracer has not seen, an HTTP
// service, a loop and the call after it) and on P1–P4 under each Python (the Python issue's tasks of
// sleep(0), the commonest loops, functions run for the first time, W3's echoes over streams), each run
// untraced, under the naive recorder, under the Node runner's hooks doing nothing (the floor any
// tracer built on them stands on) and doing the least a recorder does (`record only`: each call
// written down raw, no clock read, nothing sent), and under Tasklane, its trace read live as the extension reads it
// and (`unread`) written to /dev/null, in the same session. Prints figures; asserts nothing.
import * as path from 'node:path';
import { launchTraced, sideChannelOf, type Runtime } from '../src/session/launch';
import { TraceModel } from '../src/trace/model';
import { parseReport, PYTHONS, pythonVersion, runPlain, runUnread, type Measure } from './measure';

const ROOT = path.resolve(__dirname, '../..');
const RUNNER_DIR = path.join(ROOT, 'dist/runner');
const FLOOR_RECORDER = path.join(__dirname, 'floor-recorder.js');
interface Workload {
  id: string;
  file: string;
  what: string;
  /** The goal for traced / untraced; none for a workload of no issue's. */
  goal?: number;
  runtime: Runtime;
  interpreter?: string;
}

const NODE_WORKLOADS: Workload[] = [
  { id: 'W1', file: 'w1-awaits.js', what: '1M sequential awaits + Promise.all of 100k', goal: 3, runtime: 'node' },
  { id: 'W2', file: 'w2-timers.js', what: '10k tasks x 5 zero-delay timers', goal: 2, runtime: 'node' },
  { id: 'W3', file: 'w3-tcp.js', what: '50 TCP connections, 20k messages', goal: 1.3, runtime: 'node' },
  { id: 'R1', file: 'r1-readline.js', what: 'for await over 200k lines of readline', runtime: 'node' },
  { id: 'R2', file: 'r2-catch.js', what: '200k awaits of settled.catch()', runtime: 'node' },
  { id: 'R3', file: 'r3-call-loop.js', what: '100k awaited calls, 150k generator yields', runtime: 'node' },
  { id: 'R4', file: 'r4-read-files.js', what: '5k fs.promises.readFile of small files', runtime: 'node' },
  { id: 'R5', file: 'r5-pipeline.js', what: '20k values piped through an async generator', runtime: 'node' },
  { id: 'R6', file: 'r6-cold-burst.js', what: '1,500 async calls started at once, first use', runtime: 'node' },
  { id: 'R7', file: 'r7-http-service.js', what: 'HTTP service, 4,500 requests a connection each', runtime: 'node' },
  { id: 'R8', file: 'r8-loop-then-call.js', what: '2k rounds of for await over 50 lines, then a call', runtime: 'node' },
];

/** P1 under each interpreter that starts (the goal is 2x on Python 3.12+ and 3x below), then P2–P4 under each. */
function pythonWorkloads(): Workload[] {
  const rows: Workload[] = [];
  for (const interpreter of PYTHONS) {
    const version = pythonVersion(interpreter);
    if (version === undefined) {
      console.log(`(P1 skipped: ${interpreter} does not start)`);
      continue;
    }
    const [major, minor] = version.split('.').map(Number);
    const goal = major > 3 || (major === 3 && minor >= 12) ? 2 : 3;
    rows.push({ id: 'P1', file: 'p1_sleep0.py', what: `10k asyncio tasks x 5 sleep(0), Python ${version}`, goal, runtime: 'python', interpreter });
  }
  for (const p1 of [...rows]) {
    rows.push({ id: 'P2', file: 'p2_loops.py', what: p1.what.replace(/^.*(Python .*)$/, '100k awaited calls, 20k timeout blocks, 100k yields, $1'), runtime: 'python', interpreter: p1.interpreter });
    rows.push({ id: 'P3', file: 'p3_cold_coroutines.py', what: p1.what.replace(/^.*(Python .*)$/, '300 coroutine functions run once each, $1'), runtime: 'python', interpreter: p1.interpreter });
    rows.push({ id: 'P4', file: 'p4_tcp.py', what: p1.what.replace(/^.*(Python .*)$/, '50 stream connections, 20k messages, $1'), runtime: 'python', interpreter: p1.interpreter });
  }
  return rows;
}
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** BENCH_WORKLOADS=W3,P1 runs only those. */
const CHOSEN = process.env.BENCH_WORKLOADS?.split(',');

async function runTraced(script: string, runtime: Runtime, interpreter?: string): Promise<Measure> {
  const model = new TraceModel();
  let bytes = 0;
  const traced = launchTraced({
    script, args: [], runnerDir: RUNNER_DIR, stdio: 'pipe', processGroup: false, runtime,
    interpreter,
    sink: model,
  });
  let stderr = '';
  traced.child.stderr!.on('data', (d: Buffer) => (stderr += d));
  sideChannelOf(traced.child)!.on('data', (d: Buffer) => (bytes += d.length));
  const outcome = await traced.done;
  if (outcome.streamError) throw new Error(outcome.streamError);
  return { ...parseReport(stderr), events: model.eventCount, bytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  console.log(`Tasklane engine benchmark — node ${process.version}, ${REPEATS} runs each, medians\n`);
  const header = ['workload', 'untraced', 'naive', 'ratio', 'hooks only', 'ratio', 'record only', 'ratio', 'tasklane', 'ratio', 'goal', 'unread', 'ratio', 'events/s', 'B/event', 'events', 'peak RSS (untraced → traced)'];
  const rows: string[][] = [header];
  const budgetHeader = ['workload', 'hook calls', 'runner per call', 'goal leaves per call'];
  const budgetRows: string[][] = [budgetHeader];
  for (const w of [...NODE_WORKLOADS, ...pythonWorkloads()].filter((w) => !CHOSEN || CHOSEN.includes(w.id))) {
    const script = path.join(ROOT, 'bench/workloads', w.file);
    const plain: Measure[] = [];
    const naive: Measure[] = [];
    const hooksOnly: Measure[] = [];
    const recordOnly: Measure[] = [];
    const traced: Measure[] = [];
    const unread: Measure[] = [];
    for (let i = 0; i < REPEATS; i++) {
      plain.push(await runPlain(script, w.runtime, undefined, w.interpreter));
      if (w.runtime === 'node') {
        naive.push(await runPlain(script, w.runtime, `--require ${path.join(ROOT, 'bench/naive-recorder.js')}`));
        hooksOnly.push(await runPlain(script, w.runtime, `--require ${FLOOR_RECORDER}`));
        recordOnly.push(await runPlain(script, w.runtime, `--require ${FLOOR_RECORDER}`, undefined, { BENCH_FLOOR: 'record' }));
      }
      traced.push(await runTraced(script, w.runtime, w.interpreter));
      unread.push(await runUnread(script, w.runtime, RUNNER_DIR, w.interpreter));
    }
    const base = median(plain.map((m) => m.wallMs));
    const naiveMs = naive.length ? median(naive.map((m) => m.wallMs)) : NaN;
    const hooksOnlyMs = hooksOnly.length ? median(hooksOnly.map((m) => m.wallMs)) : NaN;
    const recordOnlyMs = recordOnly.length ? median(recordOnly.map((m) => m.wallMs)) : NaN;
    const tracedMs = median(traced.map((m) => m.wallMs));
    const unreadMs = median(unread.map((m) => m.wallMs));
    const t = traced.find((m) => m.wallMs === tracedMs)!;
    const ratio = tracedMs / base;
    if (w.runtime === 'node' && w.goal !== undefined) {
      // Once, untimed: the count does not vary from run to run.
      const { hookCalls } = await runPlain(script, w.runtime, `--require ${FLOOR_RECORDER}`, undefined, { BENCH_COUNT_HOOKS: '1' });
      const perCall = (ms: number): string => `${((ms * 1e6) / hookCalls!).toFixed(0)} ns`;
      budgetRows.push([w.id, hookCalls!.toLocaleString('en'), perCall(tracedMs - hooksOnlyMs), perCall(w.goal * base - hooksOnlyMs)]);
    }
    rows.push([
      `${w.id} ${w.what}`, `${base.toFixed(0)} ms`, naive.length ? `${naiveMs.toFixed(0)} ms` : '-', naive.length ? `${(naiveMs / base).toFixed(1)}x` : '-',
      hooksOnly.length ? `${hooksOnlyMs.toFixed(0)} ms` : '-', hooksOnly.length ? `${(hooksOnlyMs / base).toFixed(2)}x` : '-',
      recordOnly.length ? `${recordOnlyMs.toFixed(0)} ms` : '-', recordOnly.length ? `${(recordOnlyMs / base).toFixed(2)}x` : '-',
      `${tracedMs.toFixed(0)} ms`, `${ratio.toFixed(2)}x`, w.goal === undefined ? '-' : `${ratio <= w.goal ? '✓' : '✗'} ≤ ${w.goal}x`,
      `${unreadMs.toFixed(0)} ms`, `${(unreadMs / base).toFixed(2)}x`,
      `${Math.round(t.events! / (tracedMs / 1000)).toLocaleString('en')}`, (t.bytes! / t.events!).toFixed(1), t.events!.toLocaleString('en'),
      `${(median(plain.map((m) => m.maxRssKb)) / 1024).toFixed(0)} → ${(t.maxRssKb / 1024).toFixed(0)} MB`,
    ]);
  }
  printTable(rows);
  if (budgetRows.length > 1) {
    console.log('\nThe Node runner per call of its hooks: its time above the hooks-only floor, and what the goal leaves it\n');
    printTable(budgetRows);
  }
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
