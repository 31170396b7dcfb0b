// Names a user would recognise for the tasks the runner creates.
import { AsyncResource, executionAsyncResource } from 'node:async_hooks';
import type { CallSiteInfo } from './callSiteInfo';
import { calleeAt, importedAt } from './functionSource';

/** The fields of Node's timer and handle objects that name them (none are guaranteed: read defensively). */
export interface IoResource extends ClientRequestResource {
  /** A crypto job's completion callback, set when the job runs asynchronously. */
  ondone?: unknown;
  /** A tick's callback, and a queueMicrotask's once queued. */
  callback?: unknown;
  /** A timer's and an immediate's callbacks. */
  _onTimeout?: unknown;
  _onImmediate?: unknown;
  _idleTimeout?: number;
  _repeat?: number | null;
  _destroyed?: boolean;
  /** A stream handle's file descriptor: negative once closed. */
  fd?: number;
  /** Whether the handle keeps the loop alive; answers nothing once it has closed. */
  hasRef?: () => boolean | undefined;
  address?: string;
  port?: number;
  getpeername?: (out: { address?: string; port?: number }) => number;
  getsockname?: (out: { address?: string; port?: number }) => number;
}

const MODULE_NAMES: Record<string, string> = {
  'fs/promises': 'fs',
  'timers/promises': 'timers',
  'dns/promises': 'dns',
  'stream/promises': 'stream',
  'readline/promises': 'readline',
  abort_controller: 'AbortSignal',
  _http_server: 'http',
  _http_outgoing: 'http',
  _http_client: 'http',
  _http_agent: 'http',
};

/** Node's function that runs the user's `import()`, a helper named as the user wrote it. */
const IMPORT_API = 'importModuleDynamicallyCallback';
const IMPORT = 'import(';

/**
 * A helper that is the user's own syntax (`import('./plugin.mjs')`): what settles its insides (a
 * message from Node's loader thread, the callback its microtasks happen to follow) is no answer to
 * what its waiter waited for; the wait is for the helper itself.
 */
export function isSyntax(name: string): boolean {
  return name.startsWith(IMPORT);
}

/** Names of dynamic imports, by site: read from the source once each. */
const importNames = new Map<string, string>();

/** `import('node:path')` as the source at `site` writes it; `import()` where it gives no plain string. */
function importName(site: string): string {
  let name = importNames.get(site);
  if (name === undefined) {
    const specifier = importedAt(site);
    name = specifier ? `${IMPORT}'${specifier}')` : `${IMPORT})`;
    if (importNames.size < MAX_LOOP_SITES) importNames.set(site, name);
  }
  return name;
}

/** Where Node keeps the web platform's globals (fetch and its Response, in undici): named as the globals are. */
const WEB_MODULES = /^(bootstrap\/|deps\/undici\/)/;

/** The methods of the async iterator events.on() returns, which `for await` calls. */
const ON_ITERATOR_METHODS = new Set(['next', 'return', 'throw']);

/**
 * A step of `for await (… of on(emitter, name))`, or of a readline interface (which iterates so):
 * what the loop waits for, but no task the programmer started (a file read by lines would make
 * one per line).
 */
export function isIteratorStep(info: CallSiteInfo): boolean {
  return info.module === 'events' && ON_ITERATOR_METHODS.has(info.api);
}

/**
 * A step of `for await` over a Node stream, where Node iterates one with an iterator object of its
 * own (Node 26; an async generator before), or over a web ReadableStream (a fetch Response's body;
 * an object literal's methods before Node 26, ReadableStreamAsyncIterator's since): no task, as no
 * loop's step is; a wait for it is for what wakes it (the file read that fed the chunk, the
 * stream's pull that enqueued it).
 */
export function isStreamIteratorStep(info: CallSiteInfo): boolean {
  if (info.module === 'streams/readable') return ON_ITERATOR_METHODS.has(info.api);
  return info.module === 'webstreams/readablestream' && WEB_STREAM_ITERATOR_METHODS.has(info.api);
}
const WEB_STREAM_ITERATOR_METHODS = new Set(['next', 'return', 'ReadableStreamAsyncIterator.next', 'ReadableStreamAsyncIterator.return']);

/**
 * A call of node:test's `test()`, `describe()`, `it()` or `t.test()`: its promise settles on its
 * own schedule, while the test itself is a task of its own (its Test resource's; see NODE_TEST_TYPE).
 */
export function isTestCall(info: CallSiteInfo): boolean {
  return info.module.startsWith('test_runner');
}

/**
 * A promise Node's `require()` makes while loading an ES module for it (require(esm), Node 20.19+):
 * the load is synchronous and settles inside the call, no helper the program can await.
 */
