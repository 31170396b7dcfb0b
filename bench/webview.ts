// Timeline drawing figures in headless Chromium: first paint of a 1,000,000-segment trace, frame
// times while zooming and panning, and how fast live updates reach the screen. Prints; asserts nothing.
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TimelineFeed } from '../src/panel/timelineUpdate';
import { UPDATE_INTERVAL_MS, UpdatePacer } from '../src/panel/updatePacer';
import { TraceSession } from '../src/session/traceSession';
import type { TimelineTask, TimelineUpdate } from '../src/shared/protocol';
import { HEADER, packTimelineTasks, WAIT_FIELDS } from '../src/shared/taskPacking';
import { closeBrowser, openWebview, type WebviewHarness } from '../test/webview/harness';
import { BinaryTransport } from './binaryTransport';

interface Bench {
  rasterisedFrame(): Promise<number>;
}

const TASKS = 1000;
const RUNS_PER_TASK = 500;

function bigTrace(): TimelineUpdate {
  const tasks: TimelineTask[] = [];
  const loop: number[] = [];
  for (let id = 1; id <= TASKS; id++) {
    const runs: number[] = [];
    const waits: number[] = [];
    for (let i = 0; i < RUNS_PER_TASK; i++) {
      const start = i * 10_000 + id * 7;
      runs.push(start, start + 3);
      waits.push(start + 3, start + 9_000);
    }
    tasks.push({ id, parent: id === 1 ? 0 : 1, kind: 'async', name: `task ${id}`, site: '', internal: false, created: id * 7, runs, waits, waitLabels: runs.map(() => 'sleep'), waitSites: runs.map(() => ''), waitWakers: runs.map(() => 0), end: null });
  }
  for (let i = 0; i < RUNS_PER_TASK * 10; i++) loop.push(i * 1000, i * 1000 + 3, (i % TASKS) + 1);
  return { reset: true, tasks: packTimelineTasks(tasks), loop: Float64Array.from(loop), loopFrom: 0, endTime: RUNS_PER_TASK * 10_000, longBlockUs: 50_000, live: false };
}

interface Pipeline {
  /** Per task: from its creation in the script to the frame that shows it, ms. */
  latencies: number[];
  /** Per update: from the newest event in it happening in the script to the frame that shows it, ms. */
  staleness: number[];
  eventsPerSecond: number;
  /** The longest the host's event loop (this process, in the extension host's place) was held, ms. */
  hostDelayMaxMs: number;
  /** The longest task on the webview's main thread, ms (the benchmark's own canvas read-backs included). */
  webviewLongestTaskMs: number;
  /** Keys pressed every 100 ms during the run: from the key reaching the page to its handler running, ms. */
  inputDelays: number[];
}

