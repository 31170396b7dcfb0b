import * as assert from 'node:assert/strict';
import { firstEndingAfter, laneAt, layoutLanes, layoutLanesGradually, spanAt, spanBesideWait } from '../../media/webview/lanes';
import { forEachPixelSpan } from '../../media/webview/pixelSpans';
import { LABEL_W, labelIndent } from '../../media/webview/timelineGeometry';
import { formatTick, TimeScale } from '../../media/webview/timeScale';
import { TimelineStore } from '../../media/webview/timelineStore';
import { parseWebviewMessage, type TimelineTask } from '../../src/shared/protocol';
import { packTimelineTasks, unpackTasks } from '../../src/shared/taskPacking';
import { MAX_TASKS_PER_UPDATE, TimelineFeed } from '../../src/panel/timelineUpdate';
import { UpdatePacer } from '../../src/panel/updatePacer';
import { TraceModel } from '../../src/trace/model';

const task = (id: number, parent: number, name: string, extra: Partial<TimelineTask> = {}): TimelineTask => ({
  id, parent, kind: 'async', name, site: '', internal: false, created: id, runs: [], waits: [], waitLabels: [], waitSites: [], waitWakers: [], end: null, ...extra,
});

describe('TimeScale', () => {
  it('converts time to pixels and back', () => {
    const s = new TimeScale(1000, 2000, 100, 400);
    assert.equal(s.toPx(1000), 100);
    assert.equal(s.toPx(3000), 500);
    assert.equal(s.toTime(300), 2000);
  });

  it('zooms around the pointer: the time under it stays put', () => {
    const s = new TimeScale(0, 1000, 0, 1000);
    const before = s.toTime(250);
    s.zoomAt(250, 0.5);
    assert.equal(s.span, 500);
    assert.ok(Math.abs(s.toTime(250) - before) < 1e-9);
  });

  it('pans by pixels and fits a range with a margin', () => {
    const s = new TimeScale(0, 1000, 0, 100);
    s.panPx(10);
    assert.equal(s.start, -100);
    s.fit(0, 5000);
    assert.ok(s.start < 0 && s.end > 5000 && s.span < 5500);
  });

  it('picks tick steps of 1, 2 or 5 and labels them in sensible units', () => {
    const s = new TimeScale(0, 1_000_000, 0, 1000);
    const { step, times } = s.ticks(100);
    assert.equal(step, 100_000);
    assert.equal(times.length, 11);
    assert.equal(formatTick(300_000, step), '300 ms');
    assert.equal(formatTick(2_000_000, 1_000_000), '2 s');
    assert.equal(formatTick(40, 20), '40 µs');
  });
});

