// Starts a script under the runner as a child process and streams its decoded events.
// Shared by the CLI and the extension host; imports nothing from vscode.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { FrameDecoder } from '../trace/frameDecoder';
import type { TraceEvent, TraceSink } from '../trace/events';
import type { TraceModel } from '../trace/model';
import { encodeConfig, INTERNALS_FLAG, RUNNER_ENV } from '../runner/node/config';

export type Runtime = 'node' | 'python';

/** Which runner traces a script, by its extension. */
export function runtimeFor(script: string): Runtime | undefined {
  if (/\.(js|cjs|mjs|ts|cts|mts)$/i.test(script)) return 'node';
  if (/\.pyw?$/i.test(script)) return 'python';
  return undefined;
}

export interface LaunchOptions {
  /** The script's path; with `asModule`, the name of the Python module to run. */
  script: string;
  /** Python: run the module named `script`, as `python -m` does. */
  asModule?: boolean;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  runtime: Runtime;
  /** The interpreter: Node (the one running Tasklane by default) or Python (python3 by default). */
  interpreter?: string;
  /** Folder holding the runner bundles (dist/runner). */
  runnerDir: string;
  stdio: 'inherit' | 'pipe';
  /** Own process group, so Stop ends the script and everything it started. */
  processGroup: boolean;
  maxEvents?: number;
  flushMs?: number;
  /** Folds the events as they are decoded (the model). */
  sink: TraceSink;
  /** Called after each chunk of the stream that held events. */
  onEvents?: () => void;
}

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the event stream was corrupt or cut short. */
  streamError: string | undefined;
  /** True when the runner did not report the end itself (killed, or never started). */
  exitSynthesized: boolean;
  /** When the process ended (epoch ms). */
  endedAt: number;
}

export interface TracedProcess {
  child: ChildProcess;
  done: Promise<RunOutcome>;
  /** Ends the script and its process tree: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): void;
  /** Sends the script (its process group, when it has one) a signal, if it still runs. */
  signal(signal: NodeJS.Signals): void;
}

/**
 * The script's file descriptor for the side channel: far above those a program opens first, so it
 * gets the numbers it gets untraced (a Python program's first file is 3), and one that closes the
 * low ones it inherited (as daemons do) neither closes the channel nor has its next file written to.
 */
export const SIDE_CHANNEL_FD = 99;
/** Events recorded before the runner stops recording (tasklane.maxEvents, --max-events): a few hundred bytes each in the reader. */
export const DEFAULT_MAX_EVENTS = 1_000_000;
/** After the script exits, how long its output and side channel may stay open (held by a process it started). */
const DRAIN_MS = 300;

