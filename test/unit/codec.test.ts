import * as assert from 'node:assert/strict';
import { FrameDecoder, FrameEncoder, STREAM_MAGIC } from '../../src/trace/codec';
import type { TraceEvent } from '../../src/trace/events';

const SAMPLE: TraceEvent[] = [
  { type: 'start', runtime: 'node', runtimeVersion: 'v20.0.0', pid: 4242, script: '/tmp/a b/ünï.js', cwd: '/tmp', startedAt: 1_764_000_000_123 },
  { type: 'task', t: 1.5, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
  { type: 'task', t: 2, id: 2, parent: 1, kind: 'async', name: 'sayAfter', site: '/tmp/main.js:3:7', internal: false },
  { type: 'run', t: 2.25, id: 2 },
  { type: 'await', t: 3, id: 2, target: 0, label: 'sleep 0.1 s', site: '/tmp/main.js:4:3' },
  { type: 'rename', t: 3.5, id: 2, name: 'sayAfter ✓' },
  { type: 'awaitBy', t: 4, id: 2, by: 1, label: 'read TCP socket 127.0.0.1:80' },
  { type: 'join', t: 4.5, id: 1, member: 2 },
  { type: 'end', t: 5, id: 2, state: 'rejected', message: 'Error: <b>boom</b>', site: '/tmp/main.js:9:1' },
  { type: 'dropped', t: 6, count: 12345 },
  { type: 'exit', t: 7, reason: 'signal', code: null, signal: 'SIGTERM', message: 'terminated by SIGTERM', site: '' },
  { type: 'exit', t: 8, reason: 'exit', code: 3, signal: '', message: '', site: '' },
];

function encodeAll(events: TraceEvent[]): Uint8Array {
  const enc = new FrameEncoder(16);
  const parts: Uint8Array[] = [STREAM_MAGIC];
  events.forEach((e, i) => {
    enc.event(e);
    if (i % 3 === 2) parts.push(enc.takeFrame()!);
  });
  const last = enc.takeFrame();
  if (last) parts.push(last);
  return Buffer.concat(parts);
}

describe('frame codec', () => {
  it('round-trips every event type', () => {
    const dec = new FrameDecoder();
    const out = dec.push(encodeAll(SAMPLE));
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, SAMPLE);
  });

  it('decodes a stream delivered one byte at a time', () => {
    const bytes = encodeAll(SAMPLE);
    const dec = new FrameDecoder();
    const out: TraceEvent[] = [];
    for (const b of bytes) out.push(...dec.push(Uint8Array.of(b)));
    dec.finish();
    assert.equal(dec.error, undefined);
    assert.deepEqual(out, SAMPLE);
  });

  it('reports a truncated stream and keeps the complete frames before it', () => {
    const bytes = encodeAll(SAMPLE);
    const dec = new FrameDecoder();
    const out = dec.push(bytes.subarray(0, bytes.length - 3));
    dec.finish();
    assert.match(dec.error ?? '', /ended in the middle of a frame/);
    assert.ok(out.length >= 9 && out.length < SAMPLE.length);
    assert.deepEqual(out, SAMPLE.slice(0, out.length));
  });

  it('reports corrupt records without throwing', () => {
    const bytes = Buffer.from(encodeAll(SAMPLE));
    bytes[STREAM_MAGIC.length + 4] = 0xee; // first record's opcode
    const dec = new FrameDecoder();
    assert.doesNotThrow(() => dec.push(bytes));
    assert.match(dec.error ?? '', /unknown record type 238/);
    assert.deepEqual(dec.push(Uint8Array.of(1, 2, 3)), [], 'decoding stops after an error');
  });

  it('rejects a stream that is not a trace', () => {
    const dec = new FrameDecoder();
    dec.push(Buffer.from('hello world, this is stdout'));
    assert.match(dec.error ?? '', /does not start with a Tasklane header/);
  });

  it('rejects a frame that claims to be enormous', () => {
    const dec = new FrameDecoder();
    dec.push(Buffer.concat([STREAM_MAGIC, Uint8Array.of(0xff, 0xff, 0xff, 0x7f)]));
    assert.match(dec.error ?? '', /claims/);
  });

  it('reports a string used before it was defined', () => {
    // frame: one Run record is fine, then a Task record that names string 9
    const frame = Uint8Array.of(2, 0, 1, 0, 1, 9, 0, 0);
    const dec = new FrameDecoder();
    dec.push(Buffer.concat([STREAM_MAGIC, Uint8Array.of(frame.length, 0, 0, 0), frame]));
    assert.match(dec.error ?? '', /string 9 used before it was defined/);
  });
});
