import * as assert from 'node:assert/strict';
import { STREAM_MAGIC } from '../../src/trace/codec';
import { FrameDecoder } from '../../src/trace/frameDecoder';
import { FrameEncoder, framed } from '../../src/trace/frameEncoder';
import type { TraceEvent } from '../../src/trace/events';
import { encodeStream, EventList, SAMPLE_EVENTS } from './sampleTrace';

/** A decoder and the list its events go to. */
function decoder(): { dec: FrameDecoder; out: TraceEvent[] } {
  const list = new EventList();
  return { dec: new FrameDecoder(list), out: list.events };
}

describe('frame codec', () => {
  it('round-trips every event type', () => {
    const { dec, out } = decoder();
    dec.push(encodeStream(SAMPLE_EVENTS, 3));
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, SAMPLE_EVENTS);
  });

  it('a task, an end or an await written after later records keeps its own time', () => {
    const enc = new FrameEncoder(256);
    enc.task(1_000_000, 2, 1, 'async', 'load', '', false);
    enc.run(5_000_000, 2);
    enc.end(3_000_000, 2, 'rejected', 'Error: late', 'a.js:1:1');
    enc.run(6_000_000, 0);
    enc.end(5_990_000, 1, 'resolved', '', ''); // 10 µs before: written at the latest time
    enc.await(4_000_000, 3, 2, '', 'a.js:2:1');
    enc.await(5_995_000, 4, 0, 'value', '');
    enc.task(2_000_000, 5, 1, 'coroutine', 'crunch', 'a.js:3:1', false);
    const { dec, out } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, enc.takeFrame()!]));
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out.map((e) => [e.type, 't' in e ? e.t : -1]), [['task', 1000], ['run', 5000], ['end', 3000], ['run', 6000], ['end', 6000], ['await', 4000], ['await', 6000], ['task', 2000]]);
    assert.deepEqual(out.at(-1), { type: 'task', t: 2000, id: 5, parent: 1, kind: 'coroutine', name: 'crunch', site: 'a.js:3:1', internal: false });
  });

  it('decodes a worker thread\'s frames between the main thread\'s, each against its own strings and clock', () => {
    const main = new FrameEncoder(256);
    const worker = new FrameEncoder(256, undefined, 3);
    main.task(1_000_000, 1, 0, 'script', 'main.js', '', false);
    const first = main.takeFrame()!;
    worker.task(2_000_000, 7, 2, 'script', 'work.js', '', false); // its string 1 is another than main's
    worker.run(2_500_000, 7);
    const workerFirst = worker.takeFrame()!;
    main.task(1_500_000, 2, 1, 'io', 'Worker', 'main.js:2:3', false);
    main.run(3_000_000, 1);
    const second = main.takeFrame()!;
    worker.run(4_000_000, 0);
    const workerSecond = worker.takeFrame()!;
    const { dec, out } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, first, workerFirst, second, workerSecond]));
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, [
      { type: 'task', t: 1000, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
      { type: 'thread', id: 3 },
      { type: 'task', t: 2000, id: 7, parent: 2, kind: 'script', name: 'work.js', site: '', internal: false },
      { type: 'run', t: 2500, id: 7 },
      { type: 'thread', id: 0 },
      { type: 'task', t: 1500, id: 2, parent: 1, kind: 'io', name: 'Worker', site: 'main.js:2:3', internal: false },
      { type: 'run', t: 3000, id: 1 },
      { type: 'thread', id: 3 },
      { type: 'run', t: 4000, id: 0 },
    ]);
  });

  it('decodes loop records as the thread whose loop the records after them are on, to the end of their frame', () => {
    const enc = new FrameEncoder(256);
    enc.run(1_000, 1);
    const main = enc.takeFrame()!.subarray(4);
    enc.run(2_000, 2);
    const onLoop = (loop: number, records: Uint8Array): Uint8Array => Buffer.concat([Uint8Array.of(19, loop), records]); // Op.Loop
    const second = enc.takeFrame()!.subarray(4);
    const { dec, out } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, framed(Buffer.concat([main, onLoop(1, second)]), 0), framed(Uint8Array.of(4, 0xa0, 0x1f, 3), 0)])); // run #3, 4 µs on
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, [
      { type: 'run', t: 1, id: 1 },
      { type: 'thread', id: 1 },
      { type: 'run', t: 2, id: 2 },
      { type: 'thread', id: 0 },
      { type: 'run', t: 6, id: 3 },
    ], 'the next frame starts on the main thread\'s loop again');
  });

  it('reports a thread record that is not the first of its frame', () => {
    const enc = new FrameEncoder(256);
    enc.run(1_000, 1);
    const records = enc.takeFrame()!.subarray(4);
    const { dec } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, framed(Buffer.concat([records, framed(records, 2).subarray(4)]), 0)]));
    assert.match(dec.error ?? '', /a thread record in the middle of a frame/);
  });

  it('decodes a stream delivered one byte at a time', () => {
    const bytes = encodeStream(SAMPLE_EVENTS, 3);
    const { dec, out } = decoder();
    for (const b of bytes) dec.push(Uint8Array.of(b));
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, SAMPLE_EVENTS);
  });

  it('reports a truncated stream and keeps the complete frames before it', () => {
    const bytes = encodeStream(SAMPLE_EVENTS, 3);
    const { dec, out } = decoder();
    dec.push(bytes.subarray(0, bytes.length - 3));
    dec.finish();
    assert.match(dec.error ?? '', /ended in the middle of a frame/);
    assert.ok(out.length >= 9 && out.length < SAMPLE_EVENTS.length);
    assert.deepEqual(out, SAMPLE_EVENTS.slice(0, out.length));
  });

  it('reports corrupt records without throwing', () => {
    const bytes = Buffer.from(encodeStream(SAMPLE_EVENTS, 3));
    bytes[STREAM_MAGIC.length + 4] = 0xee; // first record's opcode
    const { dec, out } = decoder();
    assert.doesNotThrow(() => dec.push(bytes));
    assert.match(dec.error ?? '', /unknown record type 238/);
    assert.equal(dec.push(Uint8Array.of(1, 2, 3)), 0, 'decoding stops after an error');
    assert.deepEqual(out, []);
  });

  it('rejects a stream that is not a trace', () => {
    const { dec } = decoder();
    dec.push(Buffer.from('hello world, this is stdout'));
    assert.match(dec.error ?? '', /does not start with a Tasklane header/);
  });

  it('rejects a frame that claims to be enormous', () => {
    const { dec } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, Uint8Array.of(0xff, 0xff, 0xff, 0x7f)]));
    assert.match(dec.error ?? '', /claims/);
  });

  it('decodes a step record as the run and the await it ends with', () => {
    const text = (s: string) => [s.length, ...Buffer.from(s)];
    // strings 1 and 2; then Step: start 5,000 ns (varint 0x88 0x27), ran 2,000 ns (0xd0 0x0f), task 7, no target
    const frame = Uint8Array.of(0, 1, ...text('sleep 0 s'), 0, 2, ...text('a.py:3:1'), 11, 0x88, 0x27, 0xd0, 0x0f, 7, 0, 1, 2);
    const { dec, out } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, Uint8Array.of(frame.length, 0, 0, 0), frame]));
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, [
      { type: 'run', t: 5, id: 7 },
      { type: 'await', t: 7, id: 7, target: 0, label: 'sleep 0 s', site: 'a.py:3:1' },
    ]);
  });

  it('decodes a last-step record as the run and the resolved end it ends with', () => {
    // StepEnd: start 5,000 ns (varint 0x88 0x27), ran 2,000 ns (0xd0 0x0f), task 7
    const frame = Uint8Array.of(12, 0x88, 0x27, 0xd0, 0x0f, 7);
    const { dec, out } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, Uint8Array.of(frame.length, 0, 0, 0), frame]));
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, [
      { type: 'run', t: 5, id: 7 },
      { type: 'end', t: 7, id: 7, state: 'resolved', message: '', site: '' },
    ]);
  });

  it('reports a string used before it was defined', () => {
    // frame: one Run record is fine, then a Task record that names string 9
    const frame = Uint8Array.of(2, 0, 1, 0, 1, 9, 0, 0);
    const { dec } = decoder();
    dec.push(Buffer.concat([STREAM_MAGIC, Uint8Array.of(frame.length, 0, 0, 0), frame]));
    assert.match(dec.error ?? '', /string 9 used before it was defined/);
  });
});
