// The program's HTTP client requests (http.get, http.request, and a package's calls of them) as
// tasks of their own, `HTTP GET 127.0.0.1:8080/items`: made as the program asks, running the
// callbacks of the parser that reads the response, ended by its status or the error it failed with.
// A fetch, a task as the call of a helper, is named so too: `fetch GET 127.0.0.1:8080/items`.
import { describeError } from './errors';
import { type ClientRequestResource, clientRequestName, fetchName, type UndiciRequest } from './names';
import { fulfilledValue } from './promiseState';
import type { PromiseTasks } from './promiseTasks';
import type { TaskStack } from './taskStack';
import type { TaskSites } from './taskSites';
import { newTaskState, type TaskState } from './taskState';

type ClientRequest = NonNullable<ClientRequestResource['req']>;

/** What a call of fetch is named, until its request says what it asks for. */
const FETCH = 'fetch';

/** How a call of fetch that has resolved ended: with its Response's status. */
export function fetchEnd(task: TaskState, promise: Promise<unknown>): string {
  if (!task.transient || !task.name.startsWith(`${FETCH} `)) return '';
  const response = fulfilledValue(promise);
  const status = typeof response === 'object' && response !== null ? (response as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? `status ${status}` : '';
}

/** The tick Node queues as a request is made, to give it its socket (a new one or a kept-alive one). */
const ON_SOCKET_TICK = 'onSocketNT';

/**
 * The request a tick Node queues carries, if it is the one that gives a new request its socket:
 * the one thing Node does in the program's call of http.request itself, whatever the agent.
 */
export function requestOfTick(callback: unknown, args: unknown): ClientRequest | undefined {
  if (!Array.isArray(args) || args.length !== 3 || typeof callback !== 'function' || callback.name !== ON_SOCKET_TICK) return undefined;
  const request: unknown = args[0];
  return typeof request === 'object' && request !== null && 'method' in request && 'path' in request ? (request as ClientRequest) : undefined;
}

export class ClientRequests {
  private readonly tasks = new WeakMap<ClientRequest, TaskState>();

  constructor(
    private readonly stack: TaskStack,
    private readonly sites: TaskSites,
    private readonly now: () => number,
    /** Told of each request, made maybe in a `new Promise`'s executor (see Awaits.workMade). */
    private readonly promises: Pick<PromiseTasks, 'workMade'>,
    /** Lets go of a task that runs no more callbacks (see ResourceTasks.forget). */
    private readonly forget: (task: TaskState) => void,
  ) {}

  /** The program, as `top`, asks for `request` now (see requestOfTick). */
  made(request: ClientRequest, top: TaskState): void {
    if (this.tasks.has(request) || top === this.stack.internals) return;
    const resource: ClientRequestResource = { req: request };
    const name = clientRequestName(resource);
    if (name === undefined) return;
    const info = this.sites.lookup(top, this.sites.typeCode('HTTPCLIENTREQUEST'), false, undefined);
    const task = newTaskState('io', name, info.code, false);
    task.oneShot = false;
    // Done once the request is (see handleState.isClosed), its end read by clientRequestEnd.
    task.handle = resource;
    this.stack.liveHandles.add(task);
    this.tasks.set(request, task);
    this.stack.emitTask(task, this.now(), top.id, info.site, false);
    this.promises.workMade(task, info);
  }

  /** The task of the request an HTTP client's parser (HTTPCLIENTREQUEST) reads the response to, if it is one. */
  ofParser(resource: ClientRequestResource): TaskState | undefined {
    const task = resource.req === undefined ? undefined : this.tasks.get(resource.req);
    return task?.ended === false ? task : undefined;
  }

  /** Node says `request` failed (`http.client.request.error`), as it emits its 'error' event. */
  failed(request: ClientRequest, error: unknown): void {
    const task = this.tasks.get(request);
    if (task === undefined || task.ended) return;
    this.stack.endTask(task, this.now(), 'rejected', describeError(error).message, '');
    this.forget(task);
  }

  /**
   * undici makes a request: one of fetch's is made inside the program's call of fetch, whose task
   * is named by it (not again for a redirect's, made later). undici's own package says so too.
   */
  undiciRequestMade(request: UndiciRequest): void {
    const top = this.stack.top;
    if (!top.transient || top.ended || top.name !== FETCH) return;
    const name = fetchName(request);
    if (name !== undefined) this.stack.rename(top, this.now(), name);
  }
}