export function nodeOptionsWithRunner(runnerDir: string, script: string, userOptions: string | undefined): string {
  const quote = (p: string): string => `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const own = [`--require ${quote(path.join(runnerDir, 'bootstrap.js'))}`];
  // An .mts entry only loads through the ES module loader, which --import switches on.
  if (script.endsWith('.mts')) own.push('--import=data:text/javascript,0');
  return userOptions ? `${own.join(' ')} ${userOptions}` : own.join(' ');
}

/** The command line and environment that run the script under its runtime's runner, its side channel on SIDE_CHANNEL_FD. */
export function tracedCommand(options: Pick<LaunchOptions, 'script' | 'asModule' | 'args' | 'env' | 'runtime' | 'interpreter' | 'runnerDir' | 'maxEvents' | 'flushMs'>): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...(options.env ?? process.env) };
  const config = {
    fd: SIDE_CHANNEL_FD,
    userNodeOptions: null as string | null,
    maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS,
    flushMs: options.flushMs ?? 20,
  };
  if (options.runtime === 'python') {
    env[RUNNER_ENV] = encodeConfig(config);
    const runner = path.join(options.runnerDir, 'python', 'tasklane_runner.py');
    return { command: options.interpreter || 'python3', args: [runner, ...(options.asModule ? ['-m'] : []), options.script, ...options.args], env };
  }
  config.userNodeOptions = env.NODE_OPTIONS ?? null;
  env.NODE_OPTIONS = nodeOptionsWithRunner(options.runnerDir, options.script, env.NODE_OPTIONS);
  // Not allowed in NODE_OPTIONS; the runner takes it off process.execArgv again.
  env[RUNNER_ENV] = encodeConfig({ ...config, internalsFlag: true });
  return { command: options.interpreter || process.execPath, args: [INTERNALS_FLAG, options.script, ...options.args], env };
}

type StdioEntry = Exclude<StdioOptions, string>[number];

/** The script's stdio: `standard` for 0–2, `channel` on SIDE_CHANNEL_FD, nothing between. */
export function withSideChannel(standard: [StdioEntry, StdioEntry, StdioEntry], channel: StdioEntry): StdioEntry[] {
  return [...standard, ...Array<StdioEntry>(SIDE_CHANNEL_FD - standard.length).fill('ignore'), channel];
}

/** The script's end of the side channel, as the launcher reads it. */
export function sideChannelOf(child: ChildProcess): Readable | undefined {
  return ((child.stdio as readonly unknown[])[SIDE_CHANNEL_FD] ?? undefined) as Readable | undefined;
}

export function launchTraced(options: LaunchOptions): TracedProcess {
  const { command, args, env } = tracedCommand(options);
  const stdio = withSideChannel(options.stdio === 'inherit' ? ['inherit', 'inherit', 'inherit'] : ['pipe', 'pipe', 'pipe'], 'pipe');
  const child = spawn(command, args, { cwd: options.cwd, env, stdio, detached: options.processGroup, windowsHide: true });
  const decoder = new FrameDecoder(options.sink);
  const channel = sideChannelOf(child);
  channel?.on('data', (chunk: Buffer) => {
    if (decoder.push(chunk) > 0) options.onEvents?.();
    // One chunk per turn of the event loop: under a flood the host still handles input and timers
    // in between (the runner waits on the full pipe meanwhile), instead of reading for seconds.
    channel.pause();
    setImmediate(() => channel.resume());
  });
  channel?.on('error', () => undefined);

  const done = new Promise<RunOutcome>((resolve) => {
    let settled = false;
    let endedAt: number | undefined;
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      decoder.finish();
      channel?.destroy();
      resolve({ code, signal, streamError: decoder.error, exitSynthesized: !decoder.sawExit, endedAt: endedAt ?? Date.now() });
    };
    child.on('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      decoder.error ??= missing ? `could not start ${command}: it was not found` : `could not start ${command}: ${err.message}`;
      settle(null, null);
    });
    child.on('exit', (code, signal) => {
      endedAt = Date.now();
      // Done once its output and its trace have all been read ('close': the pipes have ended; at
      // 'exit' its last lines may still be in them), or DRAIN_MS on, if a process it left holds them.
      const timer = setTimeout(() => settle(code, signal), DRAIN_MS);
      child.once('close', () => {
        clearTimeout(timer);
        settle(code, signal);
      });
    });
  });

  const running = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const kill = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(options.processGroup && process.platform !== 'win32' ? -child.pid : child.pid, signal);
    } catch {
      // already gone
    }
  };
  const signal = (name: NodeJS.Signals): void => {
    if (running()) kill(name);
  };
  const stop = (graceMs = 1000): void => {
    if (!running()) return;
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), graceMs);
    timer.unref();
    child.once('exit', () => {
      clearTimeout(timer);
      if (options.processGroup) kill('SIGKILL'); // whatever the script left behind in its group
    });
  };

  return { child, done, stop, signal };
}

/**
 * What the trace must still be told of the run's end once the process has ended, if anything:
 * the end of a run the runner could not report itself (see synthesizedExit); or the process's own
 * exit code where it differs from the one the runner reported (an exit listener of the program's
 * that ran after the runner's set process.exitCode, or threw).
 */
export function unreportedExit(outcome: RunOutcome, model: TraceModel): TraceEvent | undefined {
  if (outcome.exitSynthesized) return synthesizedExit(outcome, model);
  const reported = model.exit;
  if (reported === undefined || reported.signal !== '' || outcome.signal !== null || outcome.code === null || reported.code === outcome.code) return undefined;
  return { type: 'exit', t: reported.t, reason: reported.reason, code: outcome.code, signal: '', message: reported.message, site: reported.site };
}

/**
 * The end of a run the runner could not report itself (SIGKILL, or a runner that never started),
 * at the moment the process ended: a program stuck in a loop ran on long after its last event.
 */
function synthesizedExit(outcome: RunOutcome, model: TraceModel): TraceEvent {
  const t = model.timeAt(outcome.endedAt);
  const how = outcome.signal ? `the program was killed by ${outcome.signal}` : `the program ended with code ${outcome.code} before the tracer could report it`;
  return {
    type: 'exit', t, reason: outcome.signal ? 'killed' : 'exit', code: outcome.code, signal: outcome.signal ?? '',
    message: outcome.streamError ? `${how}; ${outcome.streamError}` : how, site: '',
  };
}
