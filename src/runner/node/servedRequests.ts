// The HTTP requests a server serves, and the tasks that serve them: an anonymous handler is named
// after its request (`GET /users/1`), and so is an anonymous function a framework calls from it
// (Express's route, after its middleware, or after body-parser's callback).
import { isPackageFile } from './callsites';
import { HTTP_REQUEST, servedRequestName } from './names';
import type { TaskState } from './taskState';

/** Tasks that serve a request, and its name. */
const requestOf = new WeakMap<TaskState, string>();

/** The request `task`'s code serves: the one an HTTP request task's callback runs for now, or the one noted for it; '' for none. */
function requestServedBy(task: TaskState): string {
  return task.name === HTTP_REQUEST ? servedRequestName() : (requestOf.get(task) ?? '');
}

/**
 * The name of an anonymous async function `caller`'s code starts, if it serves a request: one an
 * HTTP server calls, or one a framework calls (`calledBy`, CallSiteInfo.callers[1], is a package's)
 * from a task serving one; '' for any other (a `.map` callback of the handler's own code).
 */
export function requestHandlerName(caller: TaskState, calledBy: string | undefined): string {
  if (caller.name === HTTP_REQUEST) return servedRequestName();
  return isPackageFile(calledBy) ? (requestOf.get(caller) ?? '') : '';
}

/** Notes that `task`, made by `caller`, serves the request `caller` serves (a handler named after it, a callback a framework binds in it). */
export function noteServing(task: TaskState, caller: TaskState): void {
  const request = requestServedBy(caller);
  if (request !== '') requestOf.set(task, request);
}
