// What each async_hooks resource type is to the task model: folded into its maker, a task of its
// own, one-shot or repeating, the user's or Node's own.
import { AsyncResource } from 'node:async_hooks';
import type { TaskKind } from '../../trace/events';
import type { CallSiteInfo } from './callSiteInfo';
import { isCryptoJob, NODE_TEST_TYPE } from './names';

/**
 * Resources whose callbacks are part of the task that made them, never tasks of their own: a
 * directory's handle, a Blob's reader, an event loop delay monitor and an HTTP/2 request waiting
 * for its session among them, which end with no callback or state that says so.
 */
export const FOLDED_TYPES = new Set(['TickObject', 'Microtask', 'WRITEWRAP', 'SHUTDOWNWRAP', 'FILEHANDLECLOSEREQ', 'FSREQPROMISE', 'QUERYWRAP', 'DNSCHANNEL', 'TTYWRAP', 'DIRHANDLE', 'BLOBREADER', 'ELDHISTOGRAM', 'PendingRequest']);
/**
 * Resources whose callbacks Node runs only from inside another callback: the AsyncResource Node
 * 22+ binds a stream's end-of-stream callback to (stream.finished's, which Node 20 called
 * unbound). Not followed, so its callback is the work of the callback that calls it, as it was.
 */
export const PASS_THROUGH_TYPES = new Set(['STREAM_END_OF_STREAM']);
/**
 * I/O a user asked for even when Node's own code made the handle (a connect inside net.connect, the
 * parser of an http.get's response, made once its socket is there).
 */
const USER_VISIBLE_TYPES = new Set(['TCPCONNECTWRAP', 'TCPWRAP', 'TCPSERVERWRAP', 'PIPECONNECTWRAP', 'PIPESERVERWRAP', 'GETADDRINFOREQWRAP', 'FSREQCALLBACK', 'UDPWRAP', 'HTTPCLIENTREQUEST']);
/** Requests a promise helper makes for its own work (fs.promises.rm's, dns.promises.lookup's): part of it. */
export const HELPER_REQUEST_TYPES = new Set(['FSREQCALLBACK', 'GETADDRINFOREQWRAP']);
/** Resources that end after their single callback (and crypto's jobs). */
const ONE_SHOT_TYPES = new Set(['Timeout', 'Immediate', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP', 'FSREQCALLBACK', 'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'UDPSENDWRAP', 'HTTP2PING', 'HTTP2SETTINGS']);
/** Node modules whose timers are the user's own (setTimeout, AbortSignal.timeout); others' are Node's housekeeping (HTTP's date cache). */
const USER_TIMER_MODULES = new Set(['timers', 'abort_controller']);
export const TIMER_TYPES = new Set(['Timeout', 'Immediate']);

/** A task of a timer's kind: setTimeout's or setImmediate's (their callback or their promise form). */
export function isTimerKind(task: { kind: TaskKind }): boolean {
  return task.kind === 'timer' || task.kind === 'immediate';
}
/** Sockets and servers: the work a program waits for over one is a request, not the connection. */
const CONNECTION_TYPES = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'TLSWRAP', 'UDPWRAP', 'TTYWRAP']);

/**
 * Work a promise around the call waits for (see Awaits.workMade): I/O of the program's, but not a
 * connection, nor the lookup Node makes for one (`http.get`'s, `server.listen(0, 'localhost')`'s),
 * which ends long before the response or the listening that settles such a promise.
 */
export function isAwaitableWork(type: string, info: CallSiteInfo): boolean {
  return !CONNECTION_TYPES.has(type) && (type !== 'GETADDRINFOREQWRAP' || info.module === 'dns');
}

export function taskKindOf(type: string, resource: object): TaskKind {
  if (type === 'Timeout') return 'timer';
  if (type === 'Immediate') return 'immediate';
  return isProgramAsyncResource(type, resource) ? 'callback' : 'io';
}

/**
 * An AsyncResource a package or the program made (body-parser's for its callback, a connection
 * pool's for a query's): callbacks it runs in the context of the task that made it, as often as
 * it likes, with no end anything but a destroy hook is told of. (node:test's tests are AsyncResources too.)
 * So is a native addon's work (Node-API async work, classic-level's `classic_level.db.put`), whose
 * resource Node-API makes as an empty plain object: Node's own resources are objects of their classes.
 */
function isProgramAsyncResource(type: string, resource: object): boolean {
  return resource instanceof AsyncResource ? type !== NODE_TEST_TYPE : Object.getPrototypeOf(resource) === Object.prototype;
}

/** Ends after its one callback; `repeats`: a Timeout made by setInterval. */
export function isOneShot(type: string, repeats: boolean): boolean {
  return (ONE_SHOT_TYPES.has(type) || isCryptoJob(type)) && !(type === 'Timeout' && repeats);
}

/**
 * Node's own work rather than the script's: made where no user code called it, or inside a
 * helper, unless it is I/O the user asked for (but a helper's own request, its file request or
 * lookup, is the helper); or a timer a Node module set.
 */
export function isNodesOwn(type: string, info: CallSiteInfo, inHelper: boolean): boolean {
  const askedFor = USER_VISIBLE_TYPES.has(type) && !(inHelper && HELPER_REQUEST_TYPES.has(type));
  if ((info.shape === 'none' || inHelper) && !askedFor) return true;
  return type === 'Timeout' && info.shape === 'internal' && !USER_TIMER_MODULES.has(info.module);
}
