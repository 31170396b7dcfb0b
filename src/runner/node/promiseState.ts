// Reads a promise's state without attaching handlers (a handler would change whether an
// unhandled rejection crashes the program). V8's own %PromiseStatus is fast (gone from V8 13, Node
// 24, where Node's own getPromiseDetails answers); util.inspect is the portable fallback and is
// also how a rejection's reason is read.
import * as v8 from 'node:v8';
import { inspect } from 'node:util';
import type { EndState } from '../../trace/events';
import { describeError, errorDetails, firstUserFrame, hasCauseGetter } from './errors';
import { internalBinding } from './nodeInternals';

export interface PromiseOutcome {
  state: EndState | 'pending';
  message: string;
  site: string;
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const INSPECT_OPTIONS = { depth: 1, customInspect: false, showProxy: false, breakLength: Infinity, maxStringLength: 500, maxArrayLength: 0 };

/** %PromiseStatus compiled once with natives syntax switched on just for that, then off again. */
function nativeStatus(): ((p: Promise<unknown>) => number) | undefined {
  try {
    v8.setFlagsFromString('--allow-natives-syntax');
    const status = new Function('p', 'return %PromiseStatus(p)') as (p: Promise<unknown>) => number;
    return status(Promise.resolve()) === FULFILLED ? status : undefined;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-allow-natives-syntax');
  }
}

/** Node's getPromiseDetails ([state, result]), where the runner reaches Node's util binding. */
function promiseDetails(): ((p: Promise<unknown>) => unknown[]) | undefined {
  const details = (internalBinding('util') as { getPromiseDetails?: (p: Promise<unknown>) => unknown[] } | undefined)?.getPromiseDetails;
  return typeof details === 'function' ? details : undefined;
}

/** The same from Node's util binding, where V8 has no %PromiseStatus (Node 24). */
function detailsStatus(): ((p: Promise<unknown>) => number) | undefined {
  const details = promiseDetails();
  if (details === undefined) return undefined;
  const status = (p: Promise<unknown>): number => details(p)[0] as number;
  try {
    return status(Promise.resolve()) === FULFILLED && status(new Promise(() => undefined)) === PENDING ? status : undefined;
  } catch {
    return undefined;
  }
}

const status = nativeStatus() ?? detailsStatus();
// Shared answers for the common states: no allocation per task end.
const PENDING_OUTCOME: PromiseOutcome = Object.freeze({ state: 'pending', message: '', site: '' });
const RESOLVED_OUTCOME: PromiseOutcome = Object.freeze({ state: 'resolved', message: '', site: '' });

export function promiseState(promise: Promise<unknown>): PromiseOutcome {
  if (status !== undefined) {
    const s = status(promise);
    if (s === PENDING) return PENDING_OUTCOME;
    if (s === FULFILLED) return RESOLVED_OUTCOME;
  }
  return inspectState(promise);
}

/** Rejected, with the reason not read yet (see unreadOutcome). */
export const REJECTED_UNREAD: PromiseOutcome = Object.freeze({ state: 'rejected', message: '', site: '' });

/**
 * The state without reading a rejection's reason (formatting an error's stack is not undone);
 * where the state cannot be read cheaply, the whole outcome.
 */
export function unreadOutcome(promise: Promise<unknown>): PromiseOutcome {
  if (status === undefined) return inspectState(promise);
  const s = status(promise);
  return s === PENDING ? PENDING_OUTCOME : s === FULFILLED ? RESOLVED_OUTCOME : s === REJECTED ? REJECTED_UNREAD : inspectState(promise);
}

/** Whether the promise has settled, when that is cheap to know; false when it is not (the caller then assumes pending). */
export function knownSettled(promise: Promise<unknown>): boolean {
  return status !== undefined && status(promise) !== PENDING;
}

function inspectState(promise: Promise<unknown>): PromiseOutcome {
  const rejection = rejectionReason(promise);
  // util.inspect reads an error's cause (to shorten its stack), running a getter there: the program's code
  if (hasCauseGetter(rejection)) return { state: 'rejected', ...describeError(rejection) };
  let text: string;
  try {
    text = inspect(promise, INSPECT_OPTIONS);
  } catch {
    return REJECTED_UNREAD; // formatting its error's stack threw (the program's Error.prepareStackTrace): nothing more is known
  }
  const m = /^Promise \{\s*(<pending>|<rejected>)?/.exec(text);
  if (m?.[1] === '<pending>') return PENDING_OUTCOME;
  if (m?.[1] !== '<rejected>') return RESOLVED_OUTCOME;
  // (an error that refers to itself, its cause one, is headed "<ref *1> Error: …")
  const reason = text.slice(m[0].length).trimStart().replace(/^<ref \*\d+> /, '');
  const firstLine = reason.split('\n')[0].replace(/,?\s*(\[Symbol\(.*)?\}?$/, '').trim();
  // fetch's abort is a DOMException, bracketed where it has no stack frames (Node 24's)
  const cancelled = /^\[?(DOMException )?\[?(AbortError|TimeoutError)\b/.test(firstLine);
  // An error without stack frames is shown bracketed, its own properties after it on the same line
  // ("[AggregateError: All promises were rejected] { [errors]: [Array] }"): the message is the brackets' inside.
  const message = firstLine.replace(/^\[(.*)\](?: \{ .* \})?$/, '$1');
  return { state: cancelled ? 'cancelled' : 'rejected', message: /\[(cause|errors)\]: /.test(reason) ? message + errorDetails(rejection) : message, site: firstUserFrame(reason) };
}

/** What a fulfilled promise holds, where Node's util binding tells it; undefined otherwise. */
export function fulfilledValue(promise: Promise<unknown>): unknown {
  return settledWith(promise, FULFILLED);
}

/** A rejected promise's reason, where Node's util binding tells it (inspect shows an error's cause as `[Error]`, its errors as `[Array]`). */
function rejectionReason(promise: Promise<unknown>): unknown {
  return settledWith(promise, REJECTED);
}

/** What a promise that has settled as `state` (FULFILLED or REJECTED) holds; undefined if it has not, or Node does not tell. */
function settledWith(promise: Promise<unknown>, state: number): unknown {
  try {
    const details = promiseDetails()?.(promise);
    return details?.[0] === state ? details[1] : undefined;
  } catch {
    return undefined;
  }
}
