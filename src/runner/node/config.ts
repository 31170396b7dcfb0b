// The one environment variable that carries the launcher's instructions to the runner.

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
}

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
    return c as RunnerConfig;
  } catch {
    return undefined;
  }
}