export function isRequireWork(info: CallSiteInfo): boolean {
  return info.api === 'require' && info.module.startsWith('modules/');
}

/** Lines (file:line) where a `for await` over a readline interface starts (see readlineLoops.ts). */
const readlineLoops = new Set<string>();
/** iteratorStepName's answers by the step's site: it runs for every line a loop reads. */
const stepNames = new Map<string, string>();
const MAX_LOOP_SITES = 4096;

/** "file:line" of a "file:line:column" site: a loop's iterator is made and stepped at different columns. */
function lineOf(site: string): string {
  return site.slice(0, site.lastIndexOf(':'));
}

export function noteReadlineLoop(site: string): void {
  if (readlineLoops.size < MAX_LOOP_SITES) readlineLoops.add(lineOf(site));
}

/** What a step of `for await` over events.on waits for: `readline` for a readline interface's next line. */
export function iteratorStepName(info: CallSiteInfo): string {
  if (readlineLoops.size === 0) return opName(info);
  let name = stepNames.get(info.site);
  if (name === undefined) {
    name = readlineLoops.has(lineOf(info.site)) ? 'readline' : opName(info);
    if (stepNames.size < MAX_LOOP_SITES) stepNames.set(info.site, name);
  }
  return name;
}

/** The functions Node's own modules export promisified (fs/promises' opendir), by the name the program calls them. */
const PROMISIFIED_BY_NODE = new Map([['opendir', 'fs.opendir']]);

/** Op names made so far, by module and API: every `events.once` would build its name anew. */
const opNames = new Map<string, Map<string, string>>();
const MAX_APIS_PER_MODULE = 1024;

/** "fs.readFile", "events.once": a Node API called from user code. */
export function opName(info: CallSiteInfo): string {
  if (info.api === '' && info.module === 'util') return unnamedPromisifiedName(info.site);
  if (info.api === IMPORT_API) return importName(info.site);
  let byApi = opNames.get(info.module);
  if (byApi === undefined) opNames.set(info.module, (byApi = new Map()));
  let name = byApi.get(info.api);
  if (name === undefined) {
    const module = MODULE_NAMES[info.module] ?? info.module.replace(/\.js$/, '').split('/')[0];
    if (WEB_MODULES.test(info.module) && info.api) name = info.api; // globals: fetch, Response.text
    else if (isIteratorStep(info)) name = 'events.on';
    else if (module === 'util' && PROMISIFIED_BY_NODE.has(info.api)) name = PROMISIFIED_BY_NODE.get(info.api)!;
    else if (module === 'util' || info.api.includes('.')) name = info.api; // a promisified function by its own name; a method by its class: FileHandle.write
    else name = info.api ? `${module}.${info.api}` : module; // an anonymous wrapper (a promisified exec) leaves the module
    if (byApi.size < MAX_APIS_PER_MODULE) byApi.set(info.api, name);
  }
  return name;
}

/** Names of promisified functions without names of their own, by call site: read from the source once each. */
const promisifiedNames = new Map<string, string>();

/** A promisified function with no name of its own (`promisify((ms, cb) => …)`): as the program calls it. */
function unnamedPromisifiedName(site: string): string {
  let name = promisifiedNames.get(site);
  if (name === undefined) {
    name = calleeAt(site) || 'util.promisify';
    if (promisifiedNames.size < MAX_LOOP_SITES) promisifiedNames.set(site, name);
  }
  return name;
}

/**
 * Timer names made so far, by creation site, then delay and whether the timer repeats. The encoder
 * interns names, and a string made anew for every timer costs a fresh hash every time.
 */
const timerNames = new Map<number, Map<number, string>>();
const MAX_DELAYS_PER_SITE = 1024;

export function timerName(info: CallSiteInfo, timer: IoResource): string {
  const ms = typeof timer._idleTimeout === 'number' && timer._idleTimeout >= 0 ? timer._idleTimeout : 0;
  const repeats = typeof timer._repeat === 'number';
  let byDelay = timerNames.get(info.code);
  if (byDelay === undefined) timerNames.set(info.code, (byDelay = new Map()));
  const key = ms * 2 + (repeats ? 1 : 0);
  let name = byDelay.get(key);
  if (name === undefined) {
    const api = info.api === 'setTimeout' || info.api === 'setInterval' ? info.api : info.shape === 'internal' ? opName(info) : repeats ? 'setInterval' : 'setTimeout';
    name = `${api} ${formatMs(ms)} ms`;
    if (byDelay.size < MAX_DELAYS_PER_SITE) byDelay.set(key, name);
  }
  return name;
}

