// One trace for the codec and fuzz tests: every event type, text a page could mistake for markup,
// fractional times, and a stream of it as the runner writes one.
import { STREAM_MAGIC } from '../../src/trace/codec';
import { FrameEncoder } from '../../src/trace/frameEncoder';
import type { EndState, ExitReason, RunnerInfo, TaskKind, TraceEvent, TraceSink } from '../../src/trace/events';

export const SAMPLE_EVENTS: TraceEvent[] = [
  { type: 'start', runtime: 'node', runtimeVersion: 'v20.0.0', pid: 4242, script: '/tmp/a b/ünï.js', cwd: '/tmp', startedAt: 1_764_000_000_123 },
  { type: 'task', t: 1.5, id: 1, parent: 0, kind: 'script', name: 'main.js', site: '', internal: false },
  { type: 'task', t: 2, id: 2, parent: 1, kind: 'async', name: 'sayAfter', site: '/tmp/main.js:3:7', internal: false },
  { type: 'run', t: 2.25, id: 2 },
  { type: 'await', t: 3, id: 2, target: 0, label: 'sleep 0.1 s', site: '/tmp/main.js:4:3' },
  { type: 'rename', t: 3.5, id: 2, name: 'sayAfter ✓' },
  { type: 'recast', t: 3.75, id: 2, kind: 'combinator', name: 'Promise.all', site: '/tmp/main.js:5:9', internal: false },
  { type: 'recast', t: 3.8, id: 2, kind: 'async', name: 'new Promise', site: '/tmp/main.js:6:9', internal: true },
  { type: 'awaitBy', t: 4, id: 2, by: 1, label: 'read TCP socket 127.0.0.1:80' },
  { type: 'waitOn', t: 4.125, id: 2 },
  { type: 'task', t: 4.25, id: 3, parent: 1, kind: 'combinator', name: 'Promise.all', site: '/tmp/main.js:9:1', internal: false },
  { type: 'join', t: 4.5, id: 3, member: 2 },
  { type: 'end', t: 5, id: 2, state: 'rejected', message: 'Error: <b>boom</b>', site: '/tmp/main.js:9:1' },
  { type: 'dropped', t: 6, count: 12345 },
  { type: 'signal', t: 6.5, signal: 'SIGTERM' },
  { type: 'exit', t: 7, reason: 'signal', code: null, signal: 'SIGTERM', message: 'terminated by SIGTERM', site: '' },
  { type: 'exit', t: 8, reason: 'exit', code: 3, signal: '', message: '', site: '' },
];

/** The side-channel bytes of `events`: the header, then a frame every `perFrame` events. */
export function encodeStream(events: TraceEvent[], perFrame: number): Uint8Array {
  const encoder = new FrameEncoder(16);
  const parts: Uint8Array[] = [STREAM_MAGIC];
  events.forEach((e, i) => {
    encoder.event(e);
    if (i % perFrame === perFrame - 1) parts.push(encoder.takeFrame()!);
  });
  const last = encoder.takeFrame();
  if (last) parts.push(last);
  return Buffer.concat(parts);
}

/** A sink that keeps the events it is handed as objects, to compare with what was encoded. */
export class EventList implements TraceSink {
  readonly events: TraceEvent[] = [];
  onStart(info: RunnerInfo): void {
    this.events.push({ type: 'start', ...info });
  }
  onTask(t: number, id: number, parent: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    this.events.push({ type: 'task', t, id, parent, kind, name, site, internal });
  }
  onRename(t: number, id: number, name: string): void {
    this.events.push({ type: 'rename', t, id, name });
  }
  onRun(t: number, id: number): void {
    this.events.push({ type: 'run', t, id });
  }
  onAwait(t: number, id: number, target: number, label: string, site: string): void {
    this.events.push({ type: 'await', t, id, target, label, site });
  }
  onAwaitBy(t: number, id: number, by: number, label: string): void {
    this.events.push({ type: 'awaitBy', t, id, by, label });
  }
  onWaitOn(t: number, id: number): void {
    this.events.push({ type: 'waitOn', t, id });
  }
  onJoin(t: number, id: number, member: number): void {
    this.events.push({ type: 'join', t, id, member });
  }
  onEnd(t: number, id: number, state: EndState, message: string, site: string): void {
    this.events.push({ type: 'end', t, id, state, message, site });
  }
  onDropped(t: number, count: number): void {
    this.events.push({ type: 'dropped', t, count });
  }
  onRecast(t: number, id: number, kind: TaskKind, name: string, site: string, internal: boolean): void {
    this.events.push({ type: 'recast', t, id, kind, name, site, internal });
  }
  onSignal(t: number, signal: string): void {
    this.events.push({ type: 'signal', t, signal });
  }
  onExit(t: number, reason: ExitReason, code: number | null, signal: string, message: string, site: string): void {
    this.events.push({ type: 'exit', t, reason, code, signal, message, site });
  }
  onThread(id: number): void {
    this.events.push({ type: 'thread', id });
  }
}
