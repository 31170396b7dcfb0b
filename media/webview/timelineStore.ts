// The webview's copy of the trace, kept up to date from timeline updates (pure).
import type { TimelineTask, TimelineUpdate } from '../../src/shared/protocol';

export class TimelineStore {
  readonly tasks = new Map<number, TimelineTask>();
  /** [start, end, task] triples; an end of -1 is still open. */
  loop: number[] = [];
  endTime = 0;
  longBlockUs = 50_000;
  live = false;
  /** Bumped on every update, so views can tell whether to lay out again. */
  version = 0;

  apply(u: TimelineUpdate): void {
    if (u.reset) {
      this.tasks.clear();
      this.loop = [];
    }
    for (const task of u.tasks) this.tasks.set(task.id, task);
    this.loop.length = Math.min(this.loop.length, u.loopFrom);
    for (const v of u.loop) this.loop.push(v);
    this.endTime = u.endTime;
    this.longBlockUs = u.longBlockUs;
    this.live = u.live;
    this.version++;
  }

  /** An end time for drawing: open ends run to the end of the trace. */
  endOf(t: number): number {
    return t < 0 ? this.endTime : t;
  }
}
