import * as assert from 'node:assert/strict';
import type { TraceEvent } from '../../src/trace/events';
import { TraceModel } from '../../src/trace/model';
import { fromTasklaneFile, toTasklaneFile } from '../../src/trace/tasklaneFile';

function build(events: TraceEvent[], longBlockUs?: number): TraceModel {
  const model = new TraceModel(longBlockUs ? { longBlockUs } : {});
  events.forEach((e) => model.apply(e));
  return model;
}

const task = (t: number, id: number, parent: number, name: string, kind: 'async' | 'timer' | 'combinator' | 'io' | 'tracer' | 'script' = 'async'): TraceEvent =>
  ({ type: 'task', t, id, parent, kind, name, site: `/app/main.js:${id}:1`, internal: false });

describe('trace model', () => {
  it('names a wait for an I/O call by what woke it, unless that is the runtime\'s own hidden work or the call\'s own', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(1, 2, 1, 'events.once', 'io'),
      task(1, 3, 1, 'setTimeout 10 ms', 'timer'),
      { type: 'await', t: 2, id: 1, target: 2, label: '', site: 'a.js:5:3' },
      { type: 'awaitBy', t: 12, id: 1, by: 3, label: '' },
      task(20, 4, 1, 'SubtleCrypto.digest', 'io'),
      { type: 'task', t: 21, id: 5, parent: 4, kind: 'io', name: 'crypto.hash', site: '', internal: true },
      { type: 'await', t: 22, id: 1, target: 4, label: '', site: 'a.js:6:3' },
      { type: 'awaitBy', t: 30, id: 1, by: 5, label: '' },
      { type: 'run', t: 31, id: 1 },
      // A fetch woken by a read of the socket it opened.
      task(40, 6, 1, 'fetch GET 127.0.0.1:8080/users/1', 'io'),
      task(41, 7, 6, 'TCP socket 127.0.0.1:8080', 'io'),
      { type: 'await', t: 42, id: 1, target: 6, label: '', site: 'a.js:7:3' },
      { type: 'awaitBy', t: 50, id: 1, by: 7, label: 'read TCP socket 127.0.0.1:8080' },
      { type: 'run', t: 51, id: 1 },
    ]);
    const waits = m.tasks.get(1)!.waits;
    assert.deepEqual(waits.map((w) => m.waitLabel(w)), ['setTimeout 10 ms', 'SubtleCrypto.digest', 'fetch GET 127.0.0.1:8080/users/1']);
    assert.equal(m.wokenBy(waits[2]), 7, 'the socket\'s read still said as what woke it');
  });

  it('splits the loop between tasks as run events arrive', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      task(10, 2, 1, 'child'),
      { type: 'run', t: 10, id: 2 },
      { type: 'run', t: 25, id: 1 },
      { type: 'run', t: 40, id: 0 },
      { type: 'run', t: 100, id: 2 },
      { type: 'run', t: 130, id: 0 },
    ]);
    assert.deepEqual(m.tasks.get(1)!.runs, [0, 10, 25, 40]);
    assert.deepEqual(m.tasks.get(2)!.runs, [10, 25, 100, 130]);
    assert.deepEqual(m.loop, [0, 10, 1, 10, 25, 2, 25, 40, 1, 100, 130, 2]);
    assert.equal(m.runningTime(m.tasks.get(2)!), 45);
  });

  it('ends a task\'s run where it began to wait, not where the next task took the loop (the callback finishing after its await)', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      { type: 'await', t: 7, id: 1, target: 0, label: 'sleep', site: '' },
      { type: 'run', t: 9, id: 0 },
      { type: 'run', t: 50, id: 1 },
      { type: 'run', t: 60, id: 0 },
    ]);
    const main = m.tasks.get(1)!;
    assert.deepEqual(main.runs, [0, 7, 50, 60]);
    assert.deepEqual(main.waits.map((w) => [w.start, w.end]), [[7, 50]]);
    assert.deepEqual(m.loop, [0, 7, 1, 50, 60, 1], 'the loop as a file keeping only the runs gives it back');
    assert.deepEqual(fromTasklaneFile(JSON.parse(JSON.stringify(toTasklaneFile(m)))).loop, m.loop);
  });

  it('ends a task\'s run where the first of the waits told during it began (one suspension told twice: a `for await` step, then what the generator awaits)', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      { type: 'await', t: 5, id: 1, target: 0, label: 'readline', site: 'a.js:17:3' },
      { type: 'await', t: 8, id: 1, target: 0, label: 'fs.read', site: 'a.js:17:3' },
      { type: 'run', t: 10, id: 0 },
      { type: 'run', t: 30, id: 1 },
      { type: 'await', t: 32, id: 1, target: 0, label: 'readline', site: 'a.js:17:3' },
      { type: 'await', t: 33, id: 1, target: 0, label: 'fs.read', site: 'a.js:17:3' },
      { type: 'run', t: 40, id: 1 },
    ]);
    const main = m.tasks.get(1)!;
    assert.deepEqual(main.runs, [0, 5, 30, 32, 40, NaN]);
    assert.deepEqual(main.waits.map((w) => [w.start, w.end]), [[5, 8], [8, 30], [32, 33], [33, 40]]);
  });

  it('ends a run already closed where a wait told after it began (an async function\'s `return load()`, told as the runtime adopts the promise)', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(1, 2, 1, 'get'),
      { type: 'run', t: 1, id: 2 },
      { type: 'run', t: 9, id: 1 },
      { type: 'await', t: 6, id: 2, target: 0, label: 'Response.text', site: '' },
      { type: 'run', t: 12, id: 0 },
      { type: 'run', t: 40, id: 2 },
      { type: 'run', t: 41, id: 0 },
    ]);
    const get = m.tasks.get(2)!;
    assert.deepEqual(get.runs, [1, 6, 40, 41]);
    assert.deepEqual(get.waits.map((w) => [w.start, w.end]), [[6, 40]]);
    assert.deepEqual(m.tasks.get(1)!.runs, [9, 12], 'the task that took the loop keeps its run');
    assert.deepEqual(m.loop, [1, 6, 2, 9, 12, 1, 40, 41, 2], 'the loop as a file keeping only the runs gives it back');
  });

  it('a task told to run again while it holds the loop resumes from the wait it began since (Python\'s `sleep(0)` with nothing else ready)', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 10, id: 1 },
      { type: 'await', t: 16, id: 1, target: 0, label: 'sleep 0 s', site: '' },
      { type: 'run', t: 30, id: 1 },
      { type: 'run', t: 40, id: 1 },
      { type: 'run', t: 45, id: 0 },
    ]);
    const main = m.tasks.get(1)!;
    assert.deepEqual(main.runs, [10, 16, 30, 45], 'a run record with no wait in between changes nothing');
    assert.deepEqual(main.waits.map((w) => [w.start, w.end]), [[16, 30]]);
    assert.deepEqual(m.loop, [10, 16, 1, 30, 45, 1]);
  });

  it('closes a wait when its task runs again and labels it with what it awaited', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(1, 2, 1, 'sayAfter'),
      task(2, 3, 2, 'setTimeout 100 ms', 'timer'),
      { type: 'await', t: 3, id: 2, target: 0, label: '', site: '' },
      { type: 'await', t: 4, id: 1, target: 2, label: '', site: '' },
      { type: 'run', t: 103, id: 3 },
      { type: 'awaitBy', t: 103, id: 2, by: 3, label: '' },
      { type: 'run', t: 104, id: 2 },
      { type: 'run', t: 105, id: 1 },
    ]);
    const [mainWait] = m.tasks.get(1)!.waits;
    const [childWait] = m.tasks.get(2)!.waits;
    assert.equal(childWait.end, 104);
    assert.equal(m.waitLabel(childWait), 'setTimeout 100 ms');
    assert.equal(m.waitLabel(mainWait), 'sayAfter');
    assert.equal(m.waitingTime(m.tasks.get(1)!), 101);
  });

  it('a coroutine span runs and waits when its task does while it is open, nested spans included', () => {
    const span = (t: number, id: number, parent: number, name: string): TraceEvent => ({ type: 'task', t, id, parent, kind: 'coroutine', name, site: '', internal: false });
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      span(10, 2, 1, 'fetch'),
      span(12, 3, 2, 'read'),
      { type: 'await', t: 20, id: 1, target: 0, label: 'DataQueue.read', site: '' },
      { type: 'run', t: 20, id: 0 },
      { type: 'run', t: 50, id: 1 },
      { type: 'end', t: 55, id: 3, state: 'resolved', message: '', site: '' },
      { type: 'end', t: 60, id: 2, state: 'resolved', message: '', site: '' },
      { type: 'await', t: 70, id: 1, target: 0, label: 'sleep 1 s', site: '' },
      { type: 'run', t: 70, id: 0 },
    ]);
    const [main, fetch, read] = [1, 2, 3].map((id) => m.tasks.get(id)!);
    assert.deepEqual([m.runningTime(fetch), m.waitingTime(fetch)], [10 + 10, 30], 'fetch: 10–20 and 50–60 running, 20–50 waiting');
    assert.deepEqual([m.runningTime(read), m.waitingTime(read)], [8 + 5, 30]);
    assert.deepEqual([m.runningTime(main), m.waitingTime(main)], [20 + 20, 30], 'the task\'s own, its open wait to the trace\'s end');
  });

  it('a wait that goes on after a callback of its task ran is, stretch by stretch, for what ended it', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(1, 2, 1, 'setTimeout 60 ms', 'timer'),
      { type: 'await', t: 2, id: 1, target: 0, label: '', site: 'a.js:5:3' },
      { type: 'run', t: 2, id: 0 },
      { type: 'run', t: 10, id: 1 }, // a .then callback main attached
      { type: 'waitOn', t: 11, id: 1 },
      { type: 'run', t: 11, id: 0 },
      { type: 'run', t: 20, id: 1 },
      { type: 'waitOn', t: 21, id: 1 },
      { type: 'run', t: 21, id: 0 },
      { type: 'run', t: 62, id: 2 },
      { type: 'awaitBy', t: 62, id: 1, by: 2, label: '' },
      { type: 'run', t: 63, id: 1 },
      { type: 'await', t: 64, id: 1, target: 0, label: '', site: 'a.js:5:3' },
      { type: 'run', t: 64, id: 0 },
      { type: 'run', t: 70, id: 1 },
    ]);
    const waits = m.tasks.get(1)!.waits;
    assert.deepEqual(waits.map((w) => [w.start, w.end, w.site]), [[2, 10, 'a.js:5:3'], [11, 20, 'a.js:5:3'], [21, 63, 'a.js:5:3'], [64, 70, 'a.js:5:3']]);
    assert.deepEqual(waits.map((w) => m.waitLabel(w)), ['setTimeout 60 ms', 'setTimeout 60 ms', 'setTimeout 60 ms', 'promise'], 'a new await is a wait of its own');
  });

  it('a waker told of after its run ended woke the wait as that run ended; one told during its run, then', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(1, 2, 1, 'fs.read', 'io'),
      task(1, 3, 1, 'setTimeout 5 ms', 'timer'),
      { type: 'await', t: 2, id: 1, target: 0, label: '', site: 'a.js:5:3' },
      { type: 'run', t: 2, id: 0 },
      { type: 'run', t: 10, id: 2 },
      { type: 'run', t: 14, id: 0 }, // the read's callback has returned; Node's iterator yields in its microtasks
      { type: 'awaitBy', t: 16, id: 1, by: 2, label: '' },
      { type: 'run', t: 17, id: 1 },
      { type: 'await', t: 18, id: 1, target: 0, label: '', site: 'a.js:6:3' },
      { type: 'run', t: 18, id: 0 },
      { type: 'run', t: 30, id: 3 },
      { type: 'awaitBy', t: 31, id: 1, by: 3, label: '' },
      { type: 'run', t: 32, id: 1 },
    ]);
    assert.deepEqual(m.tasks.get(1)!.waits.map((w) => [w.by, w.wokenAt]), [[2, 14], [3, 31]]);
  });

  it('a worker thread terminated while one of its tasks runs: the run, and its thread\'s loop, end as the thread does', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      task(10, 2, 1, 'Worker', 'io'),
      { type: 'thread', id: 1 },
      task(20, 3, 2, 'work.js (thread 1)', 'script'),
      { type: 'run', t: 20, id: 3 },
      task(25, 4, 3, 'spin'),
      { type: 'run', t: 25, id: 4 },
      { type: 'thread', id: 0 },
      { type: 'end', t: 40, id: 3, state: 'cancelled', message: 'terminated', site: '' },
      { type: 'run', t: 50, id: 0 },
    ], 50_000);
    m.finish();
    assert.deepEqual(m.tasks.get(4)!.runs, [25, 40], 'not running on to the end of the trace');
    assert.deepEqual(m.tasks.get(4)!.end, { t: 40, state: 'cancelled', message: 'terminated', site: '' }, 'it never finished: it ends with its thread');
    assert.deepEqual([...m.threadLoops], [[1, [20, 25, 3, 25, 40, 4]]]);
  });

  it('a worker thread that exits by itself leaves its unfinished tasks pending, as the program does', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(10, 2, 1, 'Worker', 'io'),
      { type: 'thread', id: 1 },
      task(20, 3, 2, 'work.js (thread 1)', 'script'),
      task(25, 4, 3, 'forever'),
      { type: 'await', t: 26, id: 4, target: 0, label: 'promise', site: '' },
      { type: 'end', t: 40, id: 3, state: 'resolved', message: '', site: '' },
    ]);
    m.finish();
    assert.equal(m.tasks.get(4)!.end, undefined);
  });

  it('a worker thread\'s own workers end as it does, however it ended, and theirs with them', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      task(10, 2, 1, 'Worker', 'io'),
      { type: 'thread', id: 1 },
      task(20, 3, 2, 'middle.js (thread 1)', 'script'),
      task(21, 4, 3, 'Worker', 'io'),
      { type: 'thread', id: 2 },
      task(30, 5, 4, 'busy.js (thread 2)', 'script'),
      task(31, 6, 5, 'Worker', 'io'),
      { type: 'run', t: 32, id: 6 },
      { type: 'thread', id: 3 },
      task(40, 7, 6, 'busier.js (thread 3)', 'script'),
      { type: 'thread', id: 1 },
      task(45, 8, 3, 'Worker', 'io'),
      { type: 'end', t: 50, id: 3, state: 'resolved', message: '', site: '' },
      // A worker that sent its own records after its starter's end.
      { type: 'thread', id: 4 },
      task(48, 9, 8, 'late.js (thread 4)', 'script'),
    ]);
    m.finish();
    const stopped = { state: 'cancelled', message: 'terminated as the thread that started it ended', site: '' };
    assert.deepEqual([5, 7, 9].map((id) => m.tasks.get(id)!.end), [{ t: 50, ...stopped }, { t: 50, ...stopped }, { t: 50, ...stopped }]);
    assert.deepEqual(m.tasks.get(6)!.runs, [32, 50], 'the running task of a stopped thread stops running');
    assert.equal(m.tasks.get(1)!.end, undefined, 'the main thread\'s tasks are not its');
  });

  it('keeps a loop for each worker thread: its tasks hold their own, and a long run there is a long block of that thread\'s', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      task(10, 2, 1, 'Worker', 'io'),
      { type: 'thread', id: 1 },
      task(20, 3, 2, 'work.js'),
      { type: 'run', t: 20, id: 3 },
      { type: 'thread', id: 0 },
      { type: 'run', t: 30, id: 0 },
      { type: 'thread', id: 1 },
      { type: 'run', t: 200_000, id: 0 },
    ], 50_000);
    assert.deepEqual(m.loop, [0, 30, 1], 'the main thread went idle at 30 µs while the worker ran on');
    assert.deepEqual([...m.threadLoops], [[1, [20, 200_000, 3]]]);
    assert.deepEqual([m.tasks.get(1)!.thread, m.tasks.get(3)!.thread], [0, 1]);
    assert.deepEqual(m.longBlocks(), [{ task: 3, thread: 1, start: 20, end: 200_000 }]);
    m.finish();
    const reopened = fromTasklaneFile(JSON.parse(JSON.stringify(toTasklaneFile(m))));
    assert.deepEqual([...reopened.threadLoops], [[1, [20, 200_000, 3]]], 'a saved trace reopens with the worker\'s loop');
    assert.deepEqual(reopened.loop, [0, 30, 1]);
  });

  it('names combinators by their member count', () => {
    const m = build([task(0, 1, 0, 'main'), task(1, 5, 1, 'Promise.all', 'combinator'), ...[2, 3, 4].map((id): TraceEvent => ({ type: 'join', t: 2, id: 5, member: id }))]);
    assert.equal(m.displayName(m.tasks.get(5)!), 'Promise.all ×3');
  });

  it('flags segments longer than the threshold as long blocks, longest first', () => {
    const m = build([task(0, 1, 0, 'a'), task(0, 2, 0, 'b'), { type: 'run', t: 0, id: 1 }, { type: 'run', t: 60_000, id: 2 }, { type: 'run', t: 70_000, id: 1 }, { type: 'run', t: 200_000, id: 0 }]);
    assert.deepEqual(m.longBlocks(), [{ task: 1, thread: 0, start: 70_000, end: 200_000 }, { task: 1, thread: 0, start: 0, end: 60_000 }]);
    const strict = build([task(0, 1, 0, 'a'), { type: 'run', t: 0, id: 1 }, { type: 'run', t: 60_000, id: 0 }], 100_000);
    assert.deepEqual(strict.longBlocks(), []);
  });

  it('the tracer\'s own work holding the loop (transpiling TypeScript) is no long block of the program\'s', () => {
    const m = build([task(0, 1, 0, 'transpile TypeScript (Tasklane)', 'tracer'), task(0, 2, 0, 'main'), { type: 'run', t: 0, id: 1 }, { type: 'run', t: 80_000, id: 2 }, { type: 'run', t: 160_000, id: 0 }]);
    assert.deepEqual(m.longBlocks(), [{ task: 2, thread: 0, start: 80_000, end: 160_000 }]);
  });

  it('leaves unfinished tasks pending and closes their segments at the end', () => {
    const m = build([task(0, 1, 0, 'main'), { type: 'run', t: 0, id: 1 }, { type: 'await', t: 5, id: 1, target: 0, label: 'forever', site: '' }, { type: 'run', t: 6, id: 0 }]);
    m.finish(50);
    const main = m.tasks.get(1)!;
    assert.equal(m.endState(main), 'pending');
    assert.equal(main.waits[0].end, 50);
    assert.equal(m.endTimeOf(main), 50);
  });

  it('records how tasks and the program ended', () => {
    const m = build([
      task(0, 1, 0, 'main'),
      { type: 'end', t: 9, id: 1, state: 'rejected', message: 'Error: nope', site: '/app/main.js:3:9' },
      { type: 'exit', t: 10, reason: 'exception', code: 1, signal: '', message: 'Error: nope', site: '/app/main.js:3:9' },
    ]);
    assert.deepEqual(m.tasks.get(1)!.end, { t: 9, state: 'rejected', message: 'Error: nope', site: '/app/main.js:3:9' });
    assert.equal(m.exit?.reason, 'exception');
  });

  it('folds at most maxEvents from a stream; past it keeps the ends of its tasks and the exit, and counts the rest dropped', () => {
    const m = new TraceModel({ maxEvents: 4 });
    const events: TraceEvent[] = [
      task(0, 1, 0, 'main'),
      { type: 'run', t: 0, id: 1 },
      task(5, 2, 1, 'child'),
      { type: 'await', t: 6, id: 1, target: 2, label: '', site: '' },
      // the cap: from here only what keeps the trace whole
      { type: 'run', t: 10, id: 2 },
      task(12, 3, 2, 'late'),
      { type: 'run', t: 15, id: 3 },
      { type: 'end', t: 20, id: 3, state: 'resolved', message: '', site: '' },
      { type: 'end', t: 30, id: 2, state: 'rejected', message: 'Error: x', site: '' },
      { type: 'exit', t: 40, reason: 'exit', code: 0, signal: '', message: '', site: '' },
    ];
    events.forEach((e) => m.apply(e));
    assert.deepEqual([...m.tasks.keys()], [1, 2], 'no task made past the cap');
    assert.deepEqual(m.dropped, [{ t: 10, count: 4 }], 'two runs, a task and its end, from the first');
    assert.deepEqual(m.tasks.get(2)!.end, { t: 30, state: 'rejected', message: 'Error: x', site: '' });
    assert.equal(m.exit?.reason, 'exit');
    assert.deepEqual(m.loop, [0, 6, 1], 'main holds the loop until it awaits, not past the point the trace stops knowing');
  });

  it('ignores events about tasks it never saw', () => {
    const m = build([{ type: 'run', t: 1, id: 77 }, { type: 'await', t: 2, id: 77, target: 0, label: '', site: '' }, { type: 'end', t: 3, id: 77, state: 'resolved', message: '', site: '' }]);
    assert.equal(m.tasks.size, 0);
    assert.deepEqual(m.loop, []);
  });

  it('tells a live view each task that changed since it last asked, once, whatever its id', () => {
    const huge = 2 ** 40; // a stream may number its tasks sparsely
    const m = build([task(0, 1, 0, 'main'), task(1, 5000, 1, 'far'), task(2, huge, 1, 'sparse')]);
    const sorted = (ids: number[]): number[] => ids.filter((id) => id !== 0).sort((a, b) => a - b); // 0: the loop went idle
    assert.deepEqual(sorted(m.takeChanged()), [1, 5000, huge]);
    assert.deepEqual(m.takeChanged(), [], 'nothing changed since');
    for (const e of [{ type: 'run', t: 3, id: 5000 }, { type: 'run', t: 4, id: 1 }, { type: 'run', t: 5, id: 5000 }, { type: 'await', t: 6, id: huge, target: 0, label: '', site: '' }, { type: 'await', t: 7, id: huge, target: 0, label: '', site: '' }] as TraceEvent[]) m.apply(e);
    assert.deepEqual(sorted(m.takeChanged()), [1, 5000, huge], 'each once, though touched again');
  });

  it('finds each task by its id, whatever order and gaps its ids came in', () => {
    const ids = [1, 1100, 200, 1000, 1200, 2 ** 40, 3];
    const m = build(ids.map((id, i) => task(i, id, 1, `t${id}`)));
    ids.forEach((id, i) => m.apply({ type: 'run', t: 100 + i, id }));
    m.apply({ type: 'run', t: 200, id: 0 });
    for (const id of ids) assert.equal(m.tasks.get(id)?.runs.length, 2, `task ${id} ran once`);
    assert.equal(m.tasks.size, ids.length);
    const byNumber = (a: number, b: number): number => a - b;
    assert.deepEqual([...m.tasks.keys()].sort(byNumber), [...ids].sort(byNumber), 'each task listed once');
    assert.equal(m.tasks.get(2), undefined);
  });
});