describe('lane layout', () => {
  const tasks = new Map([
    [1, task(1, 0, 'main.js')],
    [2, task(2, 1, 'fetch')],
    [3, task(3, 2, 'setTimeout 10 ms')],
    [4, task(4, 1, 'node internal', { internal: true })],
    [5, task(5, 1, 'other')],
    [6, task(6, 2, 'span', { kind: 'coroutine' })],
    [7, task(7, 4, 'handler')],
  ]);
  const options = { hideInternal: true, filter: '', collapsed: new Set<number>(), laneHeight: 20, top: 40 };

  it('puts children under their parent in creation order, spans on their task’s lane, internals hidden', () => {
    const lanes = layoutLanes(tasks, options);
    // A task made by a hidden internal one sits under the nearest ancestor shown.
    assert.deepEqual(lanes.map((l) => [l.task.name, l.depth, l.y, l.under]), [['main.js', 0, 40, 0], ['fetch', 1, 60, 1], ['setTimeout 10 ms', 2, 80, 2], ['other', 1, 100, 1], ['handler', 1, 120, 1]]);
    assert.deepEqual(layoutLanes(tasks, { ...options, hideInternal: false }).map((l) => [l.task.id, l.depth]), [[1, 0], [2, 1], [3, 2], [4, 1], [7, 2], [5, 1]]);
  });

  it('collapsing a task hides its descendants; a filter keeps matches and their ancestors', () => {
    assert.deepEqual(layoutLanes(tasks, { ...options, collapsed: new Set([2]) }).map((l) => l.task.id), [1, 2, 5, 7]);
    assert.deepEqual(layoutLanes(tasks, { ...options, filter: 'TIMEOUT' }).map((l) => l.task.id), [1, 2, 3]);
  });

  it('lays out a huge trace a slice at a time, to the same lanes, and takes in tasks that arrive meanwhile', () => {
    const many = new Map<number, TimelineTask>();
    for (let id = 1; id <= 50_000; id++) many.set(id, task(id, id === 1 ? 0 : 1 + (id % 7), `t${id}`, id % 1000 === 0 ? { kind: 'coroutine' } : {}));
    const steps = layoutLanesGradually(many, options);
    let slices = 0;
    let step = steps.next();
    while (!step.done) {
      if (++slices === 2) many.set(50_001, task(50_001, 1, 'late'));
      step = steps.next();
    }
    assert.ok(slices > 10, `the work came in ${slices} slices`);
    const whole = layoutLanes(many, options);
    assert.deepEqual(step.value.lanes.map((l) => [l.task.id, l.depth, l.y]), whole.map((l) => [l.task.id, l.depth, l.y]));
    assert.ok(step.value.byId.get(50_001), 'a task added while the layout ran has its lane');
    assert.equal([...step.value.spans.values()].flat().length, 50);
  });

  it('knows which coroutine span of a lane a moment falls in, the innermost of nested ones', () => {
    const end = (t: number): TimelineTask['end'] => ({ t, state: 'resolved', message: '', site: '' });
    const spansOf = new Map<number, TimelineTask>([
      [1, task(1, 0, 'main', { end: end(100) })],
      [2, task(2, 1, 'first', { kind: 'coroutine', created: 10, end: end(20) })],
      [3, task(3, 1, 'second', { kind: 'coroutine', created: 20, end: end(50) })],
      [4, task(4, 3, 'inner', { kind: 'coroutine', created: 25, end: end(40) })],
    ]);
    const steps = layoutLanesGradually(spansOf, options);
    let step = steps.next();
    while (!step.done) step = steps.next();
    const { lanes, spans } = step.value;
    assert.deepEqual(lanes.map((l) => l.task.name), ['main'], 'spans share their task\'s lane');
    const onMain = spans.get(1);
    assert.deepEqual(onMain?.map((t) => t.name), ['first', 'second', 'inner']);
    const at = (t: number): string | undefined => spanAt(onMain, t, spansOf, 100)?.name;
    assert.deepEqual([5, 15, 20, 30, 45, 55].map(at), [undefined, 'first', 'second', 'inner', 'second', undefined]);
    // Named beside a wait, unless the wait's words name it already.
    const beside = (label: string): string | undefined => spanBesideWait(onMain, 30, label, spansOf, 100)?.name;
    assert.deepEqual(['sleep 1 s', 'inner', 'inner, timeout 0.3 s', 'inner_loop'].map(beside), ['inner', undefined, undefined, 'inner']);
  });

  it('indents a label by its depth, but a deep chain of tasks no further than leaves room for their names', () => {
    assert.ok(labelIndent(1) > labelIndent(0));
    assert.ok(labelIndent(200) <= LABEL_W / 2, `a task 200 levels deep starts its label at ${labelIndent(200)} px of ${LABEL_W}`);
  });

  it('finds the lane under a point and the first segment ending after a time', () => {
    const lanes = layoutLanes(tasks, options);
    assert.equal(laneAt(lanes, 65, 40, 20)?.task.name, 'fetch');
    assert.equal(laneAt(lanes, 39, 40, 20), undefined);
    assert.equal(laneAt(lanes, 40 + 20 * lanes.length, 40, 20), undefined, 'below the last lane');
    const pairs = [0, 10, 20, 30, 40, 50];
    assert.deepEqual([firstEndingAfter(pairs, -5), firstEndingAfter(pairs, 15), firstEndingAfter(pairs, 30), firstEndingAfter(pairs, 99)], [0, 1, 1, 3]);
    assert.equal(firstEndingAfter([0, 10, 20, -1], 500), 1, 'a segment still open runs on past any time');
    assert.equal(firstEndingAfter([0, 10, 7, 20, 30, 9, 40, 50, 7], 25, 3), 1, 'loop triples');
  });
});