/** A delay as a name shows it: three significant digits, whole milliseconds from 100 up ("75.4", "2.5", "1235"). */
function formatMs(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : String(Number(ms.toPrecision(3)));
}

/** A server's task (TCP or pipe), by its name. */
export function isServer(name: string): boolean {
  return name.startsWith('TCP server') || name.startsWith('pipe server');
}

/** A child process's task's name until it is spawned, and the start of its name after. */
export const CHILD_PROCESS = 'child process';
export const ZLIB = 'zlib';
/**
 * What Node names a promisified exec or execFile, whose promise waits for the child it starts:
 * the module's anonymous function on Node 20, named after the function it wraps from Node 22.
 */
export const PROMISIFIED_EXEC = /^child_process(?:\.exec|\.execFile)?$/;
/** What Node names every promisified one-call zlib function (zlib.gzip, zlib.inflate, …). */
export const ZLIB_BUFFER_WRAPPER = 'asyncBufferWrapper';
/** A TCP socket's task's name until it is connected, and the start of its name after (its peer). */
export const TCP_SOCKET = 'TCP socket';
/** The same for a TLS socket (the TLS layer over a TCP socket). */
export const TLS_SOCKET = 'TLS socket';

/** A host name's lookup, one the program asked for or one Node makes for a connection or server. */
export const DNS_LOOKUP = 'dns.lookup';

/** The process's own stdin, a task once the program reads it. */
export const STDIN = 'stdin';
/** A connection's requests to an HTTP server, as Node parses them. */
export const HTTP_REQUEST = 'HTTP request';
/** An HTTP client's request whose parser holds no request to name it by. */
const HTTP_CLIENT_REQUEST = 'HTTP client request';

/** A socket or stdin, whose callbacks are reads of what came in (a wait one ends reads "read TCP socket …"). */
export function isReadable(name: string): boolean {
  return name.startsWith(TCP_SOCKET) || name.startsWith(TLS_SOCKET) || name === STDIN;
}

const INITIAL_NAMES: Record<string, string> = {
  TCPCONNECTWRAP: 'TCP connect',
  TCPWRAP: TCP_SOCKET,
  TLSWRAP: TLS_SOCKET,
  TCPSERVERWRAP: 'TCP server',
  PIPECONNECTWRAP: 'pipe connect',
  PIPEWRAP: 'pipe',
  PIPESERVERWRAP: 'pipe server',
  GETADDRINFOREQWRAP: DNS_LOOKUP,
  GETNAMEINFOREQWRAP: 'dns.lookupService',
  FSEVENTWRAP: 'fs.watch',
  PROCESSWRAP: CHILD_PROCESS,
  SIGNALWRAP: 'signal',
  UDPWRAP: 'UDP socket',
  JSUDPWRAP: 'UDP socket',
  UDPSENDWRAP: 'UDP send',
  STATWATCHER: 'fs.watchFile',
  HTTP2SESSION: 'HTTP/2 session',
  HTTP2STREAM: 'HTTP/2 stream',
  HTTP2PING: 'HTTP/2 ping',
  HTTP2SETTINGS: 'HTTP/2 settings',
  STREAMPIPE: 'stream pipe',
  JSSTREAM: 'JS stream',
  HTTPINCOMINGMESSAGE: HTTP_REQUEST,
  FILEHANDLE: 'FileHandle',
  WORKER: 'Worker',
  MESSAGEPORT: 'MessagePort',
  ZLIB,
};

/** An AsyncResource by its type; AsyncResource.bind's for an anonymous function ('bound-anonymous-fn') by that call. */
export function asyncResourceName(type: string): string {
  return type === 'bound-anonymous-fn' ? 'AsyncResource.bind' : type;
}

/**
 * One of crypto's jobs on Node's thread pool (PBKDF2REQUEST, SCRYPTREQUEST, …): one callback each.
 * Not a package's AsyncResource named alike (undici's UNDICI_REQUEST, which calls back many times).
 */
export function isCryptoJob(type: string): boolean {
  return CRYPTO_JOB.test(type) && type !== 'HTTPCLIENTREQUEST';
}

const CRYPTO_JOB = /^[A-Z0-9]+REQUEST$/;

/** The fields of a ChildProcess that say what it runs. */
export interface ChildProcessLike {
  spawnargs?: unknown;
}

const MAX_COMMAND_CHARS = 80;

