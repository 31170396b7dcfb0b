// Property-based fuzzing of everything that reads a trace from outside: the runner's frame stream
// and saved trace files. Each property runs 10,000 generated cases; a case that breaks one is
// written to test-output/fuzz/ (move it into test/fixtures/fuzz/ to keep it as a regression).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { STREAM_MAGIC } from '../../src/trace/codec';
import { FrameDecoder } from '../../src/trace/frameDecoder';
import { exportChromeTrace } from '../../src/trace/chromeTrace';
import { END_STATES, TASK_KINDS, type TraceEvent } from '../../src/trace/events';
import { parseTrace } from '../../src/trace/load';
import { TraceModel } from '../../src/trace/model';
import { toTasklaneFile } from '../../src/trace/tasklaneFile';
import { InvalidTraceError } from '../../src/trace/validate';
import { panelState } from '../../src/panel/panelState';
import { TimelineFeed } from '../../src/panel/timelineUpdate';
import type { TimelineTask } from '../../src/shared/protocol';
import { packTimelineTasks, unpackTasks } from '../../src/shared/taskPacking';
import { TimelineStore } from '../../media/webview/timelineStore';
import { encodeStream, SAMPLE_EVENTS } from './sampleTrace';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/fuzz');
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

function modelOf(events: TraceEvent[]): TraceModel {
  const model = new TraceModel();
  for (const e of events) model.apply(e);
  model.finish();
  return model;
}

/** Everything the extension does with a trace it opened, which must not throw either. */
function use(model: TraceModel): void {
  panelState(model, 'fuzz', 'loaded', { hideInternal: true });
  new TimelineFeed(model).full(false);
  JSON.stringify(toTasklaneFile(model));
  JSON.stringify(exportChromeTrace(model));
}

