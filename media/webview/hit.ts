// What is under the pointer on the timeline, and what the tooltip says of it.
import type { TimelineTask } from '../../src/shared/protocol';
import { formatDuration as formatUs } from '../../src/trace/format';
import { inertText } from './inertText';
import { spanBesideWait, type Lane } from './lanes';
import type { TimelineStore } from './timelineStore';

export interface Hit {
  lane: Lane;
  /** The wait under the pointer, as its index in the lane's task's waits; -1 for none. */
  wait: number;
  /** The coroutine span whose bracket, along the lane's top, the point is on. */
  span: TimelineTask | undefined;
}

/** The tooltip's text for a hit: the span, or the task and the wait it is in, what woke it. */
export function hoverText(hit: Hit, store: TimelineStore, spans: ReadonlyMap<number, TimelineTask[]>): string {
  const task = hit.lane.task;
  if (hit.span) return `${inertText(hit.span.name)}\ncoroutine awaited in ${inertText(store.tasks.get(hit.span.parent)?.name ?? task.name)}`;
  if (hit.wait < 0) return inertText(task.name);
  const start = task.waits[hit.wait * 2];
  const span = spanBesideWait(spans.get(task.id), start, task.waitLabels[hit.wait], store.tasks, store.endTime);
  const waker = task.waitWakers[hit.wait];
  let text = `${inertText(task.name)}\nwaiting for ${inertText(task.waitLabels[hit.wait])}${span ? ` in ${inertText(span.name)}` : ''} (${formatUs(store.endOf(task.waits[hit.wait * 2 + 1]) - start)})`;
  if (waker) text += `\nwoken by ${inertText(store.describe(waker))}`;
  return text;
}