describe('pixel spans', () => {
  const spans = (records: number[], scale: TimeScale, openEnd = 1000, stride = 2): number[][] => {
    const out: number[][] = [];
    forEachPixelSpan(records, stride, scale, openEnd, (x0, x1) => out.push([x0, x1]));
    return out;
  };

  it('draws each segment on whole pixels, at least one wide, and only those in view', () => {
    const scale = new TimeScale(100, 100, 0, 100); // 1 µs per pixel
    assert.deepEqual(spans([0, 50, 110.4, 120.6, 130, 130.2, 150, 170, 300, 400], scale), [[10, 21], [30, 31], [50, 70]]);
  });

  it('merges segments closer than a pixel and runs an open segment to the end', () => {
    const scale = new TimeScale(0, 1000, 0, 100); // 10 µs per pixel
    assert.deepEqual(spans([0, 3, 12, 14, 30, 31, 500, -1], scale, 800), [[0, 2], [3, 4], [50, 80]]);
  });

  it('stays proportional to the pixels, not the segments, when a million segments share a lane', () => {
    const records: number[] = [];
    for (let i = 0; i < 1_000_000; i++) records.push(i * 10, i * 10 + 9);
    const scale = new TimeScale(0, 10_000_000, 0, 1000);
    let visited = 0;
    const counting = new Proxy(records, { get: (target, key) => (key === 'length' ? target.length : (visited++, target[key as unknown as number])) });
    const out = spans(counting, scale);
    assert.deepEqual(out, [[0, 1000]]);
    assert.ok(visited < 100_000, `read ${visited} of 2,000,000 values`);
  });
});

describe('loop long blocks in the webview store', () => {
  it('keeps the closed long blocks across updates and reports the open one once it is long', () => {
    const store = new TimelineStore();
    const update = { reset: true, tasks: packTimelineTasks([]), loop: Float64Array.of(0, 10, 1, 20, 90_020, 1, 100_000, -1, 2), loopFrom: 0, endTime: 100_010, longBlockUs: 50_000, live: true };
    store.apply(update);
    assert.deepEqual(store.longBlocks(), [3]);
    store.apply({ ...update, reset: false, loop: Float64Array.of(100_000, -1, 2), loopFrom: 6, endTime: 160_000 });
    assert.deepEqual(store.longBlocks(), [3, 6]);
    store.apply({ ...update, reset: false, loop: Float64Array.of(100_000, 100_020, 2), loopFrom: 6, endTime: 160_000 });
    assert.deepEqual(store.longBlocks(), [3]);
  });

  it('leaves out the tracer\'s own work holding the loop, closed or open', () => {
    const store = new TimelineStore();
    const tasks = packTimelineTasks([task(1, 0, 'transpile TypeScript (Tasklane)', { kind: 'tracer' }), task(2, 0, 'main')]);
    const update = { reset: true, tasks, loop: Float64Array.of(0, 80_000, 1, 80_000, 160_000, 2, 160_000, -1, 1), loopFrom: 0, endTime: 260_000, longBlockUs: 50_000, live: true };
    store.apply(update);
    assert.deepEqual(store.longBlocks(), [3]);
  });
});

/** A trace model, the feed that sends it to the webview, and the webview's store it feeds. */
function pipeline(): { model: TraceModel; feed: TimelineFeed; store: TimelineStore } {
  const model = new TraceModel();
  return { model, feed: new TimelineFeed(model), store: new TimelineStore() };
}

describe('webview store: the event cap', () => {
  it('learns where recording stopped from the first drop the model has, in a full update or a delta; a bad value is none', () => {
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'async', name: 'main', site: '', internal: false });
    store.apply(feed.full(true));
    assert.equal(store.recordedUntil, -1, 'no cap reached');
    model.apply({ type: 'dropped', t: 750, count: 10 });
    model.apply({ type: 'dropped', t: 900, count: 3 });
    store.apply(feed.delta(true));
    assert.equal(store.recordedUntil, 750);
    const fresh = new TimelineStore();
    fresh.apply(feed.full(false));
    assert.equal(fresh.recordedUntil, 750);
    fresh.apply({ ...feed.delta(false), recordedUntil: Number.NaN });
    assert.equal(fresh.recordedUntil, -1);
  });
});