/** `child process sh -c "echo hi"`: the command a child process runs, once it is spawned. */
export function childProcessName(child: ChildProcessLike | undefined): string | undefined {
  const args = child?.spawnargs;
  if (!Array.isArray(args) || args.length === 0) return undefined;
  const words = args.map((arg: unknown, i) => {
    const word = String(arg);
    const shown = i === 0 ? word.slice(word.lastIndexOf('/') + 1) : word;
    return /^[\w@%+=:,./-]+$/.test(shown) ? shown : JSON.stringify(shown);
  });
  const command = words.join(' ');
  return `${CHILD_PROCESS} ${command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS - 1)}…` : command}`;
}

/** What node:test's Test (and its Suite and TestHook), an AsyncResource of type 'Test', says of itself. */
export interface NodeTest {
  name?: unknown;
  /** process.hrtime.bigint() once it has run, else null. */
  endTime?: unknown;
  passed?: unknown;
  error?: { message?: unknown; cause?: unknown } | null;
  /** A TestHook's: `before`, `beforeEach`, `after`, `afterEach`. */
  hookType?: unknown;
  /** A TestHook's suite or test, whose end is its own (a hook's endTime is never set). */
  parentTest?: NodeTest | null;
}

/** The async_hooks type of node:test's tests. */
export const NODE_TEST_TYPE = 'Test';

/** Whether a resource of type 'Test' is node:test's (a program may name its own AsyncResource so). */
export function isNodeTest(resource: object): resource is NodeTest {
  return 'endTime' in resource && 'passed' in resource;
}

/**
 * `test adds`, `suite math`, `hook beforeEach` (`hook beforeEach reset` for a named function); the
 * root test that runs the others is `node:test`.
 */
export function nodeTestName(test: NodeTest): string {
  const name = typeof test.name === 'string' ? test.name : '';
  if (name === '<root>') return 'node:test';
  const type = test.constructor?.name;
  if (type === 'TestHook') {
    const hook = typeof test.hookType === 'string' ? test.hookType : '';
    return ['hook', hook, name === '<anonymous>' ? '' : name].filter(Boolean).join(' ');
  }
  return `${type === 'Suite' ? 'suite' : 'test'} ${name}`;
}

/** Whether node:test has finished the test: a hook once the suite or test it serves has. */
export function nodeTestFinished(test: NodeTest): boolean {
  if (typeof test.endTime === 'bigint') return true;
  return test.constructor?.name === 'TestHook' && typeof test.parentTest?.endTime === 'bigint';
}

/** A failed test's message: what its function threw (node:test wraps it as the cause of its own error). */
export function testFailure(test: NodeTest): string {
  const error = test.error;
  const cause = error?.cause as { message?: unknown } | undefined;
  const message = cause?.message ?? error?.message;
  return typeof message === 'string' ? message : 'failed';
}

/** The name when created; `ioNameWhenActive` refines it once the handle is connected. */
export function ioTaskName(type: string, info: CallSiteInfo, resource: IoResource): string {
  if (type === 'FSREQCALLBACK') {
    // A directory's own request (its close as a `for await` over it ends) by its class, as `dir.close()` is.
    if (info.module === 'fs/dir') return info.api.includes('.') ? info.api : `Dir.${info.api}`;
    if (info.module.startsWith('fs')) return `fs.${info.api}`;
    // Made in the step of a `for await` (its next()): of fs's iterators only a directory's reads in its step.
    return info.shape === 'builtin' && info.api === 'next' ? 'Dir.read' : 'fs request';
  }
  if (isCryptoJob(type)) return `crypto.${type.slice(0, -'REQUEST'.length).toLowerCase()}`; // crypto.pbkdf2, crypto.scrypt
  if (type === 'HTTPCLIENTREQUEST') return clientRequestName(resource as ClientRequestResource) ?? HTTP_CLIENT_REQUEST;
  return INITIAL_NAMES[type] ?? type;
}

/** The zlib stream a handle serves, as far as its name needs. */
export interface ZlibStreamLike {
  constructor?: { name?: unknown };
  /** Null once closed: at once by a synchronous call (gzipSync). */
  _handle?: unknown;
}

/**
 * `zlib.gzip`, `zlib.brotliCompress`, `zlib.gunzipSync`: a zlib handle by the class of the stream
 * it serves (Gzip, BrotliCompress), once it has one, as the module's function for it is named.
 */
export function zlibName(stream: ZlibStreamLike | undefined): string | undefined {
  const type = stream?.constructor?.name;
  if (typeof type !== 'string' || !/^[A-Z]\w*$/.test(type)) return undefined;
  return `${ZLIB}.${type[0].toLowerCase()}${type.slice(1)}${stream!._handle === null ? 'Sync' : ''}`;
}

/** A client's TCP socket named as its connect (`connect`, a TCPConnectWrap) completes: by its peer. */
export function socketNameOfConnect(socket: IoResource, connect: IoResource): string {
  const name = ioNameWhenActive(TCP_SOCKET, socket);
  return name === TCP_SOCKET && connect.address !== undefined ? `${TCP_SOCKET} ${connect.address}:${connect.port}` : name;
}

export function ioNameWhenActive(name: string, handle: IoResource): string {
  try {
    if (name === 'TCP connect' && handle.address !== undefined) return `TCP connect ${handle.address}:${handle.port}`;
    const out: { address?: string; port?: number } = {};
    if ((name === TCP_SOCKET || name === TLS_SOCKET) && handle.getpeername?.(out) === 0) return `${name} ${out.address}:${out.port}`;
    if (name === 'TCP server' && handle.getsockname?.(out) === 0) return `TCP server ${out.address}:${out.port}`;
    if (name === 'UDP socket' && handle.getsockname?.(out) === 0) return `UDP socket ${out.address}:${out.port}`;
  } catch {
    // a handle without the usual fields keeps its generic name
  }
  return name;
}

/**
 * The callback running now in words, when it is one the program queued with `process.nextTick` or
 * `queueMicrotask` (`await new Promise((r) => process.nextTick(r))`); '' for any other. Node keeps
 * a tick as an object with its callback and arguments (plain to Node 24, of class TickObject from
 * Node 26), a microtask as an AsyncResource with its callback: a shape that changes only makes the
 * wait read `promise`, as it did.
 */
export function queuedCallbackName(): string {
  const resource = executionAsyncResource() as { callback?: unknown; args?: unknown };
  if (typeof resource.callback !== 'function') return '';
  const proto = Object.getPrototypeOf(resource) as { constructor?: { name?: unknown } } | null;
  if ('args' in resource && (proto === Object.prototype || proto?.constructor?.name === 'TickObject')) return 'process.nextTick';
  return resource instanceof AsyncResource ? 'queueMicrotask' : '';
}

/** The longest request path an HTTP handler's task is named with. */
const MAX_PATH_CHARS = 60;

/**
 * The request the HTTP server callback running now serves, as `GET /users/1` (its path without the
 * query); '' for any other callback. Node runs a server's callbacks for a connection in one
 * resource, whose socket's parser holds the request being served (a kept-alive connection serves
 * one after another).
 */
export function servedRequestName(): string {
  const resource = executionAsyncResource() as { socket?: { parser?: { incoming?: { method?: unknown; url?: unknown } | null } | null } };
  const request = resource.socket?.parser?.incoming;
  if (typeof request?.method !== 'string' || typeof request.url !== 'string') return '';
  return `${request.method} ${shortPath(request.url)}`;
}

/** A request's path without its query, shortened past MAX_PATH_CHARS. */
function shortPath(url: string): string {
  const path = url.split('?')[0];
  return path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS - 1)}…` : path;
}

