// Describes a thrown value without running any of its code (no toString overrides).
import { types } from 'node:util';
import { isPackageFile } from './callFrames';

/**
 * An error as V8 heads its stack (`TypeError: bad input`, `Error` with no message), and where it
 * was thrown; nothing for one that cannot be read (a Proxy whose traps throw).
 */
export function describeError(err: unknown): { message: string; site: string } {
  try {
    if (isError(err)) return { message: headline(err) + errorDetails(err), site: firstUserFrame(stackOf(err)) };
    return { message: typeof err === 'string' ? err : Object.prototype.toString.call(err), site: '' };
  } catch {
    return { message: '', site: '' };
  }
}

/** How many causes deep, and how many grouped errors, an end message tells (Node prints them all; a lane's label has less room). */
const MAX_CAUSES = 3;
const MAX_MEMBERS = 3;

/** What an end message adds to an error's headline: the errors it groups, then its cause chain. */
export function errorDetails(err: unknown): string {
  return membersOf(err) + causesOf(err);
}

/**
 * The errors an error groups (an AggregateError's, Promise.any's one for each promise), as an end
 * message tells them: " [Error: first; Error: second]"; '' for an error grouping none.
 */
function membersOf(err: unknown): string {
  const told: string[] = [];
  let count = 0;
  try {
    const errors = ownData(err, 'errors');
    if (!Array.isArray(errors)) return '';
    count = errors.length;
    for (let i = 0; i < count && told.length < MAX_MEMBERS; i++) told.push(summary(ownData(errors, String(i))));
  } catch {
    // a Proxy's trap threw: what was read so far stands
  }
  if (told.length === 0) return '';
  return ` [${told.join('; ')}${count > told.length ? `; …${count - told.length} more` : ''}]`;
}

/**
 * The error's `cause` chain as an end message tells it, " (caused by Error: connect
 * ECONNREFUSED 127.0.0.1:9)", or '' when it has none: fetch's "fetch failed" says nothing more.
 * Only causes stored as data are read (a getter is the program's code) and only those that say
 * something (an error, a string, a number); a chain that loops stops where it does.
 */
function causesOf(err: unknown): string {
  const told: string[] = [];
  const seen = new Set<unknown>([err]);
  try {
    for (let effect = err, cause = ownData(err, 'cause'); told.length < MAX_CAUSES && !seen.has(cause); effect = cause, cause = ownData(cause, 'cause')) {
      seen.add(cause);
      const said = summary(cause);
      if (!said || isRepeatedAbort(effect, cause)) break;
      told.push(said);
    }
  } catch {
    // a Proxy's trap threw: what was read so far stands
  }
  return told.length === 0 ? '' : ` (caused by ${told.join('; caused by ')})`;
}

/**
 * An AbortError caused by another: Node's abortable calls reject with an AbortError whose cause is
 * the signal's reason, by default an AbortError of its own ("This operation was aborted"), which
 * says nothing more; a reason the program gave (`ac.abort(new Error('user left'))`) does.
 */
function isRepeatedAbort(effect: unknown, cause: unknown): boolean {
  return isError(effect) && isError(cause) && effect.name === 'AbortError' && cause.name === 'AbortError';
}

/** Whether the value is an object whose own `cause` is an accessor: reading it runs the program's code. */
export function hasCauseGetter(value: unknown): boolean {
  try {
    const descriptor = typeof value === 'object' && value !== null ? Object.getOwnPropertyDescriptor(value, 'cause') : undefined;
    return descriptor !== undefined && !('value' in descriptor);
  } catch {
    return false; // a Proxy's trap threw: inspect does not show proxies' insides
  }
}

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** An error's headline, a string or a number as it is; '' for what says nothing read this way (an object). */
function summary(value: unknown): string {
  if (isError(value)) return headline(value);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** `TypeError: bad input` as V8 heads an error's stack; `Error` with no message. */
function headline(err: Error): string {
  const name = safeString(err.name);
  const message = safeString(err.message);
  return name && message ? `${name}: ${message}` : name || message;
}

function ownData(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(value, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
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
