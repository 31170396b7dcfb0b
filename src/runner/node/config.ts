// The one environment variable that carries the launcher's instructions to the runner, and what
// a traced thread hands each worker thread it starts.
import type { ChannelMemory } from './flusherThread';

export const RUNNER_ENV = 'TASKLANE_RUNNER';

export interface RunnerConfig {
  /** File descriptor of the side channel the frames go to. */
  fd: number;
  /** The NODE_OPTIONS the user had, restored so the script and its children see their own. */
  userNodeOptions: string | null;
  /** Stop recording after this many events; later ones are counted as dropped. */
  maxEvents: number;
  /** How often buffered frames are sent while the program runs. */
  flushMs: number;
  /**
   * The launcher put INTERNALS_FLAG before the script (see nodeInternals: how the runner reaches
   * Node's promise hooks from Node 24): taken off process.execArgv, which the program reads.
   */
  internalsFlag?: boolean;
}

/** Node's flag that lets the runner load Node's internal modules (see RunnerConfig.internalsFlag). */
export const INTERNALS_FLAG = '--expose-internals';

export function encodeConfig(config: RunnerConfig): string {
  return JSON.stringify(config);
}

/** Reads the config, or undefined when absent or not ours (the runner then stays inert). */
export function decodeConfig(raw: string | undefined): RunnerConfig | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as Partial<RunnerConfig>;
    if (typeof c.fd !== 'number' || typeof c.maxEvents !== 'number' || typeof c.flushMs !== 'number') return undefined;
    if (c.userNodeOptions !== null && typeof c.userNodeOptions !== 'string') return undefined;
    if (c.internalsFlag !== undefined && typeof c.internalsFlag !== 'boolean') return undefined;
    return c as RunnerConfig;
  } catch {
    return undefined;
  }
}

/** The worker_threads environment data key under which a traced thread hands a worker its WorkerRunnerConfig. */
export const WORKER_DATA_KEY = 'tasklane.runner';

/** What a worker thread needs to trace itself into the same trace, set as `new Worker` starts it. */
export interface WorkerRunnerConfig {
  fd: number;
  maxEvents: number;
  flushMs: number;
  /** process.hrtime() at the trace's start: every thread's clock reads from it. */
  clockStart: [number, number];
  /** The shared task-id counter (see TaskIds). */
  ids: SharedArrayBuffer;
  /** The main thread's channel control block, whose lock every write to the side channel holds. */
  writes: SharedArrayBuffer;
  /** The program is TypeScript: its workers' files may be too. */
  typeScript: boolean;
  /** As RunnerConfig.internalsFlag: a worker inherits the main thread's options. */
  internalsFlag?: boolean;
  /** The `new Worker` task that starts the worker, and the channel its records go into. */
  parentTask: number;
  channel: ChannelMemory;
  /**
   * The control blocks of the channels of the workers this one runs under, its parent's first
   * (see FrameChannel.lineage); none for a worker of the main thread.
   */
  ancestors: SharedArrayBuffer[];
}

/** The config a worker thread was handed, or undefined when it is none of ours (the runner then stays inert). */
export function workerConfigFrom(data: unknown): WorkerRunnerConfig | undefined {
  const c = data as Partial<WorkerRunnerConfig> | undefined;
  if (typeof c !== 'object' || c === null || typeof c.fd !== 'number' || typeof c.parentTask !== 'number' || typeof c.typeScript !== 'boolean') return undefined;
  if (!(c.ids instanceof SharedArrayBuffer) || !(c.writes instanceof SharedArrayBuffer) || !Array.isArray(c.clockStart)) return undefined;
  if (!(c.channel?.control instanceof SharedArrayBuffer) || !(c.channel.buffer instanceof SharedArrayBuffer)) return undefined;
  if (!Array.isArray(c.ancestors) || !c.ancestors.every((a) => a instanceof SharedArrayBuffer)) return undefined;
  return c as WorkerRunnerConfig;
}
