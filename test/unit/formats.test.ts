import * as assert from 'node:assert/strict';
import { exportChromeTrace, importChromeTrace, LOOP_TID, type ChromeEvent } from '../../src/trace/chromeTrace';
import type { TraceEvent } from '../../src/trace/events';
import { parseTrace } from '../../src/trace/load';
import { TraceModel } from '../../src/trace/model';
import { traceFileText } from '../../src/trace/save';
import { formatSummary } from '../../src/trace/summary';
import { fromTasklaneFile, toTasklaneFile } from '../../src/trace/tasklaneFile';
import { InvalidTraceError } from '../../src/trace/validate';
import { unboundFlows } from './flowBinding';

/** The finished model of `events`, as a trace file would give it. */
function modelOf(events: TraceEvent[]): TraceModel {
  const m = new TraceModel();
  events.forEach((e) => m.apply(e));
  m.finish();
  return m;
}

function sampleModel(): TraceModel {
  return modelOf([
    { type: 'start', runtime: 'node', runtimeVersion: 'v20', pid: 99, script: '/app/main.js', cwd: '/app', startedAt: 1 },
    { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
    { type: 'run', t: 0, id: 1 },
    { type: 'task', t: 10, id: 2, parent: 1, kind: 'async', name: 'sayAfter', site: '/app/main.js:8:3', internal: false },
    { type: 'run', t: 10, id: 2 },
    { type: 'await', t: 12, id: 2, target: 0, label: 'sleep 0.1 s', site: '/app/main.js:3:3' },
    { type: 'run', t: 13, id: 1 },
    { type: 'run', t: 20, id: 0 },
    { type: 'run', t: 100_020, id: 2 },
    { type: 'end', t: 100_030, id: 2, state: 'rejected', message: 'Error: late', site: '/app/main.js:4:9' },
    { type: 'run', t: 100_040, id: 0 },
    { type: 'dropped', t: 100_045, count: 7 },
    { type: 'signal', t: 100_048, signal: 'SIGTERM' },
    { type: 'exit', t: 100_050, reason: 'exit', code: 0, signal: '', message: '', site: '' },
  ]);
}

describe('Chrome trace export of a task that neither runs nor waits', () => {
  it('draws a Python coroutine span as one slice from its creation to its end, and reads it back', () => {
    const m = modelOf([
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.py', site: '', internal: false },
      { type: 'run', t: 0, id: 1 },
      { type: 'task', t: 10, id: 2, parent: 1, kind: 'coroutine', name: 'say_after', site: '/app/main.py:8:1', internal: false },
      { type: 'end', t: 1_010, id: 2, state: 'resolved', message: '', site: '' },
      { type: 'exit', t: 2_000, reason: 'exit', code: 0, signal: '', message: '', site: '' },
    ]);
    const trace = exportChromeTrace(m);
    const slices = trace.traceEvents.filter((e) => e.tid === 2 && e.ph === 'X');
    assert.deepEqual(slices.map((e) => [e.name, e.cat, e.ts, e.dur]), [['say_after', 'task', 10, 1_000]]);
    const back = importChromeTrace(JSON.parse(JSON.stringify(trace))).tasks.get(2)!;
    assert.deepEqual([back.kind, back.runs, back.waits, back.end?.t], ['coroutine', [], [], 1_010]);
  });
});

describe('Chrome trace export', () => {
  const trace = exportChromeTrace(sampleModel());
  const of = (pred: (e: ChromeEvent) => boolean): ChromeEvent[] => trace.traceEvents.filter(pred);

  it('gives each task its own named lane under one process', () => {
    const names = of((e) => e.ph === 'M' && e.name === 'thread_name');
    assert.deepEqual(names.map((e) => [e.tid, e.args?.name]), [[LOOP_TID, 'event loop'], [1, 'main.js'], [2, 'sayAfter']]);
    assert.equal(new Set(trace.traceEvents.map((e) => e.pid)).size, 1);
  });

  it('draws running segments as run slices and waits as await slices named by what was awaited', () => {
    const runs = of((e) => e.ph === 'X' && e.cat === 'run' && e.tid === 2);
    assert.deepEqual(runs.map((e) => [e.ts, e.dur]), [[10, 2], [100_020, 20]], 'its first run ends at its await (12), not as the script takes the loop (13)');
    const [wait] = of((e) => e.ph === 'X' && e.cat === 'await');
    assert.deepEqual([wait.tid, wait.name, wait.ts, wait.dur], [2, 'sleep 0.1 s', 12, 100_008]);
    assert.equal(runs[0].args?.end, 'rejected: Error: late');
    assert.equal(runs[0].args?.site, '/app/main.js:8:3');
    assert.equal(runs[0].args?.parent, 1);
  });

  it('links parent to child with a flow from the creation moment to the child’s first event', () => {
    const start = of((e) => e.ph === 's');
    const finish = of((e) => e.ph === 'f');
    assert.deepEqual(start.map((e) => [e.id, e.tid, e.ts]), [[2, 1, 10]]);
    assert.deepEqual(finish.map((e) => [e.id, e.tid, e.ts, e.bp]), [[2, 2, 10, 'e']]);
  });

  it('marks long loop blocks and the program’s end on the loop lane', () => {
    const long = of((e) => e.tid === LOOP_TID && e.ph === 'X' && String(e.cat).includes('long-block'));
    assert.deepEqual(long.map((e) => [e.ts, e.dur]), []);
    assert.equal(of((e) => e.cat === 'exit').length, 1);
  });

  it('reads its own export back into the same tasks', () => {
    const back = importChromeTrace(JSON.parse(JSON.stringify(trace)));
    const original = sampleModel();
    assert.equal(formatSummary(back), formatSummary(original));
    assert.deepEqual(back.dropped, [{ t: 100_045, count: 7 }], 'and says that events were dropped, and when');
    assert.deepEqual(back.signals, [{ t: 100_048, signal: 'SIGTERM' }], 'and which signals the program received, and when');
    assert.match(formatSummary(back), /The program received SIGTERM at 100\.0 ms\./);
    assert.match(formatSummary(back), /Recording stopped at 100\.0 ms \(the event cap\); 7 events after it were dropped\./);
  });
});

describe('Chrome trace flows, as Perfetto ties them to slices', () => {
  it('start each creation on a slice of the parent’s lane: one of no length where the parent neither ran nor waited', () => {
    const model = modelOf([
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
      { type: 'run', t: 0, id: 1 },
      { type: 'task', t: 2, id: 2, parent: 1, kind: 'io', name: 'fetch', site: '/app/main.js:2:1', internal: false },
      { type: 'run', t: 5, id: 0 },
      { type: 'task', t: 10, id: 3, parent: 2, kind: 'io', name: 'TCP connect 127.0.0.1:80', site: '', internal: false }, // Node's work for the fetch
      { type: 'task', t: 20, id: 4, parent: 1, kind: 'timer', name: 'setTimeout 5 ms', site: '/app/main.js:3:1', internal: false }, // after main's run
      { type: 'run', t: 30, id: 3 },
      { type: 'run', t: 40, id: 2 },
      { type: 'run', t: 50, id: 4 },
      { type: 'run', t: 60, id: 0 },
    ]);
    const trace = exportChromeTrace(model);
    assert.deepEqual(unboundFlows(trace), []);
    const noLength = trace.traceEvents.filter((e) => e.ph === 'X' && e.dur === 0);
    assert.deepEqual(noLength.map((e) => [e.tid, e.ts, e.cat, e.args?.flow]), [[2, 10, 'spawn', 3], [1, 20, 'spawn', 4]], 'none where main made the fetch as it ran');
    const back = importChromeTrace(JSON.parse(JSON.stringify(trace)));
    assert.equal(formatSummary(back), formatSummary(model), 'and they are no runs or waits read back');
  });
});

describe('Chrome trace export of a program with another thread\'s loop', () => {
  it('draws that loop on a lane of its own, named for its thread, and reads its tasks back onto it', () => {
    const model = modelOf([
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
      { type: 'run', t: 0, id: 1 },
      { type: 'task', t: 5, id: 2, parent: 1, kind: 'io', name: 'Worker', site: '/app/main.js:2:1', internal: false },
      { type: 'run', t: 10, id: 0 },
      { type: 'thread', id: 2 },
      { type: 'task', t: 20, id: 257, parent: 2, kind: 'script', name: 'work.js (thread 2)', site: '', internal: false },
      { type: 'run', t: 20, id: 257 },
      { type: 'run', t: 80_020, id: 0 },
    ]);
    const trace = exportChromeTrace(model);
    const lane = trace.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.loop === 2)!;
    assert.equal(lane.args?.name, 'event loop (thread 2)');
    assert.ok(lane.tid > 257, 'numbered after every task');
    const blocks = trace.traceEvents.filter((e) => e.tid === lane.tid && e.ph === 'X');
    assert.deepEqual(blocks.map((e) => [e.ts, e.dur, e.cat, e.args?.task]), [[20, 80_000, 'loop,long-block', 257]]);
    assert.ok(!trace.traceEvents.some((e) => e.tid === LOOP_TID && e.ph === 'X' && e.args?.task === 257), 'not on the main thread\'s');
    const back = importChromeTrace(JSON.parse(JSON.stringify(trace)));
    assert.equal(back.tasks.get(257)?.thread, 2);
    assert.deepEqual([...back.threadLoops], [[2, [20, 80_020, 257]]]);
    assert.deepEqual(back.loop, [0, 10, 1]);
    assert.equal(back.tasks.has(lane.tid), false, 'the loop lane is no task');
    assert.match(formatSummary(back), /80\.0 ms at 20 µs on thread 2 in #257 work\.js \(thread 2\)/, 'the summary says whose loop the block held');
  });
});

describe('tasklane summary', () => {
  function modelWithInternalParent(): TraceModel {
    return modelOf([
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'server.js', site: '', internal: false },
      { type: 'task', t: 5, id: 2, parent: 1, kind: 'io', name: 'HTTP request', site: '/app/server.js:3:20', internal: true },
      { type: 'task', t: 6, id: 3, parent: 2, kind: 'async', name: 'handle', site: '/app/server.js:3:40', internal: false },
      { type: 'end', t: 9, id: 3, state: 'resolved', message: '', site: '' },
      { type: 'exit', t: 10, reason: 'exit', code: 0, signal: '', message: '', site: '' },
    ]);
  }

  it('says how many internal tasks it left out, as a shown row can name one as its parent', () => {
    const summary = formatSummary(modelWithInternalParent());
    assert.match(summary, /#3 handle .* #2 HTTP request /);
    assert.doesNotMatch(summary, /^#2 /m);
    assert.match(summary, /\(1 internal task of the runtime's own not shown; --all shows them\.\)/);
    const all = formatSummary(modelWithInternalParent(), { includeInternal: true });
    assert.match(all, /^#2 HTTP request /m);
    assert.doesNotMatch(all, /not shown/);
  });

  it('says how each task ended once: a message that names the state itself is not put after it again', () => {
    const m = modelOf([
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'jobs.py', site: '', internal: false },
      { type: 'task', t: 1, id: 2, parent: 1, kind: 'async', name: 'slow', site: '', internal: false },
      { type: 'task', t: 1, id: 3, parent: 1, kind: 'async', name: 'fetch', site: '', internal: false },
      { type: 'task', t: 1, id: 4, parent: 1, kind: 'timer', name: 'setTimeout 10 ms', site: '', internal: false },
      { type: 'end', t: 5, id: 2, state: 'cancelled', message: 'cancelled by main: shutting down', site: '' },
      { type: 'end', t: 5, id: 3, state: 'rejected', message: 'ValueError: bad input', site: '' },
      { type: 'end', t: 5, id: 4, state: 'cancelled', message: 'cleared before it fired', site: '' },
    ]);
    const ends = formatSummary(m).split('\n').filter((line) => /^#[234] /.test(line)).map((line) => line.split(/\s{2,}/).at(-1));
    assert.deepEqual(ends, ['cancelled by main: shutting down', 'rejected: ValueError: bad input', 'cancelled: cleared before it fired']);
  });

  it('tells each rejected task\'s whole message (its cause too) and where it was thrown, below the table that cuts them; ten at most', () => {
    const message = 'TypeError: fetch failed (caused by Error: connect ECONNREFUSED 127.0.0.1:9)';
    const events: TraceEvent[] = [
      { type: 'start', runtime: 'node', runtimeVersion: 'v20.0.0', pid: 7, script: '/app/get.js', cwd: '/app', startedAt: 1 },
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'get.js', site: '', internal: false },
      { type: 'task', t: 1, id: 2, parent: 1, kind: 'async', name: 'download', site: '/app/get.js:3:1', internal: false },
      { type: 'task', t: 1, id: 3, parent: 2, kind: 'io', name: 'fetch', site: '/app/get.js:4:9', internal: true },
      { type: 'end', t: 5, id: 3, state: 'rejected', message, site: '' },
      { type: 'end', t: 5, id: 2, state: 'rejected', message, site: '/app/get.js:4:9' },
    ];
    const summary = formatSummary(modelOf(events));
    assert.doesNotMatch(summary.split('Rejected tasks:')[0], /ECONNREFUSED 127\.0\.0\.1:9\)/, 'the table cuts it');
    assert.match(summary, /\nRejected tasks:\n {2}#2 download: TypeError: fetch failed \(caused by Error: connect ECONNREFUSED 127\.0\.0\.1:9\) at get\.js:4\n$/, 'not the internal fetch');
    for (let id = 4; id < 16; id++) {
      events.push({ type: 'task', t: 6, id, parent: 1, kind: 'async', name: `job${id}`, site: '', internal: false });
      events.push({ type: 'end', t: 7, id, state: 'rejected', message: `Error: job ${id} failed`, site: '' });
    }
    const many = formatSummary(modelOf(events)).split('Rejected tasks:\n')[1].trimEnd().split('\n');
    assert.deepEqual([many.length, many[9], many[10]], [11, '  #12 job12: Error: job 12 failed', '  (3 more)']);
  });

  it('shows a site in the program\'s folder relative to it, one outside by its full path, and a long one by its end', () => {
    const m = modelOf([
      { type: 'start', runtime: 'python', runtimeVersion: '3.11', pid: 7, script: '/app/crawl.py', cwd: '/app', startedAt: 1 },
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'crawl.py', site: '', internal: false },
      { type: 'task', t: 1, id: 2, parent: 1, kind: 'async', name: 'main', site: '/app/crawl.py:62:1', internal: false },
      { type: 'task', t: 2, id: 3, parent: 2, kind: 'coroutine', name: 'TCPSite.start', site: '/usr/lib/python3/web_runner.py:121:1', internal: false },
      { type: 'task', t: 3, id: 4, parent: 2, kind: 'coroutine', name: 'ClientSession._request', site: '/usr/lib/python3/dist-packages/aiohttp/client_reqrep.py:1001:1', internal: false },
    ]);
    const cells = formatSummary(m).split('\n').filter((line) => line.startsWith('#')).map((line) => line.split(/\s{2,}/)[2]);
    assert.deepEqual(cells, ['-', 'crawl.py:62', '/usr/lib/python3/web_runner.py:121', '…on3/dist-packages/aiohttp/client_reqrep.py:1001']);
  });
});

describe('what woke a wait, in both export formats', () => {
  function wokenModel(): TraceModel {
    return modelOf([
      { type: 'start', runtime: 'python', runtimeVersion: '3.12', pid: 7, script: '/app/q.py', cwd: '/app', startedAt: 1 },
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'q.py', site: '', internal: false },
      { type: 'task', t: 1, id: 2, parent: 1, kind: 'async', name: 'producer', site: '/app/q.py:9:1', internal: false },
      { type: 'task', t: 1, id: 3, parent: 1, kind: 'async', name: 'consumer', site: '/app/q.py:10:1', internal: false },
      { type: 'task', t: 1, id: 4, parent: 2, kind: 'timer', name: 'sleep 0.01 s', site: '/app/q.py:4:1', internal: false },
      { type: 'run', t: 2, id: 3 },
      { type: 'await', t: 5, id: 3, target: 0, label: 'Queue.get', site: '/app/q.py:6:1' },
      { type: 'run', t: 6, id: 2 },
      { type: 'await', t: 7, id: 2, target: 0, label: '', site: '/app/q.py:4:1' },
      { type: 'run', t: 8, id: 4 },
      { type: 'awaitBy', t: 8, id: 2, by: 4, label: '' }, // its sleep's own timer: the label says so
      { type: 'run', t: 10, id: 2 },
      { type: 'awaitBy', t: 12, id: 3, by: 2, label: '' }, // the producer's put
      { type: 'run', t: 15, id: 3 },
      { type: 'end', t: 16, id: 3, state: 'resolved', message: '', site: '' },
      { type: 'run', t: 17, id: 0 },
      { type: 'exit', t: 20, reason: 'exit', code: 0, signal: '', message: '', site: '' },
    ]);
  }

  it('Chrome: a flow from the waker at the moment it woke the wait to the wait’s end, none where the wait’s name says it', () => {
    const wakes = exportChromeTrace(wokenModel()).traceEvents.filter((e) => e.cat === 'wake');
    assert.deepEqual(wakes.map((e) => [e.ph, e.tid, e.ts, e.bp]), [['s', 2, 12, undefined], ['f', 3, 15, 'e']]);
    assert.equal(wakes[0].id, wakes[1].id);
    assert.ok((wakes[0].id as number) > 4, 'an id no creation flow has (those are the tasks’)');
  });

  it('both formats keep when a wait was woken, and read files written before they did', () => {
    const model = wokenModel();
    const consumerWait = (m: TraceModel): number[] => m.tasks.get(3)!.waits.map((w) => w.wokenAt);
    assert.deepEqual(consumerWait(fromTasklaneFile(JSON.parse(JSON.stringify(toTasklaneFile(model))))), [12]);
    assert.deepEqual(consumerWait(importChromeTrace(JSON.parse(JSON.stringify(exportChromeTrace(model))))), [12]);
    const old = JSON.parse(JSON.stringify(toTasklaneFile(model))) as { tasks: { waits: unknown[][] }[] };
    for (const task of old.tasks) for (const wait of task.waits) wait.length = 7;
    const back = fromTasklaneFile(old);
    assert.deepEqual([consumerWait(back), back.tasks.get(3)!.waits[0].by], [[NaN], 2]);
  });
});

describe('saving a large trace', () => {
  // Promise.all of N calls whose every member's end runs the combinator once: N runs.
  function wideCombinator(n: number): TraceModel {
    const events: TraceEvent[] = [
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
      { type: 'run', t: 0, id: 1 },
      { type: 'task', t: 1, id: 2, parent: 1, kind: 'combinator', name: 'Promise.all', site: '/app/main.js:9:9', internal: false },
    ];
    for (let i = 0; i < n; i++) {
      events.push({ type: 'task', t: 2, id: 3 + i, parent: 1, kind: 'async', name: 'task', site: '/app/main.js:9:40', internal: false });
      events.push({ type: 'join', t: 2, id: 2, member: 3 + i });
    }
    for (let i = 0; i < n; i++) {
      events.push({ type: 'run', t: 10 + 2 * i, id: 3 + i }, { type: 'end', t: 10 + 2 * i, id: 3 + i, state: 'resolved', message: '', site: '' });
      events.push({ type: 'run', t: 11 + 2 * i, id: 2 });
    }
    events.push({ type: 'end', t: 11 + 2 * n, id: 2, state: 'resolved', message: '', site: '' });
    events.push({ type: 'exit', t: 20 + 2 * n, reason: 'exit', code: 0, signal: '', message: '', site: '' });
    return modelOf(events);
  }

  it('Chrome: a combinator\'s members are written once, not on each of its runs, and read back', () => {
    const m = wideCombinator(2_000);
    const text = [...traceFileText(m, 'chrome')].join('');
    const withMembers = JSON.parse(text).traceEvents.filter((e: ChromeEvent) => e.tid === 2 && Array.isArray(e.args?.members));
    assert.deepEqual(withMembers.map((e: ChromeEvent) => [e.cat, (e.args!.members as number[]).length]), [['run', 2_000]]);
    assert.ok(text.length < 2_000 * 2_000, `${text.length} characters`);
    assert.equal(parseTrace(text).displayName(parseTrace(text).tasks.get(2)!), 'Promise.all ×2000');
  });

  it('writes both formats in pieces that join into the JSON of the whole file', () => {
    const m = wideCombinator(25_000);
    const chrome = [...traceFileText(m, 'chrome')];
    const tasklane = [...traceFileText(m, 'tasklane')];
    assert.ok(chrome.length > 3 && tasklane.length > 3, `${chrome.length} and ${tasklane.length} pieces`);
    // (Compared as booleans: a diff of two 6 MB strings is no help.)
    assert.ok(chrome.join('') === JSON.stringify(exportChromeTrace(m)), 'the Chrome trace');
    assert.ok(tasklane.join('') === JSON.stringify(toTasklaneFile(m)), 'the Tasklane file');
    assert.deepEqual([...parseTrace(tasklane.join('')).tasks.values()], [...m.tasks.values()]);
  });
});

describe('Tasklane file format', () => {
  it('round-trips the model losslessly', () => {
    const m = sampleModel();
    const back = fromTasklaneFile(JSON.parse(JSON.stringify(toTasklaneFile(m))));
    assert.deepEqual([...back.tasks.values()], [...m.tasks.values()]);
    assert.deepEqual(back.loop, m.loop);
    assert.deepEqual(back.exit, m.exit);
    assert.deepEqual(back.info, m.info);
    assert.deepEqual(back.signals, [{ t: 100_048, signal: 'SIGTERM' }]);
  });

  it('explains what is wrong with a malformed file', () => {
    const cases: [string, RegExp][] = [
      ['{"format":"tasklane","version":1,"tasks":[{"id":"x"}],"endTime":1}', /task 0: runs must be/],
      ['{"format":"tasklane","version":9,"tasks":[],"endTime":1}', /version 9/],
      ['{"format":"tasklane","version":1,"tasks":[{"id":1,"parent":0,"kind":"wizard","name":"a","created":0,"runs":[],"waits":[]}],"endTime":1}', /kind is not one of/],
      ['{"traceEvents":[]}', /not written by Tasklane/],
      ['[1,2', /not valid JSON/],
      ['42', /not a Chrome trace/],
    ];
    for (const [json, message] of cases) {
      assert.throws(() => parseTrace(json), (err: Error) => err instanceof InvalidTraceError && message.test(err.message), json);
    }
  });
});
