// Durations, file sizes and task ends in words, shared by the CLI summary, the host and the webview (pure, no Node imports).

/** Microseconds as "412 µs", "12.3 ms" or "1.25 s". */
export function formatDuration(us: number): string {
  if (us < 1000) return `${us.toFixed(0)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** A file's size, as a person reads it: "12 MB", "1.4 GB". */
export function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${Math.round(n / 1024 ** 2)} MB`;
}

/**
 * How a task ended, in words: its state, then its message, unless the message says the state
 * itself (a Python task's `cancelled by main`, which read `cancelled: cancelled by main`).
 */
export function endWords(state: string, message: string): string {
  if (!message) return state;
  return message.startsWith(state) ? message : `${state}: ${message}`;
}