describe('webview store: the signals the program received', () => {
  it('learns of each as it comes, in a delta only when there are more, and all of them in a full update; a damaged one is refused with its update', () => {
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'async', name: 'main', site: '', internal: false });
    store.apply(feed.full(true));
    assert.deepEqual(store.signals, []);
    model.apply({ type: 'signal', t: 500, signal: 'SIGINT' });
    const first = feed.delta(true);
    assert.deepEqual(first.signals, [{ t: 500, signal: 'SIGINT' }]);
    store.apply(first);
    assert.equal(feed.delta(true).signals, undefined, 'none since: none sent');
    model.apply({ type: 'signal', t: 900, signal: 'SIGTERM' });
    store.apply(feed.delta(true));
    assert.deepEqual(store.signals, [{ t: 500, signal: 'SIGINT' }, { t: 900, signal: 'SIGTERM' }]);
    const fresh = new TimelineStore();
    fresh.apply(feed.full(false));
    assert.deepEqual(fresh.signals, store.signals, 'a reloaded webview has them all');
    for (const damaged of [[{ t: -1, signal: 'SIGINT' }], [{ t: 5, signal: 'x'.repeat(33) }], [{ t: 5 }], Array.from({ length: 101 }, () => ({ t: 5, signal: 'SIGINT' }))]) {
      assert.throws(() => fresh.apply({ ...feed.delta(false), signals: damaged as never }), /a signal is damaged/);
    }
    assert.equal(fresh.signals.length, 2, 'the damaged updates changed nothing');
    fresh.apply({ ...feed.full(false), signals: undefined });
    assert.deepEqual(fresh.signals, [], 'a full update without any: none');
  });
});

describe('webview store: when lanes must be laid out again', () => {
  it('new segments for known tasks keep the layout; a new task, a rename or a new parent call for a new one', () => {
    const store = new TimelineStore();
    const update = (tasks: TimelineTask[], reset = false) => ({ reset, tasks: packTimelineTasks(tasks), loop: new Float64Array(0), loopFrom: 0, endTime: 100, longBlockUs: 50_000, live: true });
    store.apply(update([task(1, 0, 'main'), task(2, 1, 'child')], true));
    const laidOut = store.structureVersion;
    store.apply(update([task(2, 1, 'child', { runs: [10, 20], runsFrom: 1, waitsFrom: 0 })]));
    assert.equal(store.structureVersion, laidOut, 'only segments changed');
    assert.deepEqual(store.tasks.get(2)?.runs, [10, 20]);
    store.apply(update([task(3, 1, 'another')]));
    assert.ok(store.structureVersion > laidOut, 'a new task');
    const withThree = store.structureVersion;
    store.apply(update([task(2, 1, 'renamed', { runsFrom: 1, waitsFrom: 0 })]));
    assert.ok(store.structureVersion > withThree, 'a rename (the filter may now match it differently)');
    const renamed = store.structureVersion;
    store.apply(update([task(3, 2, 'another', { runsFrom: 1, waitsFrom: 0 })]));
    assert.ok(store.structureVersion > renamed, 'a new parent');
  });
});

describe('webview store: lanes laid out earlier draw the latest state', () => {
  it('a task with one run and one wait that ends keeps its object, so its lane shows the end', () => {
    // 02-sequential-vs-concurrent.js in the panel: sayAfter's first update has one run and one open
    // wait, so the next one sends it whole; its lane kept drawing the old copy, pending for ever.
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'async', name: 'sayAfter', site: '', internal: false });
    model.apply({ type: 'run', t: 0, id: 1 });
    model.apply({ type: 'await', t: 5, id: 1, target: 0, label: '', site: '/w/main.js:5:9' });
    model.apply({ type: 'run', t: 6, id: 0 });
    store.apply(feed.full(true));
    const [lane] = layoutLanes(store.tasks, { hideInternal: true, filter: '', collapsed: new Set<number>(), laneHeight: 20, top: 40 });
    model.apply({ type: 'run', t: 1000, id: 1 });
    model.apply({ type: 'end', t: 1001, id: 1, state: 'resolved', message: '', site: '' });
    model.apply({ type: 'run', t: 1002, id: 0 });
    store.apply(feed.delta(false));
    assert.equal(lane.task, store.tasks.get(1), 'the lane still holds the store\'s task');
    assert.deepEqual([lane.task.end?.t, lane.task.waits, lane.task.runs], [1001, [5, 1000], [0, 5, 1000, 1002]]);
  });
});

