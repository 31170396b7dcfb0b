// What a native handle's state says, read without letting a getter's throw out: whether it has
// closed, and how it ended (a stream's error, a child process's exit code or signal).
import { inspect } from 'node:util';
import type { EndState } from '../../trace/events';
import { describeError } from './errors';
import type { ChildProcessLike, ClientRequestResource, IoResource } from './names';

/** The symbol under which Node's native handles keep the JS object they serve (a zlib stream). */
let ownerSymbol: symbol | undefined;

/** What a handle's JS object may say of it: a stream's `closed`, a ChildProcess's spawn and close counts. */
export interface HandleOwner extends ChildProcessLike {
  closed?: unknown;
  /** The error a stream (a socket) was destroyed with, if any. */
  errored?: unknown;
  /** A zlib stream's handle, null once closed (at once by a synchronous call: gzipSync). */
  _handle?: unknown;
  _closesGot?: unknown;
  _closesNeeded?: unknown;
  exitCode?: unknown;
  signalCode?: unknown;
}

export function jsObjectOf(handle: IoResource): HandleOwner | undefined {
  ownerSymbol ??= Object.getOwnPropertySymbols(handle).find((s) => s.description === 'owner_symbol');
  return ownerSymbol === undefined ? undefined : (handle as Record<symbol, HandleOwner | undefined>)[ownerSymbol];
}

/**
 * Whether a child process has closed: exited, and its stdio pipes closed (as its 'close' event
 * counts them; undefined if the ChildProcess does not keep those counts).
 */
export function childProcessClosed(child: HandleOwner): boolean | undefined {
  const got = child._closesGot;
  const needed = child._closesNeeded;
  return typeof got === 'number' && typeof needed === 'number' ? got >= needed : undefined;
}

export const CLOSED: [EndState, string] = ['resolved', 'closed'];
export const RESOLVED: [EndState, string] = ['resolved', ''];

/**
 * How a stream's handle ended: rejected with the error its stream was destroyed with (a connection
 * reset), else `otherwise`. fetch (undici) destroys its sockets with an error for closes that are
 * no failure: the server closing a kept-alive connection, its idle timeout, a request aborted.
 */
export function streamEnd(handle: IoResource | undefined, otherwise: [EndState, string]): [EndState, string] {
  const error = handle === undefined ? undefined : streamError(handle);
  if (!error) return otherwise;
  return isOrdinaryClose(error) ? ['resolved', `closed: ${(error as Error).message}`] : ['rejected', describeError(error).message];
}

/** undici's errors for a socket closed as connections are: by the other side, or for information only (idle timeout, aborted). */
function isOrdinaryClose(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'UND_ERR_INFO' || (code === 'UND_ERR_SOCKET' && message === 'other side closed');
}

/** The error the stream a handle serves was destroyed with, if any (read without letting a getter's throw out). */
function streamError(handle: IoResource): unknown {
  try {
    return jsObjectOf(handle)?.errored;
  } catch {
    return undefined;
  }
}

/** How a child process that has closed ended: its exit code, or the signal that killed it. */
export function childProcessEnd(child: HandleOwner): [EndState, string] {
  if (typeof child.signalCode === 'string') return ['cancelled', `killed by ${child.signalCode}`];
  if (typeof child.exitCode === 'number') return [child.exitCode === 0 ? 'resolved' : 'rejected', `exit code ${child.exitCode}`];
  return CLOSED;
}

/**
 * Whether an HTTP parser's resource is done: a server's (HTTPINCOMINGMESSAGE, one per connection)
 * once its socket is destroyed, a client request's once the request or its socket is (a request
 * that failed is not destroyed).
 */
function httpDone(resource: IoResource): boolean {
  const { socket, req } = resource as { socket?: { destroyed?: unknown } } & ClientRequestResource;
  return socket?.destroyed === true || req?.destroyed === true || req?.socket?.destroyed === true;
}

/** Whether a handle is an HTTP client's request (ClientRequests' task, or its parser's resource). */
export function isClientRequest(handle: IoResource): handle is IoResource & ClientRequestResource {
  return (handle as ClientRequestResource).req !== undefined;
}

/** How an HTTP client's request that is done ended: with its response's status, if one came. */
export function clientRequestEnd(resource: ClientRequestResource): [EndState, string] {
  const status = resource.req?.res?.statusCode;
  return typeof status === 'number' ? ['resolved', `status ${status}`] : CLOSED;
}

/**
 * Node's own inspector of MessagePorts, taken before the program runs: the one place that says
 * whether a port is still open (its public hasRef() answers false for a closed port and for an
 * open one nothing listens to alike).
 */
const MessagePortClass = globalThis.MessagePort;
const inspectMessagePort = (MessagePortClass?.prototype as unknown as Record<symbol, unknown> | undefined)?.[inspect.custom];

/** Whether a MessagePort (a MessageChannel's) is open; undefined for any other handle. */
function messagePortActive(handle: IoResource): boolean | undefined {
  if (typeof inspectMessagePort !== 'function' || !(handle instanceof MessagePortClass)) return undefined;
  const shown = (inspectMessagePort as (depth: number, options: object, inspectFn: typeof inspect) => unknown).call(handle, 0, {}, inspect);
  const active = (shown as { active?: unknown } | undefined)?.active;
  return typeof active === 'boolean' ? active : undefined;
}

/**
 * Whether a closed handle will run no callback more: its native handle is gone (hasRef() answers
 * nothing), or it has none (an HTTP parser's resource, zlib's, done once their stream is).
 */
export function isGone(handle: IoResource): boolean {
  try {
    return typeof handle.hasRef !== 'function' || handle.hasRef() === undefined;
  } catch {
    return false;
  }
}

/**
 * Whether a handle has closed. Node's hasRef() answers true or false for a live handle, referenced
 * or not, false in its close callback, and nothing once it is gone; a handle without one (zlib's)
 * has closed when the stream it serves has, or has let go of it (gzipSync, at once), and an HTTP
 * parser's resource when its socket or request is done. A handle asked to close has no file
 * descriptor, but its close callback (a socket's 'close' event) is still to run: closed only once
 * hasRef() stops answering true (an unreferenced one, once it is asked to close).
 */
export function isClosed(handle: IoResource): boolean {
  try {
    const portActive = messagePortActive(handle);
    if (portActive !== undefined) return !portActive;
    const noDescriptor = typeof handle.fd === 'number' && handle.fd < 0;
    if (typeof handle.hasRef !== 'function') {
      const owner = jsObjectOf(handle);
      return noDescriptor || owner?.closed === true || owner?._handle === null || httpDone(handle);
    }
    const ref = handle.hasRef();
    return ref === undefined || (ref === false && noDescriptor);
  } catch {
    return false;
  }
}
