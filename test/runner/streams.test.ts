import * as assert from 'node:assert/strict';
import { downleveled, lineOf, only, stretchesOfNeither, tasksNamed, traceFixture } from './helpers';
import type { Task } from '../../src/trace/task';

describe('Node runner: streams, generators and for await', () => {
  it('an async generator a stream pipeline pulls is the pipeline\'s work: its caller waits for the whole pipeline', () => {
    const { model, stdout } = traceFixture('pipeline-generator.js');
    assert.equal(stdout, 'ABC\n');
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    assert.deepEqual(script.waits.map((w) => model.waitLabel(w)), [], 'the script\'s run ended long before');
    const main = only(model, 'main');
    const pipeline = only(model, 'stream.pipeline');
    assert.equal(pipeline.parent, main.id);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['stream.pipeline'], 'one wait, not cut by the generator\'s own');
    assert.ok(main.waits[0].end >= pipeline.end!.t, `main waited until ${main.waits[0].end}, the pipeline ended at ${pipeline.end!.t}`);
    const timers = tasksNamed(model, 'setTimeout 2 ms');
    assert.deepEqual(timers.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'the generator sleeps in the pipeline, whichever chunk');
    assert.ok(timers.every((t) => !t.internal), 'timers of the user\'s code, not Node\'s');
    assert.ok(pipeline.runs.length >= 6, 'the pipeline runs the generator after each of its timers');
  });

  it('an async generator a stream pipeline pulls through another of the program\'s is the pipeline\'s work too', () => {
    const { model, stdout } = traceFixture('pipeline-generators.js');
    assert.equal(stdout, 'ABC\n');
    const main = only(model, 'main');
    const pipeline = only(model, 'stream.pipeline');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['stream.pipeline'], 'one wait, not the first generator\'s timer');
    const timers = tasksNamed(model, 'setTimeout 2 ms');
    assert.deepEqual(timers.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'the source generator sleeps in the pipeline, whichever chunk');
  });

  it('code of the script\'s a Node API calls back is the call\'s work: what it makes are the call\'s children', () => {
    const { model, stdout } = traceFixture('called-back.js');
    assert.equal(stdout, '42 true\n');
    const main = only(model, 'main');
    const promisified = only(model, 'legacyDouble');
    const pipeline = only(model, 'stream.pipeline');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['legacyDouble', 'stream.pipeline']);
    assert.equal(only(model, 'setTimeout 5 ms').parent, promisified.id, 'the timer the wrapped function sets');
    const reads = tasksNamed(model, 'fs.readFile');
    assert.deepEqual(reads.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'the reads the generator makes, one a chunk');
    assert.ok(reads.every((t) => !t.internal));
    // The Transform's calls: each made from the callback of the one before, a series under the pipeline.
    const transforms = tasksNamed(model, 'transform');
    assert.deepEqual(transforms.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'siblings, not a staircase');
    assert.deepEqual(tasksNamed(model, 'setImmediate').map((t) => t.parent), transforms.map((t) => t.id));
  });

  it('a Transform\'s timers, one a chunk, each set from the callback of the one before, are the pipeline\'s: siblings, not each other\'s children', () => {
    const { model, stdout } = traceFixture('transform-timers.js');
    assert.equal(stdout, 'ABCD\n');
    const pipeline = only(model, 'stream.pipeline');
    const timers = tasksNamed(model, 'setTimeout 5 ms');
    assert.equal(timers.length, 4);
    assert.deepEqual(timers.map((t) => t.parent), timers.map(() => pipeline.id));
    assert.ok(timers.every((t) => /transform-timers\.js:13:\d+$/.test(t.site)), timers.map((t) => t.site).join());
  });

  it('a Readable\'s async read(), called for each chunk from a tick the call before queued, is a series under what reads the stream, not a staircase', () => {
    const { model, stdout } = traceFixture('readable-reads.js');
    assert.equal(stdout, '0,1,2 3\n');
    const main = only(model, 'main');
    const pipeline = only(model, 'stream.pipeline');
    const reads = tasksNamed(model, 'read');
    assert.equal(reads.length, 8, 'three chunks and the end, for each of two streams');
    assert.deepEqual(reads.map((t) => t.parent), [...Array(4).fill(pipeline.id), ...Array(4).fill(main.id)]);
  });

  it('for await over an async generator waits on what the generator awaits, where it awaits it', () => {
    const { model, stdout } = traceFixture('async-gen.js');
    assert.equal(stdout, '0\n1\n');
    const main = only(model, 'main');
    const timers = tasksNamed(model, 'setTimeout 10 ms');
    assert.deepEqual(timers.map((t) => t.parent), [main.id, main.id], 'the generator sleeps in main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setTimeout 10 ms', 'setTimeout 10 ms']);
    assert.ok(main.waits.every((w) => /async-gen\.js:6:\d+$/.test(w.site)), main.waits.map((w) => w.site).join());
    // main runs (its `for await` steps, the generator's body) only between those waits.
    for (let i = 0; i < main.runs.length; i += 2) {
      const [start, end] = [main.runs[i], main.runs[i + 1]];
      assert.ok(main.waits.every((w) => w.end <= start || w.start >= end), `run ${start}–${end} overlaps a wait`);
    }
  });

  it('a for await step over a stream that no task\'s callback feeds (an in-memory stream\'s item, a request body\'s end) waits for iterator.next, not for a promise', () => {
    const { model, stdout } = traceFixture('stream-iterator-labels.js');
    assert.equal(stdout, 'abc HELLO\n');
    const [inMemory, body] = tasksNamed(model, 'readAll');
    const labels = (task: Task): string[] => task.waits.map((w) => model.waitLabel(w));
    // Node 26 hands the first items over at once (a settled step); before, each is a step of its own.
    assert.ok(labels(inMemory).every((l) => l === 'iterator.next' || l === 'settled promise'), labels(inMemory).join());
    assert.equal(labels(inMemory).at(-1), 'iterator.next');
    assert.deepEqual(labels(body), ['HTTP request', 'iterator.next'], 'the body, then its end');
  });

  it('for await over an array of promises waits for the element it takes, woken by its call (or by the timer that resolved it), not for a promise', () => {
    const { model, stdout } = traceFixture('for-await-array.js');
    assert.equal(stdout, '40 10 20 late 5\n');
    const main = only(model, 'main');
    const first = model.tasks.get(only(model, 'setTimeout 40 ms').parent)!;
    const lateTimer = tasksNamed(model, 'setTimeout 10 ms').find((t) => t.parent === main.id)!;
    assert.deepEqual(main.waits.map((w) => [model.waitLabel(w), w.by]), [['job', first.id], ['setTimeout 10 ms', lateTimer.id]]);
  });

  it('an ES module\'s top-level for await over an async generator waits on what the generator awaits, where it awaits it, as an async function\'s does', () => {
    const { model, stdout } = traceFixture('async-gen-top-level.mjs');
    assert.equal(stdout, '0,1,2,3,0,1,2,3\n');
    const script = only(model, 'async-gen-top-level.mjs');
    const [pages, pauses] = [tasksNamed(model, 'getPage'), tasksNamed(model, 'setTimeout 1 ms')];
    assert.deepEqual([...pages, ...pauses].map((t) => t.parent), Array(8).fill(script.id), 'the generator calls and sleeps in the script');
    const at = (text: string): string => `async-gen-top-level.mjs:${lineOf('async-gen-top-level.mjs', text)}`;
    assert.deepEqual(script.waits.map((w) => [model.waitLabel(w), w.target, w.site.replace(/^.*\//, '').replace(/:\d+$/, '')]), [
      ['getPage', pages[0].id, at('await getPage(page)')],
      ['setTimeout 1 ms', pauses[0].id, at('await sleep(1)')],
      ['getPage', pages[1].id, at('await getPage(page)')],
      ['setTimeout 1 ms', pauses[1].id, at('await sleep(1)')],
    ], 'and none while Readable.from pulls the generator after the body');
    // The script runs (its `for await` steps, the generator's body) only between those waits.
    for (let i = 0; i < script.runs.length; i += 2) {
      const [start, end] = [script.runs[i], script.runs[i + 1]];
      assert.ok(script.waits.every((w) => w.end <= start || w.start >= end), `run ${start}–${end} overlaps a wait`);
    }
  });

  it('for await over an async generator awaiting a builtin\'s promise (timers/promises) waits once a step, where the generator awaits', () => {
    const { model, stdout } = traceFixture('async-gen-builtin.js');
    assert.equal(stdout, '0\n1\n');
    const main = only(model, 'main');
    const timers = tasksNamed(model, 'setTimeout 10 ms');
    assert.deepEqual(main.waits.map((w) => [w.target, w.site.replace(/^.*\//, '').replace(/:\d+$/, '')]), timers.map((t) => [t.id, 'async-gen-builtin.js:7']));
  });

  it('for await over an async generator right after a call of a helper awaited later (events.once, fs.promises.readFile) waits on what the generator awaits, not for the helper', () => {
    const { model, stdout } = traceFixture('async-gen-after-call.js');
    assert.equal(stdout, '1\n2\n1\n2\n');
    const main = only(model, 'main');
    const loads = tasksNamed(model, 'load');
    assert.deepEqual(loads.map((t) => t.parent), Array(4).fill(main.id));
    assert.deepEqual(main.waits.map((w) => w.target), [...loads.map((t) => t.id), only(model, 'Promise.all ×2').id]);
  });

  it('a `yield value` in an async generator waits for the value, as `await value` does, not for a promise', () => {
    const { model, stdout } = traceFixture('async-gen-values.js');
    assert.equal(stdout, '4950\n');
    const waits = only(model, 'sum').waits;
    assert.ok(waits.length > 0, 'the first yield waits while main runs');
    assert.deepEqual(waits.map((w) => [model.waitLabel(w), w.site.replace(/^.*\//, '')]), waits.map(() => ['value', 'async-gen-values.js:4:35']));
  });

  it('web streams: each reader.read() and a pipeTo are a task main waits for; getReader, pipeThrough and a controller\'s enqueue none', () => {
    const { model, stdout } = traceFixture('stream-reader.js');
    assert.equal(stdout, '3 AB\n');
    const main = only(model, 'main');
    const made = [...model.tasks.values()].filter((t) => t.parent === main.id);
    const reads = made.filter((t) => t.name === 'ReadableStreamDefaultReader.read');
    assert.equal(reads.length, 4, 'three chunks, then the end');
    assert.deepEqual(made.filter((t) => !reads.includes(t)).map((t) => t.name), ['ReadableStream.pipeTo'], 'one pipeTo, and no task for pipeThrough or getReader');
    assert.deepEqual(main.waits.map((w) => w.target), made.map((t) => t.id));
    assert.deepEqual([...model.tasks.values()].filter((t) => /enqueue|close|pipeThrough|getReader/.test(t.name)).map((t) => t.name), []);
  });

  it('each step of for await over a web ReadableStream waits for what fed it, with no task for the iterator or its steps', () => {
    const { model, stdout } = traceFixture('web-stream-iterate.js');
    assert.equal(stdout, '5 21\n');
    const names = [...model.tasks.values()].map((t) => t.name);
    assert.deepEqual(names.filter((n) => /values|next|return|webstreams|fromWeb/.test(n)), [], names.join(', '));
    const counter = only(model, 'countParts');
    const throughNode = only(model, 'countThroughNode');
    for (const task of [counter, throughNode]) {
      assert.deepEqual(model.childrenOf(task.id).map((t) => t.name), [], task.name);
      assert.deepEqual(stretchesOfNeither(task), [], `${task.name} waits from step to step, never neither running nor waiting`);
    }
    // Its break waits while Node's stream iterator destroys the stream, cancelling the web stream.
    assert.equal(model.waitLabel(throughNode.waits[throughNode.waits.length - 1]), 'iterator.return');
    const fedByPulls = counter.waits.filter((w) => model.tasks.get(w.by)?.name === 'pull');
    assert.ok(fedByPulls.length >= 2, counter.waits.map((w) => model.waitLabel(w)).join(', '));
    const download = only(model, 'download');
    assert.deepEqual(model.childrenOf(download.id).map((t) => t.name.replace(/:\d+/, ':PORT')), ['fetch GET 127.0.0.1:PORT/']);
    assert.deepEqual(stretchesOfNeither(download), []);
    const reads = download.waits.map((w) => model.waitLabel(w)).filter((l) => /^read TCP socket 127\.0\.0\.1:\d+$/.test(l));
    assert.ok(reads.length >= 2, `three parts 30 ms apart: ${download.waits.map((w) => model.waitLabel(w)).join(', ')}`);
  });

  it('an ES module waiting at a top-level await waits on while a web stream calls its pull in jobs of Node\'s own', () => {
    const { model, stdout } = traceFixture('web-stream-top-level.mjs');
    assert.equal(stdout, '0,1,2\n');
    const script = only(model, 'web-stream-top-level.mjs');
    const collect = only(model, 'collect');
    // One wait, from the await to collect's end: the pulls Node calls meanwhile are no runs of the script's.
    assert.deepEqual(script.waits.map((w) => model.waitLabel(w)), ['collect']);
    assert.ok(script.waits[0].end >= collect.end!.t, `waited until ${script.waits[0].end} µs, collect ended at ${collect.end!.t} µs`);
    const pulls = tasksNamed(model, 'pull');
    assert.equal(pulls.length, 4, 'three values, then the close');
    assert.ok(pulls.every((pull) => pull.parent === script.id && pull.waits.length === 1));
  });

  it('each step of for await over a file stream waits for the file read that fed it', () => {
    const { model, stdout } = traceFixture('for-await-stream.js');
    assert.equal(stdout, 'true\n');
    const main = only(model, 'main');
    const labels = main.waits.map((w) => model.waitLabel(w));
    assert.ok(labels.length >= 3, `the file takes several reads: ${labels.join(', ')}`);
    assert.deepEqual([...new Set(labels)].filter((l) => !/^fs\.(open|read|close)$/.test(l)), [], labels.join(', '));
    // Node's iterator yields a chunk in the microtasks after the read's callback: the read woke main
    // as that callback ended (where a Chrome trace's flow from it starts), not after.
    // Node's iterator steps on in jobs of its own, awaiting the file's close at the end: main waits
    // on through them, each wait lasting until main's own code resumes.
    assert.deepEqual(stretchesOfNeither(main), []);
    const byReads = main.waits.filter((w) => model.tasks.get(w.by)?.name === 'fs.read');
    assert.ok(byReads.length >= 2, labels.join(', '));
    for (const wait of byReads) {
      const runs = model.tasks.get(wait.by)!.runs;
      const inRun = runs.some((start, i) => i % 2 === 0 && start <= wait.wokenAt && wait.wokenAt <= runs[i + 1]);
      assert.ok(inRun, `woken at ${wait.wokenAt} µs by #${wait.by}, which ran ${runs.join(', ')}`);
    }
    // The reads Node's iterator asks for in its own jobs, and the close after the end, come from
    // the loop's line (where the stream was made, or the for await that asked), not from nowhere.
    const files = [...model.tasks.values()].filter((t) => /^fs\./.test(t.name));
    assert.ok(files.length >= 4, files.map((t) => t.name).join());
    for (const file of files) assert.match(file.site, /for-await-stream\.js:6:\d+$/, `#${file.id} ${file.name}`);
  });

  it('each step of for await over a socket waits for its read, the end of the stream too', () => {
    const { model, stdout } = traceFixture('for-await-socket.js');
    assert.equal(stdout, 'ab\n');
    const reader = only(model, 'net.createServer callback');
    const labels = reader.waits.map((w) => model.waitLabel(w));
    assert.ok(labels.length >= 3, `two messages, then the end: ${labels.join(', ')}`);
    assert.ok(labels.every((l) => /^read TCP socket 127\.0\.0\.1:\d+$/.test(l)), labels.join(', '));
  });

  it('an async call right after a for await over readline, made where each step was, is a task of its own, not one more step', () => {
    const { model, stdout } = traceFixture('lines-then-call.js');
    assert.equal(stdout, '120\n');
    const main = only(model, 'main');
    const save = only(model, 'save');
    assert.equal(save.parent, main.id);
    assert.equal(only(model, 'setTimeout 5 ms').parent, save.id, 'the timer save sets is its own');
    assert.equal(model.waitLabel(main.waits[main.waits.length - 1]), 'save', 'main waits for save');
  });

  it('an async call right after a long for await over a directory is a task of its own, waiting for the timer it sets, which the loop\'s function awaits (compiled into a generator too)', () => {
    for (const fixture of ['dir-then-call.js', downleveled('dir-then-call.js', 'tsc')]) {
      const { model, stdout } = traceFixture(fixture);
      assert.equal(stdout, '100\n', fixture);
      const main = only(model, 'main');
      const save = only(model, 'save');
      assert.equal(save.parent, main.id, fixture);
      const sleep = only(model, 'setTimeout 5 ms');
      assert.equal(sleep.parent, save.id, `${fixture}: the timer its sleep sets, which showed it was no step`);
      assert.deepEqual(save.waits.map((w) => w.target), [sleep.id], `${fixture}: save waits for its sleep's timer, from the wait's start`);
      assert.equal(main.waits.at(-1)?.target, save.id, `${fixture}: its call's own promise, not one made inside it`);
    }
  });

  it('a Node helper called right after a for await over a child\'s stdout, where each step was made, is a task of its own', () => {
    const { model, stdout } = traceFixture('child-output-then-close.js');
    assert.equal(stdout, '300000 0\n');
    const run = only(model, 'run');
    const close = only(model, 'events.once');
    assert.equal(close.parent, run.id);
    assert.equal(run.waits[run.waits.length - 1].target, close.id, 'run waits for the close');
  });

  it('a for await over events.on() waits for events.on at each step, and its steps are no tasks', () => {
    const { model, stdout } = traceFixture('events-on.js');
    assert.equal(stdout, '3\n');
    const main = only(model, 'main');
    assert.deepEqual(model.childrenOf(main.id).map((t) => t.name), ['setTimeout 10 ms']);
    assert.ok(main.waits.length >= 1);
    assert.deepEqual([...new Set(main.waits.map((w) => model.waitLabel(w)))], ['events.on']);
  });

  it('reading a file by lines with for await over readline shows no task per line, and each wait is for readline', () => {
    const { model, stdout } = traceFixture('lines-of-file.js');
    assert.equal(stdout, '500\n');
    const counter = only(model, 'countLines');
    const shown = [...model.tasks.values()].filter((t) => !t.internal);
    assert.ok(shown.length < 20, `${shown.length} tasks shown: ${shown.slice(0, 30).map((t) => t.name).join(', ')}`);
    assert.ok(counter.waits.length > 0);
    assert.deepEqual([...new Set(counter.waits.map((w) => model.waitLabel(w)))], ['readline'], 'each wait is for the next line');
  });

  it('a file stream\'s requests are all made by the task it works for, not each by the request before it; a gzip stream ends when it closes', () => {
    const { model, stdout } = traceFixture('file-streams.js');
    assert.equal(stdout, '300000\n');
    const main = only(model, 'main');
    const requests = [...model.tasks.values()].filter((t) => t.name.startsWith('fs.'));
    const reads = requests.filter((t) => t.name === 'fs.read');
    assert.ok(reads.length >= 5, `300,000 bytes in 64 KiB chunks: ${reads.length} reads`);
    assert.ok(requests.some((t) => t.name === 'fs.writev' || t.name === 'fs.write'));
    const gzip = only(model, 'zlib.gzip');
    for (const request of requests.filter((r) => r.parent !== gzip.id)) assert.equal(request.parent, main.id, `${request.name} #${request.id} is main's, not #${request.parent}'s`);
    assert.equal(model.endState(gzip), 'resolved', 'the gzip stream closed');
  });
});
