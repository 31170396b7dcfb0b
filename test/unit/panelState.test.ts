import * as assert from 'node:assert/strict';
import { describeRun, panelState } from '../../src/panel/panelState';
import { TraceModel } from '../../src/trace/model';
import { formatSummary } from '../../src/trace/summary';
import type { TraceEvent } from '../../src/trace/events';

function model(events: TraceEvent[]): TraceModel {
  const m = new TraceModel();
  events.forEach((e) => m.apply(e));
  return m;
}

const PAST_THE_CAP: TraceEvent[] = [
  { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
  { type: 'run', t: 0, id: 1 },
  { type: 'run', t: 10, id: 0 },
  { type: 'dropped', t: 595_000, count: 65_536 },
  { type: 'dropped', t: 700_000, count: 1_234 },
];

describe('the panel\'s status line', () => {
  it('says while the program runs that recording stopped at the event cap, when, and which setting sets it', () => {
    assert.equal(describeRun(model(PAST_THE_CAP), 'running', undefined, 2_000_000),
      'Running for 2.00 s. Recording stopped at 595.0 ms (the event cap, tasklane.maxEvents); 66,770 events after it were dropped.');
  });

  it('says it once the program has ended, after how it ended', () => {
    const m = model([...PAST_THE_CAP, { type: 'exit', t: 900_000, reason: 'exit', code: 0, signal: '', message: '', site: '' }]);
    assert.equal(describeRun(m, 'finished'),
      'The program exited with code 0 after 900.0 ms. Recording stopped at 595.0 ms (the event cap, tasklane.maxEvents); 66,770 events after it were dropped.');
  });

  it('names no setting for a trace file, whose cap may have been the command line\'s', () => {
    assert.match(describeRun(model(PAST_THE_CAP), 'loaded'), /Recording stopped at 595\.0 ms \(the event cap\); 66,770 events/);
  });

  it('says nothing of a cap the run never reached', () => {
    assert.equal(describeRun(model(PAST_THE_CAP.slice(0, 3)), 'running', undefined, 2_000_000), 'Running for 2.00 s.');
  });
});

describe('the panel\'s status line for a Python run with no asyncio event loop', () => {
  const start = (runtime: 'node' | 'python'): TraceEvent => ({ type: 'start', runtime, runtimeVersion: '3.12.1', pid: 7, script: '/app/jobs.py', cwd: '/app', startedAt: 0 });
  const script: TraceEvent = { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'jobs.py', site: '', internal: false };
  const exited: TraceEvent = { type: 'exit', t: 900_000, reason: 'exit', code: 0, signal: '', message: '', site: '' };
  const stopped: TraceEvent = { type: 'exit', t: 900_000, reason: 'signal', code: null, signal: 'SIGTERM', message: '', site: '' };
  const crashed: TraceEvent = { type: 'exit', t: 900_000, reason: 'exception', code: 1, signal: '', message: 'ImportError: no trio', site: '' };
  const NOTE = /No asyncio event loop ran, so there are no tasks to show/;

  it('says why there are no tasks once it has ended or been stopped (trio\'s loop, or no async code)', () => {
    assert.match(describeRun(model([start('python'), script, exited]), 'finished'), NOTE);
    assert.match(describeRun(model([start('python'), script, stopped]), 'stopped'), NOTE);
  });

  it('says nothing of it while it runs, after a crash (its own news), with any task or wait in a loop, or for Node', () => {
    assert.doesNotMatch(describeRun(model([start('python'), script]), 'running', undefined, 1000), NOTE);
    assert.doesNotMatch(describeRun(model([start('python'), script, crashed]), 'finished'), NOTE);
    const task: TraceEvent = { type: 'task', t: 1, id: 2, parent: 1, kind: 'async', name: 'main', site: '', internal: false };
    assert.doesNotMatch(describeRun(model([start('python'), script, task, exited]), 'finished'), NOTE);
    assert.doesNotMatch(describeRun(model([start('node'), script, exited]), 'finished'), NOTE);
    // A loop that ran callbacks only (`loop.run_forever()`): the script waited in it.
    const waited: TraceEvent = { type: 'await', t: 5, id: 1, target: 0, label: 'loop.run_forever', site: '/app/jobs.py:9:1' };
    assert.doesNotMatch(describeRun(model([start('python'), script, waited, exited]), 'finished'), NOTE);
  });
});

describe('the panel\'s status line for a run under a Node.js older than 20', () => {
  const start = (runtimeVersion: string): TraceEvent => ({ type: 'start', runtime: 'node', runtimeVersion, pid: 7, script: '/app/main.js', cwd: '/app', startedAt: 0 });
  const script: TraceEvent = { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false };
  const exited: TraceEvent = { type: 'exit', t: 900_000, reason: 'exit', code: 0, signal: '', message: '', site: '' };
  const NOTE = /This ran under Node\.js v18\.20\.8, older than Tasklane traces right \(20 or newer\)/;

  it('says so while it runs and once it has ended, in the summary too', () => {
    assert.match(describeRun(model([start('v18.20.8'), script]), 'running', undefined, 1000), NOTE);
    assert.match(describeRun(model([start('v18.20.8'), script, exited]), 'finished'), NOTE);
    assert.match(formatSummary(model([start('v18.20.8'), script, exited])), NOTE);
  });

  it('says nothing of Node 20 and newer, nor of Python', () => {
    for (const version of ['v20.20.2', 'v22.23.5', 'v26.12.1']) assert.doesNotMatch(describeRun(model([start(version), script, exited]), 'finished'), /older than Tasklane/);
    const python: TraceEvent = { type: 'start', runtime: 'python', runtimeVersion: '3.9.18', pid: 7, script: '/app/jobs.py', cwd: '/app', startedAt: 0 };
    assert.doesNotMatch(describeRun(model([python, script, exited]), 'finished'), /older than Tasklane/);
  });
});

describe('the panel\'s table of tasks', () => {
  it('says how each task ended once, as the summary does: a message naming the state is not put after it again', () => {
    const m = model([
      { type: 'task', t: 0, id: 1, parent: 0, kind: 'script', name: 'jobs.py', site: '', internal: false },
      { type: 'task', t: 1, id: 2, parent: 1, kind: 'async', name: 'slow', site: '', internal: false },
      { type: 'task', t: 1, id: 3, parent: 1, kind: 'async', name: 'fetch', site: '', internal: false },
      { type: 'end', t: 5, id: 2, state: 'cancelled', message: 'cancelled by main', site: '' },
      { type: 'end', t: 5, id: 3, state: 'rejected', message: 'ValueError: bad input', site: '' },
    ]);
    const rows = panelState(m, 'jobs.py', 'finished', { hideInternal: false }).tasks;
    assert.deepEqual(rows.map((r) => r.state), ['pending', 'cancelled by main', 'rejected: ValueError: bad input']);
  });
});
