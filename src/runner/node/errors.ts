// Describes a thrown value without running any of its code (no getters, no toString overrides).
import { isPackageFile } from './callFrames';

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

/**
 * "file:line:column" of the first stack line outside Node's own code, and outside installed
 * packages when the project's own code is on the stack (an error a library throws is placed at
 * the user's call of it).
 */
export function firstUserFrame(stack: string): string {
  let packageFrame = '';
  for (const line of stack.split('\n')) {
    const m = /^\s*at (?:.*\()?([^()]+:\d+:\d+)\)?\s*$/.exec(line);
    if (!m || m[1].startsWith('node:')) continue;
    if (!isPackageFile(m[1])) return m[1];
    packageFrame ||= m[1];
  }
  return packageFrame;
}
