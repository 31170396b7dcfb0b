// What follows as promises settle: the ends of the tasks they stand for (read once the state can
// be, a rejection's error once Node has reported it), and who woke the tasks that awaited them.
import { fetchEnd } from './clientRequests';
import { UNTIMED, type EventOutput } from './eventOutput';
import { truncate } from './lists';
import { isReadable, isSyntax, queuedCallbackName } from './names';
import { marks } from './promiseMarks';
import { promiseState, REJECTED_UNREAD, unreadOutcome } from './promiseState';
import { nodeSetImmediate } from './runnerClock';
import type { TaskStack } from './taskStack';
import type { TaskState } from './taskState';

/** What a wait for a step of `for await` over Node's own iterator was for, when no task's callback ended it. */
const ITERATOR_NEXT_LABEL = 'iterator.next';

/**
 * "read TCP socket 127.0.0.1:PORT", made once per socket name: a string built anew for every read
 * is hashed anew when the encoder interns it (W3: every message).
 */
const readLabels = new Map<string, string>();
const MAX_READ_LABELS = 4096;

function readLabel(socketName: string): string {
  let label = readLabels.get(socketName);
  if (label === undefined) {
    label = `read ${socketName}`;
    if (readLabels.size < MAX_READ_LABELS) readLabels.set(socketName, label);
  }
  return label;
}

export class PromiseSettles {
  /** Tasks whose promise has settled, ended once its state can be read (see settlePending). */
  private readonly settles: TaskState[] = [];
  /** Rejected tasks whose error is still to be read (see describeLater). */
  private rejected: TaskState[] = [];
  /** The task whose promise settled last, and in which microtask checkpoint (TaskStack.checkpoints). */
  private lastSettled: TaskState | undefined;
  private lastSettledCheckpoint = -1;

  /** `untraced`: runs the tracer's own work (a timer it sets) without tracing it. */
  constructor(
    private readonly stack: TaskStack,
    private readonly out: EventOutput,
    private readonly now: () => number,
    private readonly untraced: (fn: () => void) => void,
  ) {}

  /** Whether tasks have settled whose ends are still to be written. */
  get settling(): boolean {
    return this.settles.length > 0;
  }

  onSettled(promise: Promise<unknown>): void {
    const task = marks.task(promise);
    const waiter = marks.waiter(promise);
    const helper = marks.helper(promise);
    const ends = task !== undefined && !task.ended;
    const ns = ends ? this.now() : UNTIMED;
    if (ends) {
      task.settledAt = ns;
      this.settles.push(task);
      this.lastSettled = task;
      this.lastSettledCheckpoint = this.stack.checkpoints;
      // A task that returned without suspending leaves the synchronous stack here.
      const at = this.stack.sync.lastIndexOf(task);
      if (at > this.stack.frameFloor()) {
        truncate(this.stack.sync, at);
        this.stack.switchToRunning(ns);
      }
    }
    if (waiter !== undefined) {
      marks.setWaiter(promise, undefined);
      this.recordWaker(waiter, ns, marks.iteratorStep(promise));
    }
    if (helper !== undefined) {
      marks.setHelper(promise, undefined);
      if (helper.waiter !== undefined && !helper.waiter.ended && !isSyntax(helper.name)) this.recordWaker(helper.waiter, ns);
    }
  }

