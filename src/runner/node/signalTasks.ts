// The program's signal listeners as tasks of kind io, `signal SIGTERM`, as Python's
// loop.add_signal_handler is: the listeners run on its lane, and what they wake names it.
import { constants } from 'node:os';
import type { HandleEnds } from './handleEnds';
import type { IoResource } from './names';
import { programListens, runnerListens } from './processListeners';
import type { TaskStack } from './taskStack';
import type { TaskSites } from './taskSites';
import { newTaskState, type TaskState } from './taskState';

const SIGNAL = 'signal';

export function isSignal(event: string | symbol): event is string {
  return typeof event === 'string' && Object.hasOwn(constants.signals, event);
}

/**
 * Node opens one handle a signal, as the program adds its first listener for it, and closes it as
 * the last goes: that handle is the signal's task. For a signal the runner listens for itself
 * (SIGTERM, to write the trace), the handle is the runner's, opened before the program ran: the
 * task is made as the program adds its first listener, ends as it removes its last, and the
 * runner's handle's callbacks are its runs while it lives.
 */
export class SignalTasks {
  /** The signal the program is adding a listener for now, whose handle Node may open next. */
  private adding = '';
  /** The tasks of the signals whose handle is the runner's, by signal. */
  private readonly ofRunnersHandles = new Map<string, TaskState>();

  constructor(
    private readonly stack: TaskStack,
    private readonly sites: TaskSites,
    private readonly now: () => number,
    private readonly ends: HandleEnds,
    /** Makes `asyncId`'s callbacks the task's for as long as it lives (ResourceTasks.lend). */
    private readonly lend: (asyncId: number, task: TaskState) => void,
    private readonly ownerOf: (asyncId: number) => TaskState | undefined,
  ) {}

  /** The name of a signal handle Node opens now. */
  nameOfHandle(): string {
    const name = this.adding === '' ? SIGNAL : `${SIGNAL} ${this.adding}`;
    this.adding = '';
    return name;
  }

  /** The program is adding a listener for `signal` (told before Node opens its handle). */
  adds(signal: string): void {
    if (!runnerListens(signal)) {
      this.adding = signal;
      return;
    }
    if (this.ofRunnersHandles.get(signal)?.ended === false) return;
    const top = this.stack.top;
    const info = this.sites.lookup(top, this.sites.typeCode('SIGNALWRAP'), false, undefined);
    const task = newTaskState('io', `${SIGNAL} ${signal}`, info.code, false);
    task.oneShot = false;
    // Closed, as Node's own signal handles are (handleState.isClosed), once the program listens no more.
    task.handle = { hasRef: () => (programListens(signal) ? false : undefined) } satisfies IoResource;
    this.stack.liveHandles.add(task);
    this.ofRunnersHandles.set(signal, task);
    this.stack.emitTask(task, this.now(), top.id, info.site, false);
  }

  /**
   * The program has removed a listener for `signal`: its task ends if it was the last, now, or as
   * its run returns if the listener was removed in it (a `process.once` listener, as it is called).
   */
  removed(signal: string): void {
    const task = this.ofRunnersHandles.get(signal);
    if (task === undefined || task.ended || this.stack.frameOwners.includes(task)) return;
    this.ends.endIfClosed(task, this.now());
  }

  /**
   * The runner's handle for `signal` runs its callback (`asyncId`): the task of the program's
   * listeners for it, if this callback is not its run yet (its first signal), to be entered now.
   */
  arrived(signal: string, asyncId: number): TaskState | undefined {
    const task = this.ofRunnersHandles.get(signal);
    if (task === undefined || task.ended || this.ownerOf(asyncId) === task) return undefined;
    this.lend(asyncId, task);
    return task;
  }
}