/** A request undici makes (`undici:request:create`), fetch's among them. */
export interface UndiciRequest {
  method?: unknown;
  /** `http://127.0.0.1:8080` */
  origin?: unknown;
  path?: unknown;
}

/** `fetch GET 127.0.0.1:8080/items`: a call of fetch by the request it makes, its path without the query. */
export function fetchName(request: UndiciRequest): string | undefined {
  const { method, origin, path } = request;
  if (typeof method !== 'string' || typeof origin !== 'string' || typeof path !== 'string') return undefined;
  return `fetch ${method} ${origin.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}${shortPath(path)}`;
}

/** The resource of an HTTP client's parser (HTTPCLIENTREQUEST): the request it reads the response to. */
export interface ClientRequestResource {
  req?: {
    method?: unknown;
    protocol?: unknown;
    host?: unknown;
    path?: unknown;
    getHeader?: unknown;
    destroyed?: unknown;
    socket?: { destroyed?: unknown } | null;
    /** The response, once its head has come. */
    res?: { statusCode?: unknown } | null;
  };
}

/**
 * `HTTP GET 127.0.0.1:8080/items`: an http.request or http.get by its method, and the host (with
 * the port its Host header says) and path it asks for; undefined for a parser without its request.
 */
export function clientRequestName(resource: ClientRequestResource): string | undefined {
  const req = resource.req;
  if (typeof req?.method !== 'string' || typeof req.path !== 'string') return undefined;
  const header = typeof req.getHeader === 'function' ? (req.getHeader as (name: string) => unknown).call(req, 'host') : undefined;
  const host = typeof header === 'string' ? header : typeof req.host === 'string' ? req.host : '';
  return `${req.protocol === 'https:' ? 'HTTPS' : 'HTTP'} ${req.method} ${host}${shortPath(req.path)}`;
}
