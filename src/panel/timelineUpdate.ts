// What the timeline webview needs of the model, as full state or as the changes since last time (pure).
import type { Task, TraceModel } from '../trace/model';
import type { TimelineTask, TimelineUpdate } from '../shared/protocol';

const OPEN = -1;
const open = (t: number): number => (Number.isNaN(t) ? OPEN : t);

/** A task for the webview, with its runs and waits from the given pair indices on. */
export function timelineTask(model: TraceModel, task: Task, runsFrom = 0, waitsFrom = 0): TimelineTask {
  const waits = task.waits.slice(waitsFrom);
  return {
    id: task.id, parent: task.parent, kind: task.kind, name: model.displayName(task), site: task.site, internal: task.internal, created: task.created,
    runs: task.runs.slice(runsFrom * 2).map(open),
    waits: waits.flatMap((w) => [w.start, open(w.end)]),
    waitLabels: waits.map((w) => model.waitLabel(w)),
    waitSites: waits.map((w) => w.site),
    end: task.end ? { t: task.end.t, state: task.end.state, message: task.end.message, site: task.end.site } : null,
    ...(runsFrom || waitsFrom ? { runsFrom, waitsFrom } : {}),
  };
}

/**
 * Tasks per update at most. A flood of new tasks (every timer is one) then costs the host and the
 * webview a bounded piece of work per update, and the rest follows in the next ones.
 */
export const MAX_TASKS_PER_UPDATE = 2000;

/** Tracks what a webview has been sent, to send it only what changed. */
export class TimelineFeed {
  private loopSent = 0;
  /** Tasks changed but not sent yet, oldest first. */
  private backlog = new Set<number>();
  /** Per task, how many run and wait pairs the webview has. */
  private readonly sent = new Map<number, { runs: number; waits: number }>();

  constructor(private readonly model: TraceModel) {}

  /**
   * Everything: after the webview (re)loads. `now` is where the timeline ends: while a run is
   * live, the time since it began, so that the view moves on while the program sits idle.
   */
  full(live: boolean, now = 0): TimelineUpdate {
    this.model.takeChanged();
    this.loopSent = this.model.loop.length;
    this.sent.clear();
    this.backlog = new Set(this.model.tasks.keys());
    return this.update(true, this.takeBacklog(), 0, live, now);
  }

  /** What changed since the last call. The last segment of each kind sent may have been open: resend it. */
  delta(live: boolean, now = 0): TimelineUpdate {
    for (const id of this.model.takeChanged()) this.backlog.add(id);
    const tasks = this.takeBacklog();
    const from = Math.max(0, this.loopSent - 3);
    this.loopSent = this.model.loop.length;
    return this.update(false, tasks, from, live, now);
  }

  private update(reset: boolean, tasks: Task[], loopFrom: number, live: boolean, now: number): TimelineUpdate {
    return {
      reset, tasks: tasks.map((t) => this.task(t)), loop: this.model.loop.slice(loopFrom).map(open), loopFrom,
      endTime: Math.max(this.model.endTime, now), longBlockUs: this.model.longBlockUs, live,
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

  private task(task: Task): TimelineTask {
    const known = this.sent.get(task.id);
    this.sent.set(task.id, { runs: task.runs.length / 2, waits: task.waits.length });
    return timelineTask(this.model, task, Math.max(0, (known?.runs ?? 0) - 1), Math.max(0, (known?.waits ?? 0) - 1));
  }
}