/** A real traced run feeding the webview the way the panel does: same pacing, same deltas. */
async function livePipeline(view: WebviewHarness, transport: BinaryTransport, workload: string, maxEvents = 10_000_000): Promise<Pipeline> {
  const root = path.resolve(__dirname, '../..');
  await view.post({ type: 'timeline', update: { reset: true, tasks: packTimelineTasks([]), loop: new Float64Array(0), loopFrom: 0, endTime: 0, longBlockUs: 50_000, live: true } });
  const session = new TraceSession({
    script: path.join(root, 'bench/workloads', workload), args: [], cwd: root, env: process.env, runtime: 'node', interpreter: process.execPath,
    runnerDir: path.join(root, 'dist/runner'), longBlockMs: 50, maxEvents, onOutput: () => undefined,
  });
  // The page notes when each new task reached the screen: the frame after its update arrived.
  await view.page.evaluate(({ header, waitFields }) => {
    const shown: Record<number, number> = {};
    const w = window as unknown as { shown: typeof shown; longest: number; frames: number[] };
    w.shown = shown;
    w.frames = [];
    w.longest = 0;
    (w as unknown as { inputDelays: number[] }).inputDelays = [];
    window.addEventListener('keydown', (e) => (w as unknown as { inputDelays: number[] }).inputDelays.push(performance.now() - e.timeStamp), { capture: true });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longest = Math.max(w.longest, entry.duration);
    }).observe({ type: 'longtask' });
    window.addEventListener('message', (e: MessageEvent<{ type: string; update: TimelineUpdate }>) => {
      if (e.data?.type !== 'timeline') return;
      void (window as unknown as Bench).rasterisedFrame().then(() => {
        const at = performance.timeOrigin + performance.now();
        // Each packed task: its header (id first; run and wait counts at 12 and 14), runs, waits.
        const n = e.data.update.tasks.numbers;
        for (let i = 0; i < n.length; i += header + n[i + 12] * 2 + n[i + 14] * waitFields) shown[n[i]] ??= at;
        w.frames.push(e.data.update.endTime, at);
      });
    });
  }, { header: HEADER, waitFields: WAIT_FIELDS });
  const feed = new TimelineFeed(session.model);
  let first = true;
  let sent = 0;
  let applied = 0;
  // Fire and forget, in order, like VS Code's postMessage to a webview.
  const pacer = new UpdatePacer(UPDATE_INTERVAL_MS, () => {
    const update = first ? feed.full(true) : feed.delta(true);
    first = false;
    transport.send({ type: 'timeline', update });
    sent++;
    if (feed.behind) pacer.schedule();
  });
  session.onChange(() => pacer.schedule());
  view.onSent((m) => {
    if (m.type !== 'applied') return;
    applied++;
    pacer.applied();
  });
  const hostDelay = monitorEventLoopDelay({ resolution: 5 });
  hostDelay.enable();
  const began = Date.now();
  // A user pressing a key now and then while the flood comes in: a key that the timeline ignores (F12).
  let typing = true;
  const typist = (async () => {
    while (typing) {
      await view.page.keyboard.press('F12');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await session.done;
  typing = false;
  await typist;
  const wallMs = Date.now() - began;
  hostDelay.disable();
  pacer.flush();
  // Updates held back under the flood follow as the webview applies the ones before.
  while (applied < sent || feed.behind) await new Promise((resolve) => setTimeout(resolve, 20));
  pacer.dispose();
  await view.page.evaluate(() => (window as unknown as Bench).rasterisedFrame());
  const { shown, longest, frames, inputDelays } = await view.page.evaluate(() => {
    const w = window as unknown as { shown: Record<number, number>; longest: number; frames: number[]; inputDelays: number[] };
    return { shown: w.shown, longest: w.longest, frames: w.frames, inputDelays: w.inputDelays };
  });
  const startedAt = session.model.info?.startedAt ?? 0;
  const latencies: number[] = [];
  for (const task of session.model.tasks.values()) {
    if (!task.internal && shown[task.id]) latencies.push(shown[task.id] - (startedAt + task.created / 1000));
  }
  const staleness: number[] = [];
  for (let i = 0; i < frames.length; i += 2) if (frames[i] > 0) staleness.push(frames[i + 1] - (startedAt + frames[i] / 1000));
  return { latencies, staleness, eventsPerSecond: session.model.eventCount / (wallMs / 1000), hostDelayMaxMs: hostDelay.max / 1e6, webviewLongestTaskMs: longest, inputDelays };
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)];
}

