// The event vocabulary every runner speaks and every consumer folds.
// Times are microseconds since the trace started; task id 0 means "no task".

export type TaskKind =
  | 'script' // the program's own top level
  | 'async' // an async function call (JS) or a coroutine/Task (Python)
  | 'timer'
  | 'immediate'
  | 'io' // a socket, server, connect, file or DNS operation
  | 'combinator' // Promise.all / race / any / allSettled, asyncio.gather / wait
  | 'callback' // any other callback scheduled by user code
  | 'coroutine' // a coroutine awaited directly inside a task (Python): a span on that task's lane
  | 'tracer'; // the tracer's own work in the program's thread (transpiling TypeScript): it holds the loop, but is no long block of the program's

export type EndState = 'resolved' | 'rejected' | 'cancelled';

export type ExitReason = 'exit' | 'exception' | 'rejection' | 'signal' | 'killed';

export interface RunnerInfo {
  runtime: 'node' | 'python';
  runtimeVersion: string;
  pid: number;
  script: string;
  cwd: string;
  /** Wall-clock time of t = 0, milliseconds since the epoch. */
  startedAt: number;
}

/** What a runner tells of a task as it makes it. */
export interface TaskIdentity {
  id: number;
  parent: number;
  kind: TaskKind;
  name: string;
  /** "file:line:column" of the first frame in user code, or "" when none. */
  site: string;
  /** Created by the runtime's own code rather than the user's. */
  internal: boolean;
}

export type TraceEvent =
  | ({ type: 'start' } & RunnerInfo)
  | ({ type: 'task'; t: number } & TaskIdentity)
  | { type: 'rename'; t: number; id: number; name: string }
  /**
   * Task `id` is another task than its record said (the Node runner took it for another from its
   * site cache); `internal`: it was no task of the program's (a promise taken for a call).
   */
  | { type: 'recast'; t: number; id: number; kind: TaskKind; name: string; site: string; internal: boolean }
  /** Task `id` takes the event loop; 0 means the loop went idle. */
  | { type: 'run'; t: number; id: number }
  /** Task `id` suspends, awaiting task `target` (0 when the awaited thing is not a task). */
  | { type: 'await'; t: number; id: number; target: number; label: string; site: string }
  /** Who resolved what task `id` awaits ("read TCP socket 127.0.0.1:80"), learned when it happened. */
  | { type: 'awaitBy'; t: number; id: number; by: number; label: string }
  /**
   * Task `id` waits on at the await it waited at before it last ran: what ran was a callback of its
   * own (a `.then` it attached), not its resumption. Who ends the wait ends the wait before it too.
   */
  | { type: 'waitOn'; t: number; id: number }
  /** Task `member` joined combinator `id` (member 0: a value that was not a task). */
  | { type: 'join'; t: number; id: number; member: number }
  | { type: 'end'; t: number; id: number; state: EndState; message: string; site: string }
  | { type: 'dropped'; t: number; count: number }
  /** The program received a signal (SIGTERM): said as it arrives, whether the program then ends or handles it. */
  | { type: 'signal'; t: number; signal: string }
  | { type: 'exit'; t: number; reason: ExitReason; code: number | null; signal: string; message: string; site: string }
  /**
   * The events that follow, up to the next `thread`, are thread `id`'s (0: the main thread's,
   * where a stream starts): its own event loop, which its `run` events say who holds.
   */
  | { type: 'thread'; id: number };

export type TraceEventType = TraceEvent['type'];

/**
 * What folds events as they are decoded: one method per event type, taking the event's fields in
 * the order TraceEvent lists them. The live path decodes straight into one (no object per event).
 */
export interface TraceSink {
  onStart(info: RunnerInfo): void;
  onTask(t: number, id: number, parent: number, kind: TaskKind, name: string, site: string, internal: boolean): void;
  onRename(t: number, id: number, name: string): void;
  onRecast(t: number, id: number, kind: TaskKind, name: string, site: string, internal: boolean): void;
  onRun(t: number, id: number): void;
  onAwait(t: number, id: number, target: number, label: string, site: string): void;
  onAwaitBy(t: number, id: number, by: number, label: string): void;
  onWaitOn(t: number, id: number): void;
  onJoin(t: number, id: number, member: number): void;
  onEnd(t: number, id: number, state: EndState, message: string, site: string): void;
  onDropped(t: number, count: number): void;
  onSignal(t: number, signal: string): void;
  onExit(t: number, reason: ExitReason, code: number | null, signal: string, message: string, site: string): void;
  onThread(id: number): void;
}

/** Hands one event object to a sink. */
export function replay(e: TraceEvent, sink: TraceSink): void {
  switch (e.type) {
    case 'start': return sink.onStart({ runtime: e.runtime, runtimeVersion: e.runtimeVersion, pid: e.pid, script: e.script, cwd: e.cwd, startedAt: e.startedAt });
    case 'task': return sink.onTask(e.t, e.id, e.parent, e.kind, e.name, e.site, e.internal);
    case 'rename': return sink.onRename(e.t, e.id, e.name);
    case 'recast': return sink.onRecast(e.t, e.id, e.kind, e.name, e.site, e.internal);
    case 'run': return sink.onRun(e.t, e.id);
    case 'await': return sink.onAwait(e.t, e.id, e.target, e.label, e.site);
    case 'awaitBy': return sink.onAwaitBy(e.t, e.id, e.by, e.label);
    case 'waitOn': return sink.onWaitOn(e.t, e.id);
    case 'join': return sink.onJoin(e.t, e.id, e.member);
    case 'end': return sink.onEnd(e.t, e.id, e.state, e.message, e.site);
    case 'dropped': return sink.onDropped(e.t, e.count);
    case 'signal': return sink.onSignal(e.t, e.signal);
    case 'exit': return sink.onExit(e.t, e.reason, e.code, e.signal, e.message, e.site);
    case 'thread': return sink.onThread(e.id);
    default: throw new Error(`unknown event type ${(e as { type: string }).type}`);
  }
}

/** Whether a task of `kind` holding the loop is the program's work, which a long block can be: the tracer's own is not. */
export function isProgramWork(kind: string | undefined): boolean {
  return kind !== 'tracer';
}

export const TASK_KINDS: readonly TaskKind[] = ['script', 'async', 'timer', 'immediate', 'io', 'combinator', 'callback', 'coroutine', 'tracer'];
export const END_STATES: readonly EndState[] = ['resolved', 'rejected', 'cancelled'];
export const EXIT_REASONS: readonly ExitReason[] = ['exit', 'exception', 'rejection', 'signal', 'killed'];
/** Signals a trace keeps: a program sent thousands (a SIGTERM loop) is told by its first. */
export const MAX_SIGNALS = 100;
