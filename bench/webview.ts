// Timeline drawing figures in headless Chromium: first paint of a 1,000,000-segment trace, frame
// times while zooming and panning, and how fast live updates reach the screen. Prints; asserts nothing.
import type { TimelineTask, TimelineUpdate } from '../src/shared/protocol';
import { closeBrowser, openWebview } from '../test/webview/harness';

const TASKS = 1000;
const RUNS_PER_TASK = 1000;

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
    tasks.push({ id, parent: id === 1 ? 0 : 1, kind: 'async', name: `task ${id}`, site: '', internal: false, created: id * 7, runs, waits, waitLabels: runs.map(() => 'sleep'), waitSites: runs.map(() => ''), end: null });
  }
  for (let i = 0; i < RUNS_PER_TASK * 10; i++) loop.push(i * 1000, i * 1000 + 3, (i % TASKS) + 1);
  return { reset: true, tasks, loop, loopFrom: 0, endTime: RUNS_PER_TASK * 10_000, longBlockUs: 50_000, live: false };
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)];
}

async function main(): Promise<void> {
  const view = await openWebview();
  await view.page.setViewportSize({ width: 1400, height: 900 });
  const update = bigTrace();
  const segments = update.tasks.reduce((n, t) => n + t.runs.length / 2 + t.waits.length / 2, 0);
  const firstPaint = await view.page.evaluate(async (u) => {
    const began = performance.now();
    window.postMessage({ type: 'timeline', update: u }, '*');
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - began;
  }, update);
  const box = (await view.page.locator('canvas').boundingBox())!;
  const frameTimes: number[] = [];
  for (let i = 0; i < 60; i++) {
    await view.page.mouse.move(box.x + 300 + i * 10, box.y + 300);
    if (i % 3 === 2) {
      await view.page.mouse.down();
      await view.page.mouse.move(box.x + 200 + i * 10, box.y + 300);
      await view.page.mouse.up();
    } else {
      await view.page.mouse.wheel(0, i < 30 ? -120 : 120);
    }
    frameTimes.push(await view.page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r((window as unknown as { __tasklaneFrameMs: number }).__tasklaneFrameMs))))));
  }
  const latencies: number[] = [];
  for (let i = 0; i < 50; i++) {
    latencies.push(await view.page.evaluate(async (n) => {
      const began = performance.now();
      const t = 10_000_000 + n * 1000;
      window.postMessage({ type: 'timeline', update: { reset: false, tasks: [{ id: 1, parent: 0, kind: 'async', name: 'task 1', site: '', internal: false, created: 7, runs: [t, t + 10], waits: [], waitLabels: [], waitSites: [], end: null }], loop: [], loopFrom: 1e9, endTime: t + 10, longBlockUs: 50_000, live: true } }, '*');
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - began;
    }, i));
  }
  console.log(`Tasklane timeline benchmark (headless Chromium, 1400×900)\n`);
  console.log(`trace: ${TASKS} tasks, ${segments.toLocaleString('en')} segments, ${(update.loop.length / 3).toLocaleString('en')} loop segments`);
  console.log(`first paint (message → frame on screen): ${firstPaint.toFixed(0)} ms   goal ≤ 1000 ms`);
  console.log(`draw time per frame while zooming and panning: p95 ${p95(frameTimes).toFixed(1)} ms, max ${Math.max(...frameTimes).toFixed(1)} ms   goal p95 ≤ 16 ms`);
  console.log(`live update → on screen: p95 ${p95(latencies).toFixed(1)} ms   goal p95 ≤ 100 ms`);
  await view.close();
  await closeBrowser();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
