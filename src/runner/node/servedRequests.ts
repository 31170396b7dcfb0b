// The HTTP requests a server serves, and the tasks that serve them: an anonymous handler is named
// after its request (`GET /users/1`), and so is an anonymous function a framework calls from it
// (Express's route, after its middleware, or after body-parser's callback).
import { isPackageFile } from './callFrames';
import { HTTP_REQUEST, servedRequestName } from './names';
import type { TaskState } from './taskState';

/** Tasks that serve a request, and its name. */
const requestOf = new WeakMap<TaskState, string>();
/** Whether any task serves one: until then a call needs no look in requestOf. */
let anyServing = false;

/**
 * The request an async function `caller`'s code starts serves: one an HTTP server calls, or one a
 * framework calls (`calledBy`, CallSiteInfo.callers[1], is a package's) from a task serving one
 * (Koa's route, called by koa-compose from a named middleware's `await next()`); '' for any other
 * (a `.map` callback of the handler's own code).
 */
export function requestHandlerName(caller: TaskState, calledBy: string | undefined): string {
  if (caller.name === HTTP_REQUEST) return servedRequestName();
  if (!anyServing) return '';
  const request = requestOf.get(caller);
  return request !== undefined && isPackageFile(calledBy) ? request : '';
}

/** Notes that `task` serves `request`: an anonymous handler is named after it, and what a framework calls from it serves it too. */
export function noteServing(task: TaskState, request: string): void {
  anyServing = true;
  requestOf.set(task, request);
}

/** Notes that a callback task a framework binds in `caller`'s code (body-parser's) serves the request `caller` serves, if any. */
export function inheritServing(task: TaskState, caller: TaskState): void {
  const request = caller.name === HTTP_REQUEST ? servedRequestName() : requestOf.get(caller);
  if (request) noteServing(task, request);
}
