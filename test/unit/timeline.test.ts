import * as assert from 'node:assert/strict';
import { firstPairEndingAfter, laneAt, layoutLanes } from '../../media/webview/lanes';
import { formatTick, TimeScale } from '../../media/webview/timeScale';
import { TimelineStore } from '../../media/webview/timelineStore';
import { parseWebviewMessage, type TimelineTask } from '../../src/shared/protocol';
import { TimelineFeed } from '../../src/panel/timelineUpdate';
import { TraceModel } from '../../src/trace/model';

const task = (id: number, parent: number, name: string, extra: Partial<TimelineTask> = {}): TimelineTask => ({
  id, parent, kind: 'async', name, site: '', internal: false, created: id, runs: [], waits: [], waitLabels: [], waitSites: [], end: null, ...extra,
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
  ]);
  const options = { hideInternal: true, filter: '', collapsed: new Set<number>(), laneHeight: 20, top: 40 };

  it('puts children under their parent in creation order, spans on their task’s lane, internals hidden', () => {
    const lanes = layoutLanes(tasks, options);
    assert.deepEqual(lanes.map((l) => [l.task.name, l.depth, l.y]), [['main.js', 0, 40], ['fetch', 1, 60], ['setTimeout 10 ms', 2, 80], ['other', 1, 100]]);
    assert.deepEqual(layoutLanes(tasks, { ...options, hideInternal: false }).map((l) => l.task.id), [1, 2, 3, 4, 5]);
  });

  it('collapsing a task hides its descendants; a filter keeps matches and their ancestors', () => {
    assert.deepEqual(layoutLanes(tasks, { ...options, collapsed: new Set([2]) }).map((l) => l.task.id), [1, 2, 5]);
    assert.deepEqual(layoutLanes(tasks, { ...options, filter: 'TIMEOUT' }).map((l) => l.task.id), [1, 2, 3]);
  });

  it('finds the lane under a point and the first segment ending after a time', () => {
    const lanes = layoutLanes(tasks, options);
    assert.equal(laneAt(lanes, 65, 40, 20)?.task.name, 'fetch');
    assert.equal(laneAt(lanes, 39, 40, 20), undefined);
    assert.equal(laneAt(lanes, 40 + 20 * 4, 40, 20), undefined);
    const pairs = [0, 10, 20, 30, 40, 50];
    assert.deepEqual([firstPairEndingAfter(pairs, -5), firstPairEndingAfter(pairs, 15), firstPairEndingAfter(pairs, 30), firstPairEndingAfter(pairs, 99)], [0, 1, 1, 3]);
  });
});

describe('timeline feed: full state, then only what changed', () => {
  it('sends everything first, then the tasks touched since, and the webview store ends up equal', () => {
    const model = new TraceModel();
    const feed = new TimelineFeed(model);
    const store = new TimelineStore();
    model.apply({ type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false });
    model.apply({ type: 'run', t: 0, id: 1 });
    store.apply(feed.full(true));
    model.apply({ type: 'task', t: 5, id: 2, parent: 1, kind: 'async', name: 'child', site: '', internal: false });
    model.apply({ type: 'run', t: 5, id: 2 });
    const delta = feed.delta(true);
    assert.deepEqual(delta.tasks.map((t) => t.id).sort(), [1, 2], 'main stopped running, child was created');
    store.apply(delta);
    model.apply({ type: 'run', t: 9, id: 0 });
    store.apply(feed.delta(false));
    assert.deepEqual(store.tasks.get(1)?.runs, [0, 5]);
    assert.deepEqual(store.tasks.get(2)?.runs, [5, 9]);
    assert.deepEqual(store.loop, [0, 5, 1, 5, 9, 2]);
    assert.equal(feed.delta(false).tasks.length, 0, 'nothing changed since');
  });
});

describe('messages from the webview', () => {
  it('accepts the known shapes and refuses everything else', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'openSite', site: '/a.js:1:1' }), { type: 'openSite', site: '/a.js:1:1' });
    for (const bad of [null, 'ready', 42, [], { type: 'openSite' }, { type: 'openSite', site: 7 }, { type: 'openSite', site: '' }, { type: 'openSite', site: 'x'.repeat(5000) },
      { type: 'openSite', site: '/a.js:1:1', extra: true }, { type: 'ready', and: 'more' }, { type: 'runShell', command: 'rm -rf /' }, { type: '__proto__' }]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