/** Decodes bytes in the given chunks; the decoder must never throw, and its events must fold into a model. */
function decode(bytes: Uint8Array, cuts: number[] = []): void {
  const model = new TraceModel();
  const decoder = new FrameDecoder(model);
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    decoder.push(bytes.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  decoder.finish();
  model.finish();
  use(model);
}

/** Opens a trace file's text: a model, or an InvalidTraceError that says why; nothing else. */
function open(text: string): void {
  try {
    use(parseTrace(text));
  } catch (err) {
    if (!(err instanceof InvalidTraceError)) throw err;
    assert.ok(err.message.length > 0);
  }
}

/** Runs a property; a failing case is saved for the regression fixtures. */
function check<T>(name: string, arb: fc.Arbitrary<T>, property: (value: T) => void, save: (value: T) => { ext: string; data: string | Uint8Array }): void {
  const result = fc.check(fc.property(arb, property), { numRuns: RUNS });
  if (!result.failed) return;
  const { ext, data } = save(result.counterexample![0]);
  const file = path.join(ROOT, 'test-output/fuzz', `${name}-${Date.now()}.${ext}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  assert.fail(`${name} failed (saved as ${file}): ${fc.defaultReportMessage(result)}`);
}

/** Replaces the value at one path of a JSON value. */
function mutate(value: unknown, pick: number, replacement: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, at: (string | number)[]): void => {
    paths.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(value, []);
  const target = paths[pick % paths.length];
  if (target.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of target.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[target[target.length - 1]] = replacement;
  return copy;
}

const time = fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e12, noNaN: true }));
const timelineTask: fc.Arbitrary<TimelineTask> = fc.record({
  id: fc.nat(), parent: fc.nat(), kind: fc.constantFrom(...TASK_KINDS), name: fc.string(), site: fc.string(), internal: fc.boolean(), created: time,
  runs: fc.array(fc.tuple(time, time), { maxLength: 4 }).map((pairs) => pairs.flat()),
  waitSegments: fc.array(fc.tuple(time, time, fc.string(), fc.string(), fc.nat()), { maxLength: 4 }),
  end: fc.option(fc.record({ t: time, state: fc.constantFrom(...END_STATES), message: fc.string(), site: fc.string() }).map((e) => ({ ...e })), { nil: null }),
  from: fc.option(fc.tuple(fc.nat(9), fc.nat(9)), { nil: undefined }),
}).map(({ waitSegments, from, ...t }) => ({
  ...t,
  waits: waitSegments.flatMap(([start, end]) => [start, end]), waitLabels: waitSegments.map((w) => w[2]), waitSites: waitSegments.map((w) => w[3]), waitWakers: waitSegments.map((w) => w[4]),
  // Absent, or at least one non-zero: both zero means "whole lists", which unpacks as absent.
  ...(from && (from[0] || from[1]) ? { runsFrom: from[0], waitsFrom: from[1] } : {}),
}));

describe('fuzzing what reads traces (10,000 cases each)', function () {
  this.timeout(120_000);
  const valid = encodeStream(SAMPLE_EVENTS, 1); // a frame per event: damage lands in every kind of record
  const tasklaneFile = toTasklaneFile(modelOf(SAMPLE_EVENTS));
  const chromeFile = exportChromeTrace(modelOf(SAMPLE_EVENTS));

  it('the frame decoder survives random bytes after a valid header, in random chunks', () => {
    check('random-stream', fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 4 })), ([bytes, cuts]) => decode(Buffer.concat([STREAM_MAGIC, bytes]), cuts), ([bytes]) => ({ ext: 'bin', data: Buffer.concat([STREAM_MAGIC, bytes]) }));
  });

  it('the frame decoder survives a valid stream with bytes flipped, cut or inserted', () => {
    const damaged = fc.tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), fc.boolean()).map(([flips, cut, truncate]) => {
      const bytes = Buffer.from(valid);
      for (const [at, value] of flips) bytes[STREAM_MAGIC.length + (at % (bytes.length - STREAM_MAGIC.length))] = value;
      return truncate ? bytes.subarray(0, cut % bytes.length) : bytes;
    });
    check('damaged-stream', damaged, (bytes) => decode(bytes), (bytes) => ({ ext: 'bin', data: bytes }));
  });

  it('opening a file never throws anything but a clear InvalidTraceError: random JSON', () => {
    check('random-json', fc.jsonValue(), (value) => open(JSON.stringify(value)), (value) => ({ ext: 'json', data: JSON.stringify(value) }));
  });

  it('… nor a valid Tasklane or Chrome trace with one value replaced by anything', () => {
    const mutated = fc.tuple(fc.boolean(), fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([chrome, pick, replacement]) => JSON.stringify(mutate(chrome ? chromeFile : tasklaneFile, pick, replacement)));
    check('mutated-file', mutated, open, (text) => ({ ext: 'json', data: text }));
  });

  it('… nor a trace file cut short at any point', () => {
    const text = JSON.stringify(tasklaneFile);
    for (let cut = 0; cut < text.length; cut++) open(text.slice(0, cut));
  });

  it('timeline tasks packed for the webview unpack to exactly what was packed', () => {
    check('packing-round-trip', fc.array(timelineTask, { maxLength: 5 }), (tasks) => assert.deepEqual(unpackTasks(packTimelineTasks(tasks)), tasks), (tasks) => ({ ext: 'packed.json', data: JSON.stringify(tasks) }));
  });

  it('a damaged packed update is refused whole: the webview store stays as it was', () => {
    const damaged = fc.tuple(fc.array(timelineTask, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.double()), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean()).map(([tasks, flips, cut, truncate]) => {
      const packed = packTimelineTasks(tasks);
      const numbers = truncate ? packed.numbers.slice(0, cut % packed.numbers.length) : packed.numbers.slice();
      for (const [at, value] of flips) if (numbers.length) numbers[at % numbers.length] = value;
      return { numbers, strings: packed.strings };
    });
    const base = packTimelineTasks([{ id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false, created: 0, runs: [0, 5], waits: [], waitLabels: [], waitSites: [], waitWakers: [], end: null }]);
    check('damaged-packing', damaged, (tasks) => {
      const store = new TimelineStore();
      store.apply({ reset: true, tasks: base, loop: Float64Array.of(0, 5, 1), loopFrom: 0, endTime: 5, longBlockUs: 50_000, live: false });
      const before = JSON.stringify([...store.tasks.values()]);
      try {
        store.apply({ reset: true, tasks, loop: new Float64Array(0), loopFrom: 0, endTime: 9, longBlockUs: 50_000, live: true });
      } catch (err) {
        assert.ok(err instanceof Error && err.message.startsWith('packed tasks:'), String(err));
        assert.equal(JSON.stringify([...store.tasks.values()]), before);
        assert.equal(store.endTime, 5);
      }
    }, (tasks) => ({ ext: 'packed.json', data: JSON.stringify({ numbers: [...tasks.numbers], strings: tasks.strings }) }));
  });

  it('replays every input kept in test/fixtures/fuzz/', () => {
    for (const name of fs.readdirSync(FIXTURES)) {
      const data = fs.readFileSync(path.join(FIXTURES, name));
      if (name.endsWith('.bin')) decode(data);
      else if (name.endsWith('.json')) open(data.toString('utf8'));
    }
  });
});
