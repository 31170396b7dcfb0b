// What the timeline webview needs of the model, as full state or as the changes since last time (pure).
import type { Task, TraceModel } from '../trace/model';
import type { TimelineTask, TimelineUpdate } from '../shared/protocol';

const OPEN = -1;
const open = (t: number): number => (Number.isNaN(t) ? OPEN : t);

export function timelineTask(model: TraceModel, task: Task): TimelineTask {
  return {
    id: task.id, parent: task.parent, kind: task.kind, name: model.displayName(task), site: task.site, internal: task.internal, created: task.created,
    runs: task.runs.map(open),
    waits: task.waits.flatMap((w) => [w.start, open(w.end)]),
    waitLabels: task.waits.map((w) => model.waitLabel(w)),
    waitSites: task.waits.map((w) => w.site),
    end: task.end ? { t: task.end.t, state: task.end.state, message: task.end.message, site: task.end.site } : null,
  };
}

/** Tracks what a webview has been sent, to send it only what changed. */
export class TimelineFeed {
  private loopSent = 0;

  constructor(private readonly model: TraceModel) {}

  /** Everything: after the webview (re)loads. */
  full(live: boolean): TimelineUpdate {
    this.model.takeChanged();
    this.loopSent = this.model.loop.length;
    return this.update(true, [...this.model.tasks.values()], 0, live);
  }

  /** What changed since the last call. The last loop segment sent may have been open: resend it. */
  delta(live: boolean): TimelineUpdate {
    const tasks: Task[] = [];
    for (const id of this.model.takeChanged()) {
      const task = this.model.tasks.get(id);
      if (task) tasks.push(task);
    }
    const from = Math.max(0, this.loopSent - 3);
    this.loopSent = this.model.loop.length;
    return this.update(false, tasks, from, live);
  }

  private update(reset: boolean, tasks: Task[], loopFrom: number, live: boolean): TimelineUpdate {
    return {
      reset, tasks: tasks.map((t) => timelineTask(this.model, t)), loop: this.model.loop.slice(loopFrom).map(open), loopFrom,
      endTime: this.model.endTime, longBlockUs: this.model.longBlockUs, live,
    };
  }
}
