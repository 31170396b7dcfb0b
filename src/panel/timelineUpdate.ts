// What the timeline webview needs of the model, as full state or as the changes since last time (pure).
import type { TraceModel } from '../trace/model';
import type { Task } from '../trace/task';
import type { TimelineUpdate, ThreadLoopUpdate } from '../shared/protocol';
import { openEnd, TaskPacker } from '../shared/taskPacking';

/**
 * Tasks per update at most. A flood of new tasks (every timer is one) then costs the host and the
 * webview a bounded piece of work per update, and the rest follows in the next ones.
 */
export const MAX_TASKS_PER_UPDATE = 10_000;

/** Tracks what a webview has been sent, to send it only what changed. */
export class TimelineFeed {
  private loopSent = 0;
  private signalsSent = 0;
  /** Per other thread, how much of its loop the webview has. */
  private readonly threadLoopSent = new Map<number, number>();
  /** Tasks changed but not sent yet, oldest first. */
  private backlog = new Set<number>();
  /** Per task, how many run and wait pairs the webview has. */
  private readonly sent = new Map<number, { runs: number; waits: number }>();
  private readonly packer = new TaskPacker();

  constructor(private readonly model: TraceModel) {}

  /**
   * Everything: after the webview (re)loads. `now` is where the timeline ends: while a run is
   * live, the time since it began, so that the view moves on while the program sits idle.
   */
  full(live: boolean, now = 0): TimelineUpdate {
    this.model.takeChanged();
    this.model.takeRelabeled();
    this.loopSent = this.model.loop.length;
    this.sent.clear();
    this.backlog = new Set(this.model.tasks.keys());
    return this.update(true, this.takeBacklog(), 0, live, now);
  }

  /** What changed since the last call. The last segment of each kind sent may have been open: resend it. */
  delta(live: boolean, now = 0): TimelineUpdate {
    for (const id of this.model.takeChanged()) this.backlog.add(id);
    // Waits sent before and relabeled since (a wait's stretches, once what ended it is known): sent again from the first.
    for (const [id, first] of this.model.takeRelabeled()) {
      const known = this.sent.get(id);
      if (known && known.waits > first) known.waits = first + 1;
    }
    const tasks = this.takeBacklog();
    const from = Math.max(0, this.loopSent - 3);
    this.loopSent = this.model.loop.length;
    return this.update(false, tasks, from, live, now);
  }

  private update(reset: boolean, tasks: Task[], loopFrom: number, live: boolean, now: number): TimelineUpdate {
    for (const task of tasks) this.pack(task);
    const loop = segmentsFrom(this.model.loop, loopFrom);
    const threadLoops: ThreadLoopUpdate[] = [];
    for (const [thread, segments] of this.model.threadLoops) {
      // As the main thread's: the last segment sent may have been open.
      const from = reset ? 0 : Math.max(0, (this.threadLoopSent.get(thread) ?? 0) - 3);
      this.threadLoopSent.set(thread, segments.length);
      threadLoops.push({ thread, loop: segmentsFrom(segments, from), loopFrom: from });
    }
    const recordedUntil = this.model.dropped[0]?.t;
    const signals = this.model.signals;
    const moreSignals = signals.length > (reset ? 0 : this.signalsSent);
    this.signalsSent = signals.length;
    return {
      reset, tasks: this.packer.take(), loop, loopFrom, ...(threadLoops.length ? { threadLoops } : {}), endTime: Math.max(this.model.endTime, now),
      longBlockUs: this.model.longBlockUs, live, ...(recordedUntil === undefined ? {} : { recordedUntil }),
      ...(moreSignals ? { signals: signals.map(({ t, signal }) => ({ t, signal })) } : {}),
    };
  }

  /** Whether changes are waiting for the next update. */
  get behind(): boolean {
    return this.backlog.size > 0;
  }

  private takeBacklog(): Task[] {
    const tasks: Task[] = [];
    for (const id of this.backlog) {
      if (tasks.length === MAX_TASKS_PER_UPDATE) break;
      this.backlog.delete(id);
      const task = this.model.tasks.get(id);
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /** A task's fields, and its runs and waits from the last pair of each the webview has (it may have been open). */
  private pack(task: Task): void {
    let known = this.sent.get(task.id);
    const runsFrom = known ? Math.max(0, known.runs - 1) : 0;
    const waitsFrom = known ? Math.max(0, known.waits - 1) : 0;
    if (!known) this.sent.set(task.id, (known = { runs: 0, waits: 0 }));
    known.runs = task.runs.length / 2;
    known.waits = task.waits.length;
    this.packer.task(task, this.model.displayName(task), runsFrom, task.runs.length / 2 - runsFrom, waitsFrom, task.waits.length - waitsFrom);
    for (let r = runsFrom * 2; r < task.runs.length; r += 2) this.packer.run(task.runs[r], task.runs[r + 1]);
    for (let w = waitsFrom; w < task.waits.length; w++) {
      const wait = task.waits[w];
      const label = this.model.waitLabel(wait);
      this.packer.wait(wait.start, wait.end, label, wait.site, this.model.wokenBy(wait, label));
    }
  }
}

/** Loop segments from index `from` on, open ends as the protocol sends them. */
function segmentsFrom(source: number[], from: number): Float64Array {
  const out = new Float64Array(Math.max(0, source.length - from));
  for (let i = 0; i < out.length; i++) out[i] = openEnd(source[from + i]);
  return out;
}
