// Loaded into the user's process by NODE_OPTIONS=--require. Loads once, stays inert without its
// configuration, and never throws into the program it traces.
import * as fs from 'node:fs';
import { FrameEncoder } from '../../trace/codec';
import type { ExitReason } from '../../trace/events';
import { createCallReader, createCapturer, probeStack } from './callsites';
import { decodeConfig, RUNNER_ENV, type RunnerConfig } from './config';
import { describeError } from './errors';
import { FlusherThread } from './flusherThread';
import { noteReadlineLoop } from './names';
import { watchReadlineLoops } from './readlineLoops';
import { FrameSink } from './sink';
import { Tracer } from './tracer';
import { registerTypeScript } from './typescript';

const LOADED = Symbol.for('tasklane.runner.loaded');
const HANDLED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function main(): void {
  const g = globalThis as { [LOADED]?: boolean };
  if (g[LOADED]) return;
  g[LOADED] = true;
  const config = decodeConfig(process.env[RUNNER_ENV]);
  if (!config) return;
  // The script and anything it spawns see the environment they would see untraced.
  delete process.env[RUNNER_ENV];
  if (config.userNodeOptions === null) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = config.userNodeOptions;
  try {
    fs.fstatSync(config.fd);
  } catch {
    return; // no side channel: run untraced
  }
  start(config);
}

function start(config: RunnerConfig): void {
  // process.hrtime() gives integer nanoseconds without performance.now()'s brand check and float
  // maths (a clock read per event); taken now, so fake timers a program installs do not move it.
  const hrtime = process.hrtime;
  const [s0, ns0] = hrtime();
  const now = (): number => {
    const t = hrtime();
    return (t[0] - s0) * 1e9 + (t[1] - ns0);
  };
  const flusher = new FlusherThread(config.fd);
  const encoder = new FrameEncoder(64 * 1024, flusher);
  const sink = new FrameSink(config.fd, encoder, flusher);
  const script = process.argv[1] ?? '';
  encoder.start({ runtime: 'node', runtimeVersion: process.version, pid: process.pid, script, cwd: process.cwd(), startedAt: Date.now() });
  const capture = createCapturer(ownFiles());
  const tracer = new Tracer(
    { encoder, maxEvents: config.maxEvents, flush: () => sink.flush(), now, capture, probe: probeStack, calls: createCallReader(ownFiles()) },
    script ? script.split(/[\\/]/).pop()! : 'main',
  );
  watchReadlineLoops(capture, noteReadlineLoop);
  // The error is described only at the exit: reading its stack sooner would cost Node's report of
  // an unhandled rejection the line of the user's code it shows (it reads it from the unread stack).
  let fatal: { reason: ExitReason; error: unknown; task: number } | undefined;
  registerTypeScript(
    (name, fn) => tracer.ownWork(name, fn),
    (error) => {
      // What Node prints for a script that does not parse, and its exit code.
      fatal = { reason: 'exception', error, task: tracer.runningTask() };
      process.stderr.write(`${error.stack}\n\nNode.js ${process.version}\n`);
      process.exit(1);
    },
  );

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
  };

  process.on('uncaughtExceptionMonitor', (err, origin) => {
    try {
      fatal = { reason: origin === 'unhandledRejection' ? 'rejection' : 'exception', error: err, task: tracer.runningTask() };
    } catch {
      // an error that cannot be described still ends the program as usual
    }
  });
  process.on('exit', (code) => {
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
          sink.flush(); // the program handles this signal itself
          return;
        }
        finish('signal', null, signal);
        process.removeListener(signal, onSignal);
      } catch {
        // fall through to the default action
      }
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }

  tracer.untraced(() => {
    flusher.start();
    const timer = setInterval(() => {
      try {
        tracer.onFlush();
        sink.flush();
      } catch {
        // never let tracing reach the program
      }
    }, config.flushMs);
    timer.unref();
  });
  tracer.start();
  tracer.untraced(() => queueMicrotask(() => tracer.scriptRan()));
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
