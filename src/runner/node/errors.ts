// Describes a thrown value without running any of its code (no getters, no toString overrides).

export function describeError(err: unknown): { message: string; site: string } {
  if (err instanceof Error) {
    const stack = typeof err.stack === 'string' ? err.stack : '';
    return { message: `${safeString(err.name)}: ${safeString(err.message)}`, site: firstUserFrame(stack) };
  }
  return { message: typeof err === 'string' ? err : Object.prototype.toString.call(err), site: '' };
}

function safeString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** "file:line:column" of the first stack line outside Node's own code. */
export function firstUserFrame(stack: string): string {
  for (const line of stack.split('\n')) {
    const m = /^\s*at (?:.*\()?([^()]+:\d+:\d+)\)?\s*$/.exec(line);
    if (m && !m[1].startsWith('node:')) return m[1];
  }
  return '';
}