describe('timeline feed: full state, then only what changed', () => {
  it('sends everything first, then the tasks touched since, and the webview store ends up equal', () => {
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false });
    model.apply({ type: 'run', t: 0, id: 1 });
    store.apply(feed.full(true));
    model.apply({ type: 'task', t: 5, id: 2, parent: 1, kind: 'async', name: 'child', site: '', internal: false });
    model.apply({ type: 'run', t: 5, id: 2 });
    const delta = feed.delta(true);
    assert.deepEqual(unpackTasks(delta.tasks).map((t) => t.id).sort(), [1, 2], 'main stopped running, child was created');
    store.apply(delta);
    model.apply({ type: 'run', t: 9, id: 0 });
    store.apply(feed.delta(false));
    assert.deepEqual(store.tasks.get(1)?.runs, [0, 5]);
    assert.deepEqual(store.tasks.get(2)?.runs, [5, 9]);
    assert.deepEqual(store.loop, [0, 5, 1, 5, 9, 2]);
    assert.equal(unpackTasks(feed.delta(false).tasks).length, 0, 'nothing changed since');
  });

  it('sends each worker thread\'s loop as the main thread\'s, and the webview finds its long blocks there', () => {
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false });
    model.apply({ type: 'run', t: 0, id: 1 });
    model.apply({ type: 'thread', id: 2 });
    model.apply({ type: 'task', t: 10, id: 257, parent: 1, kind: 'script', name: 'work.js (thread 2)', site: '', internal: false });
    model.apply({ type: 'run', t: 10, id: 257 });
    const full = feed.full(true);
    assert.deepEqual(full.threadLoops?.map((w) => [w.thread, [...w.loop], w.loopFrom]), [[2, [10, -1, 257], 0]], 'the open segment, open');
    store.apply(full);
    const version = store.structureVersion;
    model.apply({ type: 'run', t: 80_000, id: 0 });
    model.apply({ type: 'thread', id: 0 });
    model.apply({ type: 'run', t: 90_000, id: 0 });
    store.apply(feed.delta(false));
    assert.deepEqual(store.threadLoops.get(2)?.segments, [10, 80_000, 257], 'the open segment sent again, closed');
    assert.deepEqual(store.loop, [0, 90_000, 1]);
    assert.deepEqual(store.threadLoops.get(2)?.longBlocks(), [0], 'the worker held its own loop 80 ms');
    assert.equal(store.structureVersion, version, 'no new loop lane, no new layout');
    assert.throws(() => store.apply({ ...feed.delta(false), threadLoops: [{ thread: 2, loop: Float64Array.of(1, 2), loopFrom: 0 }] }), /a thread loop is damaged/);
    assert.deepEqual(store.threadLoops.get(2)?.segments, [10, 80_000, 257], 'a damaged update changes nothing');
  });

  it('sends a long-lived task only its latest segments, and the webview copy still equals the model', () => {
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'async', name: 'main', site: '', internal: false });
    store.apply(feed.full(true));
    let t = 0;
    for (let round = 0; round < 50; round++) {
      model.apply({ type: 'run', t: (t += 10), id: 1 });
      model.apply({ type: 'await', t: (t += 2), id: 1, target: 0, label: `sleep ${round}`, site: `/w/main.js:${round + 1}:1` });
      const delta = feed.delta(true);
      const sent = unpackTasks(delta.tasks)[0];
      assert.ok(sent.runs.length <= 4 && sent.waits.length <= 4, `round ${round} sent ${sent.runs.length / 2} runs and ${sent.waits.length / 2} waits`);
      store.apply(delta);
    }
    const fresh = new TimelineStore();
    fresh.apply(new TimelineFeed(model).full(false));
    const copy = store.tasks.get(1)!;
    const whole = fresh.tasks.get(1)!;
    assert.deepEqual([copy.runs, copy.waits, copy.waitLabels, copy.waitSites], [whole.runs, whole.waits, whole.waitLabels, whole.waitSites]);
    assert.equal(copy.waitLabels[49], 'sleep 49');
  });

  it('stretches of a wait sent before what ended it was known are sent again with it', () => {
    const { model, feed, store } = pipeline();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'async', name: 'main', site: '', internal: false });
    model.apply({ type: 'task', t: 0, id: 2, parent: 1, kind: 'timer', name: 'setTimeout 60 ms', site: '', internal: false });
    model.apply({ type: 'await', t: 1, id: 1, target: 0, label: '', site: '/w/main.js:3:1' });
    store.apply(feed.full(true));
    for (const t of [10, 20]) {
      model.apply({ type: 'run', t, id: 1 }); // a .then callback of main's
      model.apply({ type: 'waitOn', t: t + 1, id: 1 });
      model.apply({ type: 'run', t: t + 1, id: 0 });
      store.apply(feed.delta(true));
    }
    assert.deepEqual(store.tasks.get(1)?.waitLabels, ['promise', 'promise', 'promise']);
    model.apply({ type: 'run', t: 61, id: 2 });
    model.apply({ type: 'awaitBy', t: 61, id: 1, by: 2, label: '' });
    model.apply({ type: 'run', t: 62, id: 1 });
    store.apply(feed.delta(true));
    assert.deepEqual(store.tasks.get(1)?.waitLabels, ['setTimeout 60 ms', 'setTimeout 60 ms', 'setTimeout 60 ms']);
    assert.deepEqual(store.tasks.get(1)?.waits, [1, 10, 11, 20, 21, 62]);
  });

  it('a wait says what woke it where its label does not: the task that put into the queue, not the timer a sleep names', () => {
    const { model, feed, store } = pipeline();
    for (const [id, name] of [[1, 'main'], [2, 'producer'], [3, 'consumer']] as const) model.apply({ type: 'task', t: 0, id, parent: 0, kind: 'async', name, site: '', internal: false });
    model.apply({ type: 'task', t: 1, id: 4, parent: 2, kind: 'timer', name: 'setTimeout 10 ms', site: '', internal: false });
    model.apply({ type: 'await', t: 1, id: 3, target: 0, label: 'Queue.get', site: '/w/q.py:9:1' });
    model.apply({ type: 'await', t: 1, id: 2, target: 0, label: '', site: '/w/q.py:4:1' });
    model.apply({ type: 'await', t: 1, id: 1, target: 3, label: '', site: '/w/q.py:14:1' });
    store.apply(feed.full(true));
    assert.deepEqual(store.tasks.get(3)?.waitWakers, [0], 'not known while it waits');
    model.apply({ type: 'run', t: 11, id: 4 });
    model.apply({ type: 'awaitBy', t: 11, id: 2, by: 4, label: '' });
    model.apply({ type: 'run', t: 12, id: 2 });
    model.apply({ type: 'awaitBy', t: 12, id: 3, by: 2, label: '' }); // its Queue.put
    model.apply({ type: 'awaitBy', t: 12, id: 1, by: 3, label: '' }); // (what it awaited: no news)
    model.apply({ type: 'run', t: 13, id: 3 });
    store.apply(feed.delta(true));
    assert.deepEqual(store.tasks.get(3)?.waitWakers, [2]);
    assert.equal(store.describe(2), '#2 producer');
    assert.deepEqual([store.tasks.get(2)?.waitLabels, store.tasks.get(2)?.waitWakers], [['setTimeout 10 ms'], [0]], 'the label names the timer already');
    assert.deepEqual(store.tasks.get(1)?.waitWakers, [0]);
  });
});

