// Turns time segments into whole-pixel spans (pure). Segments closer than a pixel merge, and
// segments hidden inside a span already drawn are jumped over by binary search, so a lane costs
// O(visible pixels · log n) whatever number of segments it holds, and the canvas gets a few
// hundred integer-aligned rectangles instead of a million antialiased ones.
import { firstEndingAfter } from './lanes';
import type { TimeScale } from './timeScale';

/**
 * Calls `emit(x0, x1)` for each span of CSS pixels covered by records ([start, end, …], `stride`
 * numbers each, sorted by start) inside the scale's window. An open end (-1) runs to `openEnd`.
 */
export function forEachPixelSpan(records: ArrayLike<number>, stride: number, scale: TimeScale, openEnd: number, emit: (x0: number, x1: number) => void): void {
  const count = Math.floor(records.length / stride);
  let from = 0;
  let to = -Infinity;
  let i = firstEndingAfter(records, scale.start, stride);
  while (i < count) {
    const start = records[i * stride];
    if (start > scale.end) break;
    const rawEnd = records[i * stride + 1];
    const x0 = Math.floor(scale.toPx(start));
    const x1 = Math.max(Math.ceil(scale.toPx(rawEnd < 0 ? openEnd : rawEnd)), x0 + 1);
    if (x0 <= to) {
      to = Math.max(to, x1);
    } else {
      if (to > from) emit(from, to);
      from = x0;
      to = x1;
    }
    i++;
    // Records that end inside the span drawn so far add nothing: skip them all at once.
    const covered = scale.toTime(to);
    if (i < count && records[i * stride + 1] >= 0 && records[i * stride + 1] < covered) i = firstEndingAfter(records, covered, stride);
  }
  if (to > from) emit(from, to);
}