  /** Whatever callback is running now resolved what `waiter` awaits (`iteratorStep`: a step of its `for await` over Node's own iterator). */
  private recordWaker(waiter: TaskState, ns: number, iteratorStep = false): void {
    // In the script's own run, the code running, not a helper it called before (`readFile(f)` not
    // awaited yet, then `wake()`), which is on top until that code makes a promise.
    let by = this.stack.frameOwners[this.stack.frameOwners.length - 1] ?? this.stack.runningBelowHelpers();
    // The waiter's own tick or microtask (`await new Promise((r) => process.nextTick(r))`): no task
    // woke it, the queue it put its callback in did. Not so for a helper it awaits, whose tick Node
    // queued for it (`once(udpSocket, 'listening')`, emitted in a tick bind queued).
    if (by === waiter && waiter.waitTarget === undefined) {
      const queue = queuedCallbackName();
      if (queue !== '') {
        if (this.out.admit()) this.out.enc.awaitBy(ns, waiter.id, 0, queue);
        return;
      }
    }
    // The waiter's own promise job, in the checkpoint in which a call's promise settled, settled
    // what it awaits, which follows that promise where no hook shows it (`for await` over an array
    // of promises: V8 chains each step's promise on the element): that call woke it. Not a helper,
    // whose callback (see below) says more.
    const waitedSince = waiter.waitCheckpoint !== this.stack.checkpoints;
    const settledBefore = this.lastSettledCheckpoint === this.stack.checkpoints ? this.lastSettled : undefined;
    if (by === waiter && waiter.waitTarget === undefined && waitedSince && settledBefore !== undefined && settledBefore !== waiter && !settledBefore.transient) by = settledBefore;
    // Node's own promise jobs (a stream's async iterator yielding to `for await`) run in the
    // microtask checkpoint of the callback that fed them (a file read): that callback woke the waiter.
    // So does the waiter's own promise job that settles what it awaits (a stream's async iterator,
    // an async generator run on its stack, reaching the stream's end): the callback it follows woke it.
    // Not when the waiter awaited in this checkpoint: what settled in it then (`await
    // Plain.all([1, 2])`, a chunk the stream had already) was no callback's doing.
    if ((by === this.stack.internals || by === waiter) && this.stack.checkpointOf !== undefined && waitedSince) by = this.stack.checkpointOf;
    // Node's own work, a helper, or the script's own run (Node finishing what it loaded for a
    // helper, as fetch's first call does) is no answer to what woke the waiter.
    if (by === waiter || by === this.stack.internals || by === this.stack.root || by.transient) {
      // The iterator's own work (an in-memory stream's next item, its end in a tick of Node's).
      if (iteratorStep && this.out.admit()) this.out.enc.awaitBy(ns, waiter.id, 0, ITERATOR_NEXT_LABEL);
      return;
    }
    const label = by.kind === 'io' && isReadable(by.name) ? readLabel(by.name) : '';
    if (this.out.admit()) this.out.enc.awaitBy(ns, waiter.id, by.id, label);
  }

  /** Ends tasks whose promises have settled; the state is readable only after the resolve hook. */
  settlePending(): void {
    const settles = this.settles;
    let kept = 0;
    for (let i = 0; i < settles.length; i++) {
      const task = settles[i];
      const promise = task.promise;
      if (promise === undefined || task.ended) continue;
      const state = unreadOutcome(promise);
      if (state === REJECTED_UNREAD) {
        this.describeLater(task);
        continue;
      }
      if (state.state === 'pending') {
        settles[kept++] = task; // resolved with another promise: still locked in
        continue;
      }
      // (Only an I/O call's resolved value says more: a fetch's status.)
      const message = state.state === 'resolved' && task.kind === 'io' ? fetchEnd(task, promise) : state.message;
      this.stack.endTask(task, task.settledAt, state.state, message, state.site);
    }
    truncate(settles, kept);
  }

  /**
   * A rejected task ends now, but its error is read (the reason, formatted with its stack) only
   * once Node has dealt with this tick's unhandled rejections: Node's report of one shows the line
   * of the user's code that threw, read from the error's stack as long as no one has formatted it.
   */
  private describeLater(task: TaskState): void {
    task.ended = true;
    this.rejected.push(task);
    if (this.rejected.length > 1) return;
    this.untraced(() => nodeSetImmediate(() => this.untraced(() => {
      try {
        this.describeRejected();
      } catch {
        // never let tracing reach the program
      }
    })).unref());
  }

  /** Writes the ends of the rejected tasks describeLater kept, timed when they settled. */
  describeRejected(): void {
    const rejected = this.rejected;
    this.rejected = [];
    for (const task of rejected) {
      const outcome = promiseState(task.promise!);
      this.stack.endTask(task, task.settledAt, outcome.state === 'pending' ? 'rejected' : outcome.state, outcome.message, outcome.site);
    }
  }
}