async function main(): Promise<void> {
  const view = await openWebview({ bypassCSP: true });
  const transport = await BinaryTransport.open(view.page);
  await view.page.setViewportSize({ width: 1400, height: 900 });
  // Resolves in the next animation frame, after the timeline's own draw in that frame, once the
  // canvas has really been rasterised (getImageData forces it), with the ms since the frame began.
  await view.page.evaluate(() => {
    (window as unknown as Bench).rasterisedFrame = () => new Promise((resolve) => requestAnimationFrame((frameStart) => {
      document.querySelector('canvas')!.getContext('2d')!.getImageData(0, 0, 1, 1);
      resolve(performance.now() - frameStart);
    }));
  });
  const steady = await livePipeline(view, transport, 'ticker.js');
  const paced = await livePipeline(view, transport, 'paced-100k.js');
  const busy = await livePipeline(view, transport, 'busy-tasks.js');
  const flood = await livePipeline(view, transport, 'w2-timers.js');
  // Ten million async resources under the extension's default event cap (issue: the panel stays responsive).
  const tenMillion = await livePipeline(view, transport, 'flood-10m.js', 1_000_000);
  const update = bigTrace();
  const segments = TASKS * RUNS_PER_TASK * 2;
  const firstPaint = await view.page.evaluate(async (u) => {
    const began = performance.now();
    window.postMessage({ type: 'timeline', update: u }, '*');
    await (window as unknown as Bench).rasterisedFrame();
    return performance.now() - began;
  }, update);
  const box = (await view.page.locator('canvas').boundingBox())!;
  const frameTimes: number[] = [];
  // Inputs are dispatched in the page, so that the frame measured is the one that draws them.
  for (let i = 0; i < 60; i++) {
    frameTimes.push(await view.page.evaluate(({ i, x, y }) => {
      const canvas = document.querySelector('canvas')!;
      if (i % 3 === 2) canvas.dispatchEvent(new KeyboardEvent('keydown', { key: i < 30 ? 'ArrowLeft' : 'ArrowRight', cancelable: true }));
      else canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 30 ? -120 : 120, clientX: x + i * 10, clientY: y, cancelable: true }));
      return (window as unknown as Bench).rasterisedFrame();
    }, { i, x: box.x + 300, y: box.y + 300 }));
  }
  const latencies: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = 10_000_000 + i * 1000;
    const tasks = packTimelineTasks([{ id: 1, parent: 0, kind: 'async', name: 'task 1', site: '', internal: false, created: 7, runs: [t, t + 10], waits: [], waitLabels: [], waitSites: [], waitWakers: [], end: null }]);
    const update: TimelineUpdate = { reset: false, tasks, loop: new Float64Array(0), loopFrom: 1e9, endTime: t + 10, longBlockUs: 50_000, live: true };
    latencies.push(await view.page.evaluate(async (u) => {
      const began = performance.now();
      window.postMessage({ type: 'timeline', update: u }, '*');
      await (window as unknown as Bench).rasterisedFrame();
      return performance.now() - began;
    }, update));
  }
  console.log(`Tasklane timeline benchmark (headless Chromium, 1400×900)\n`);
  console.log(`trace: ${TASKS} tasks, ${segments.toLocaleString('en')} segments, ${(update.loop.length / 3).toLocaleString('en')} loop segments`);
  console.log(`first paint (message → frame on screen): ${firstPaint.toFixed(0)} ms   goal ≤ 1000 ms`);
  console.log(`frame (draw and rasterise) while zooming and panning: p95 ${p95(frameTimes).toFixed(1)} ms, max ${Math.max(...frameTimes).toFixed(1)} ms   goal p95 ≤ 16 ms`);
  console.log(`live update → on screen (webview only): p95 ${p95(latencies).toFixed(1)} ms`);
  const describe = (p: Pipeline): string =>
    `${p.latencies.length} tasks, ${Math.round(p.eventsPerSecond).toLocaleString('en')} events/s: task created in the script → on screen p95 ${p95(p.latencies).toFixed(0)} ms; newest event → on screen p95 ${p95(p.staleness).toFixed(0)} ms, max ${p.staleness.reduce((a, b) => Math.max(a, b), 0).toFixed(0)} ms; host loop held ≤ ${p.hostDelayMaxMs.toFixed(0)} ms; webview's longest task ${p.webviewLongestTaskMs.toFixed(0)} ms; a key pressed → handled: p95 ${p95(p.inputDelays).toFixed(0)} ms, max ${Math.max(...p.inputDelays).toFixed(0)} ms (${p.inputDelays.length} keys)`;
  console.log(`live run (runner flush, host pacing, webview), steady: ${describe(steady)}   goal p95 ≤ 100 ms`);
  console.log(`live run, paced at about 100,000 events/s: ${describe(paced)}   goal: kept up with, newest event on screen p95 ≤ 100 ms`);
  console.log(`live run, 100 busy tasks: ${describe(busy)}   goal: ≥ 100,000 events/s kept up with`);
  console.log(`live run, W2 (a new task per event): ${describe(flood)}`);
  console.log(`live run, 10 million async resources, default cap of 1,000,000 events: ${describe(tenMillion)}   goal: keys handled within 100 ms`);
  transport.close();
  await view.close();
  await closeBrowser();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
