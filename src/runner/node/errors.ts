// Describes a thrown value without running any of its code (no toString overrides).
import { types } from 'node:util';
import { isPackageFile } from './callFrames';

/**
 * An error as V8 heads its stack (`TypeError: bad input`, `Error` with no message), and where it
 * was thrown; nothing for one that cannot be read (a Proxy whose traps throw).
 */
export function describeError(err: unknown): { message: string; site: string } {
  try {
    if (err instanceof Error || types.isNativeError(err)) {
      const name = safeString(err.name);
      const message = safeString(err.message);
      return { message: name && message ? `${name}: ${message}` : name || message, site: firstUserFrame(stackOf(err)) };
    }
    return { message: typeof err === 'string' ? err : Object.prototype.toString.call(err), site: '' };
  } catch {
    return { message: '', site: '' };
  }
}

/** The error's stack, '' when it has none or formatting it fails (the program's Error.prepareStackTrace runs as it is first read). */
function stackOf(err: Error): string {
  try {
    return typeof err.stack === 'string' ? err.stack : '';
  } catch {
    return ''; // its message is still worth telling
  }
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