describe('flow control under a flood of tasks', () => {
  it('an update carries a bounded number of tasks; the rest follow, and the webview ends up with all of them', () => {
    const { model, feed, store } = pipeline();
    const total = MAX_TASKS_PER_UPDATE * 2 + 10;
    for (let id = 1; id <= total; id++) model.apply({ type: 'task', t: id, id, parent: 0, kind: 'timer', name: `setTimeout ${id}`, site: '', internal: false });
    const first = feed.full(true);
    assert.equal(unpackTasks(first.tasks).length, MAX_TASKS_PER_UPDATE);
    store.apply(first);
    let updates = 1;
    while (feed.behind) {
      const next = feed.delta(true);
      assert.ok(unpackTasks(next.tasks).length <= MAX_TASKS_PER_UPDATE);
      store.apply(next);
      updates++;
    }
    assert.equal(updates, 3);
    assert.equal(store.tasks.size, total);
  });

  it('the pacer sends nothing more until the webview has applied the last update', async () => {
    let sent = 0;
    const pacer = new UpdatePacer(0, () => sent++);
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
    pacer.schedule();
    await settle();
    assert.equal(sent, 1);
    pacer.schedule();
    await settle();
    assert.equal(sent, 1, 'held back: the last update is not applied yet');
    pacer.applied();
    await settle();
    assert.equal(sent, 2, 'the change made meanwhile goes out once applied');
    pacer.applied();
    await settle();
    assert.equal(sent, 2, 'nothing changed since');
    pacer.dispose();
  });
});

describe('messages from the webview', () => {
  it('accepts the known shapes and refuses everything else', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'applied' }), { type: 'applied' });
    assert.deepEqual(parseWebviewMessage({ type: 'openSite', site: '/a.js:1:1' }), { type: 'openSite', site: '/a.js:1:1' });
    for (const bad of [null, 'ready', 42, [], { type: 'openSite' }, { type: 'openSite', site: 7 }, { type: 'openSite', site: '' }, { type: 'openSite', site: 'x'.repeat(5000) },
      { type: 'openSite', site: '/a.js:1:1', extra: true }, { type: 'ready', and: 'more' }, { type: 'applied', seq: 1 }, { type: 'runShell', command: 'rm -rf /' }, { type: '__proto__' }]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
