// Loaded into the user's process by NODE_OPTIONS=--require. Loads once, stays inert without its
// configuration, and never throws into the program it traces.
import { subscribe } from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import { getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads';
import { FrameEncoder } from '../../trace/frameEncoder';
import type { ExitReason } from '../../trace/events';
import { createCallReader, createCapturer, probeStack } from './callsites';
import { decodeConfig, INTERNALS_FLAG, RUNNER_ENV, WORKER_DATA_KEY, workerConfigFrom, type RunnerConfig, type WorkerRunnerConfig } from './config';
import { describeError } from './errors';
import { FlusherThread, FrameChannel } from './flusherThread';
import { noteReadlineLoop } from './names';
import { addAgainWith, isRunners, listen, listenFirst, unlisten } from './processListeners';
import { watchReadlineLoops } from './readlineLoops';
import { nodeSetImmediate, tickEvery } from './runnerClock';
import { isSignal } from './signalTasks';
import { FrameSink } from './sink';
import { TaskIds } from './taskIds';
import type { WorkerWatch } from './handleEnds';
import type { TaskState } from './taskState';
import { Tracer } from './tracer';
import { registerTypeScript, registerTypeScriptForWorker } from './typescript';
import { TS_FILE } from './typeScriptImports';

const LOADED = Symbol.for('tasklane.runner.loaded');
const HANDLED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function main(): void {
  const g = globalThis as { [LOADED]?: boolean };
  if (g[LOADED]) return;
  g[LOADED] = true;
  if (!isMainThread) {
    const config = workerConfigFrom(getEnvironmentData(WORKER_DATA_KEY));
    if (config) startWorker(config);
    return;
  }
  const config = decodeConfig(process.env[RUNNER_ENV]);
  if (!config) return;
  // The script and anything it spawns see the environment they would see untraced.
  delete process.env[RUNNER_ENV];
  if (config.userNodeOptions === null) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = config.userNodeOptions;
  if (config.internalsFlag) hideInternalsFlag();
  try {
    fs.fstatSync(config.fd);
  } catch {
    return; // no side channel: run untraced
  }
  start(config);
}

/**
 * Takes the launcher's INTERNALS_FLAG off process.execArgv: the program, and each worker thread,
 * sees the options it would see untraced (child_process.fork hands them on).
 */
function hideInternalsFlag(): void {
  const at = process.execArgv.indexOf(INTERNALS_FLAG);
  if (at >= 0) process.execArgv.splice(at, 1);
}

/**
 * The trace's clock, in nanoseconds from `start` (process.hrtime() at the trace's start).
 * process.hrtime() gives integer nanoseconds without performance.now()'s brand check and float
 * maths (a clock read per event); taken at load, so fake timers a program installs do not move it.
 */
function clockFrom([s0, ns0]: [number, number]): () => number {
  const hrtime = process.hrtime;
  return () => {
    const t = hrtime();
    return (t[0] - s0) * 1e9 + (t[1] - ns0);
  };
}

/** What every traced thread shares: where its records go, and how each worker it starts joins in. */
interface ThreadTracing {
  tracer: Tracer;
  encoder: FrameEncoder;
  sink: FrameSink;
  now: () => number;
  /** Channels of the workers this thread started, by their `new Worker` tasks, until their threads end. */
  readonly workerChannels: Map<TaskState, FrameChannel>;
}

/** Workers' channels by their native handles, whose stopThread (Worker#terminate's) is wrapped once. */
const channelsByHandle = new WeakMap<object, FrameChannel>();

/**
 * Makes stopping the worker of `handle` (Worker#terminate) hold its channel until its thread has
 * ended (see FrameChannel.holdWhileTerminated): a worker stopped in the middle of sending its
 * records kept the side channel's lock for good, and the program hung at its next flush.
 * Wrapped below Worker#terminate, whose call the program's wait is for.
 */
function holdWhileStopping(handle: object, channel: FrameChannel): void {
  channelsByHandle.set(handle, channel);
  const native = Object.getPrototypeOf(handle) as { stopThread?: (...args: unknown[]) => unknown; [HOLDS]?: true };
  const stop = native.stopThread;
  if (typeof stop !== 'function' || native[HOLDS]) return;
  native[HOLDS] = true;
  native.stopThread = function (this: object, ...args: unknown[]) {
    channelsByHandle.get(this)?.holdWhileTerminated();
    return stop.apply(this, args);
  };
}
const HOLDS = Symbol('tasklane.holdsWhileStopping');

/** Sets up tracing of this thread; `parentTask`: the task that started it (a worker's `new Worker`), 0 for the main thread. */
function traceThread(config: Omit<WorkerRunnerConfig, 'parentTask' | 'channel' | 'ancestors'>, channel: FrameChannel, parentTask: number, rootName: string, flusher?: FlusherThread): ThreadTracing {
  const now = clockFrom(config.clockStart);
  const encoder = new FrameEncoder(64 * 1024, channel, isMainThread ? 0 : threadId);
  const sink = new FrameSink(config.fd, encoder, channel);
  const workerChannels = new Map<TaskState, FrameChannel>();
  const workers: WorkerWatch = {
    // A worker the program starts traces itself into the same trace, from its parent's `new Worker`
    // task: its environment data (copied into it as the Worker is constructed) says how.
    starting(task, handle) {
      const memory = FrameChannel.memoryForWorker();
      const ancestors = channel.lineage();
      const worker = FrameChannel.watching(memory, config.writes, ancestors);
      workerChannels.set(task, worker);
      holdWhileStopping(handle, worker);
      flusher?.watch(memory);
      setEnvironmentData(WORKER_DATA_KEY, { ...config, parentTask: task.id, channel: memory, ancestors } satisfies WorkerRunnerConfig);
    },
    // Its thread has ended. One the program terminated did not see its own end: what it left is
    // sent for it, and its run ends here.
    ended(task, ns) {
      const worker = workerChannels.get(task);
      if (worker === undefined) return;
      workerChannels.delete(task);
      if (worker.done) return worker.letGo();
      worker.sendLeftover(sink.write);
      if (worker.rootTask > 0) encoder.end(ns, worker.rootTask, 'cancelled', 'terminated', '');
      worker.close();
      worker.letGo();
    },
  };
  const capture = createCapturer(ownFiles());
  const tracer = new Tracer(
    { encoder, maxEvents: config.maxEvents, flush: () => sink.flush(), now, capture, probe: probeStack, calls: createCallReader(ownFiles()), ids: new TaskIds(config.ids), parentTask, workers },
    rootName,
  );
  watchReadlineLoops(capture, noteReadlineLoop);
  // Said before the request's 'error' event, which nothing of the request's own callbacks runs.
  subscribe('http.client.request.error', (message) => tracer.clientRequestFailed(message));
  // Said inside the program's call of fetch, which asks for nothing else that says its URL.
  subscribe('undici:request:create', (message) => tracer.undiciRequestMade(message));
  return { tracer, encoder, sink, now, workerChannels };
}

/** Sends its records at each tick of the runner's clock, and starts the tracer. */
function startTracing(thread: ThreadTracing, flushMs: number): void {
  const { tracer, sink } = thread;
  tickEvery(flushMs, (fn) => tracer.untraced(fn), () => {
    try {
      tracer.onFlush();
      sink.flush();
    } catch {
      // never let tracing reach the program
    }
  });
  tracer.start();
  tracer.untraced(() => queueMicrotask(() => tracer.scriptRan()));
}

function start(config: RunnerConfig): void {
  const clockStart = process.hrtime() as [number, number];
  const channel = FrameChannel.main();
  const flusher = new FlusherThread(config.fd, channel);
  const script = process.argv[1] ?? '';
  const typeScript = TS_FILE.test(script);
  const shared = { fd: config.fd, maxEvents: config.maxEvents, flushMs: config.flushMs, clockStart, ids: new TaskIds().shared, writes: channel.buffers.control, typeScript, internalsFlag: config.internalsFlag === true };
  const thread = traceThread(shared, channel, 0, script ? fileName(script) : 'main', flusher);
  const { tracer, encoder, sink, now } = thread;
  sink.open();
  encoder.start({ runtime: 'node', runtimeVersion: process.version, pid: process.pid, script, cwd: process.cwd(), startedAt: Date.now() });
  // The error is described only at the exit: reading its stack sooner would cost Node's report of
  // an unhandled rejection the line of the user's code it shows (it reads it from the unread stack).
  let fatal: { reason: ExitReason; error: unknown; task: number } | undefined;

  let finished = false;
  const finish = (reason: ExitReason, code: number | null, signal: string): void => {
    if (finished) return;
    finished = true;
    const failure = fatal && (code !== 0 || signal) ? { reason: fatal.reason, task: fatal.task, ...describeError(fatal.error) } : undefined;
    const exitReason = failure ? failure.reason : reason;
    const message = failure ? failure.message : signal ? `terminated by ${signal}` : '';
    const ok = exitReason === 'exit' && code === 0;
    tracer.finish(ok ? 'resolved' : 'rejected', message || (ok ? '' : `exit code ${code}`), failure?.site ?? '', failure?.task);
    encoder.exit(now(), exitReason, code, signal, message, failure?.site ?? '');
    sink.flush();
    for (const worker of thread.workerChannels.values()) worker.sendLeftover(sink.write);
  };

  listen('uncaughtExceptionMonitor', (err: unknown, origin: string) => {
    try {
      const threw = origin !== 'unhandledRejection';
      fatal = { reason: threw ? 'exception' : 'rejection', error: err, task: tracer.runningTask(threw) };
    } catch {
      // an error that cannot be described still ends the program as usual
    }
  });
  listen('exit', (code: number) => {
    try {
      finish('exit', code, '');
    } catch {
      // the program is exiting anyway
    }
  });
  for (const signal of HANDLED_SIGNALS) {
    const onSignal = (): void => {
      try {
        // Said at once, whoever handles it: `tasklane run` passes on a SIGTERM sent to it alone, and
        // not one the script has had too.
        encoder.signal(now(), signal);
        if (process.listenerCount(signal) > 1) {
          // The program handles this signal itself: its listeners run next.
          tracer.signalListeners('arrived', signal);
          sink.flush();
          return;
        }
        finish('signal', null, signal);
        unlisten(signal, onSignal);
      } catch {
        // fall through to the default action
      }
      process.kill(process.pid, signal);
    };
    listen(signal, onSignal);
  }
  addAgainWith((fn) => tracer.untraced(fn));
  watchSignalListeners(tracer);

  tracer.untraced(() => flusher.start());
  startTracing(thread, config.flushMs);
  // Once tracing has started: the transpiler starting (half a second for the TypeScript compiler)
  // shows as the runner's own work, not as a gap before the script.
  if (typeScript) {
    registerTypeScript((name, fn) => tracer.ownWork(name, fn), script, (error) => {
      // What Node prints for a script that does not parse, and its exit code.
      fatal = { reason: 'exception', error, task: tracer.runningTask(true) };
      process.stderr.write(`${error.stack}\n\nNode.js ${process.version}\n`);
      process.exit(1);
    });
  }
}

/** Tells the tracer of the program's listeners for signals, which are tasks (see SignalTasks). */
function watchSignalListeners(tracer: Tracer): void {
  const watch = (what: 'adds' | 'removed') => (event: string | symbol, listener: unknown): void => {
    try {
      if (isSignal(event) && !isRunners(event, listener)) tracer.signalListeners(what, event);
    } catch {
      // never let tracing reach the program
    }
  };
  // Ahead of Node's own, which opens the signal's handle: the handle is then named for it.
  listenFirst('newListener', watch('adds'));
  listen('removeListener', watch('removed'));
}

/**
 * A worker thread the traced program started: its tasks go into the same trace, on its own loop,
 * under the `new Worker` task that started it. It ends as the worker does (the program's own
 * end is the main thread's to tell).
 */
function startWorker(config: WorkerRunnerConfig): void {
  if (config.internalsFlag) hideInternalsFlag();
  const channel = FrameChannel.worker(config.channel, config.writes, threadId, config.ancestors);
  if (!channel) return;
  const thread = traceThread(config, channel, config.parentTask, `worker thread ${threadId}`);
  const { tracer, sink } = thread;
  let failure: { error: unknown; task: number } | undefined;
  listen('uncaughtExceptionMonitor', (error: unknown, origin: string) => {
    try {
      failure = { error, task: tracer.runningTask(origin !== 'unhandledRejection') };
    } catch {
      // the worker ends as it would untraced
    }
  });
  listen('exit', (code: number) => {
    try {
      const error = failure && describeError(failure.error);
      tracer.finish(code === 0 ? 'resolved' : 'rejected', error?.message ?? (code === 0 ? '' : `exit code ${code}`), error?.site ?? '', failure?.task);
      sink.flush();
      for (const worker of thread.workerChannels.values()) worker.sendLeftover(sink.write);
      channel.holdAsExiting();
      channel.close();
    } catch {
      // the worker is ending anyway
    }
  });
  if (config.typeScript) registerTypeScriptForWorker((name, fn) => tracer.ownWork(name, fn));
  tracer.wentIdle = settleAsLoopTurns(tracer);
  startTracing(thread, config.flushMs);
  channel.rootTask = tracer.rootTask;
  // Node sets the worker's file in its argv once the runner has loaded, before the worker's code runs.
  tracer.untraced(() => queueMicrotask(() => tracer.nameRoot(`${fileName(process.argv[1] ?? 'worker')} (thread ${threadId})`)));
}

/**
 * What a worker's last callback left for the next flush (its task's end, the idle loop after it)
 * is written as its loop turns, not up to a flush later: the program may terminate the worker
 * first, as a one-shot worker's parent does once it has the worker's reply.
 */
function settleAsLoopTurns(tracer: Tracer): () => void {
  let queued = false;
  const settle = (): void => {
    queued = false;
    try {
      tracer.onFlush();
    } catch {
      // never let tracing reach the program
    }
  };
  return () => {
    if (queued) return;
    queued = true;
    tracer.untraced(() => nodeSetImmediate(settle));
  };
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop()!;
}

/** The runner's own bundles, whose frames never count as user code. */
function ownFiles(): string[] {
  return [__filename];
}

try {
  main();
} catch {
  // tracing is optional; the program is not
}
