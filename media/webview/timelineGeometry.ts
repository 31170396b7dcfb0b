// The timeline's fixed geometry in CSS pixels, shared by the view (hit tests, scrolling) and the painter.

export const AXIS_H = 22;
export const LOOP_H = 16;
export const LANE_H = 20;
/** The label column's width until the user drags its edge; it keeps to MIN_LABEL_W..MAX_LABEL_SHARE of the view. */
export const LABEL_W = 200;
export const MIN_LABEL_W = 60;
export const MAX_LABEL_SHARE = 0.7;
/** The pointer this close to the label column's edge grabs it. */
export const EDGE_GRAB_PX = 4;
/** A thread's loop lane: its bar, and a margin around it. */
export const LOOP_LANE_H = LOOP_H + 4;
/** Where the task lanes start: below the axis and a loop lane for each of `threads` threads (the main thread's first). */
export function lanesTop(threads: number): number {
  return AXIS_H + threads * LOOP_LANE_H;
}
/** Runs fill the lane but for RUN_INSET px above and below; waits are thinner. */
export const RUN_INSET = 3;
export const WAIT_INSET = 6;
/** A Python coroutine span is a bracket along its lane's top; the pointer this near the top is on it. */
export const SPAN_BAND_H = 6;
/** The overview along the bottom: the whole run, with the part in view marked. */
export const OVERVIEW_H = 22;

/** Nesting levels the label column indents: deeper tasks indent no further, so their names still show. */
const MAX_INDENT_LEVELS = 8;

/** Where a lane's label starts (its fold arrow, then its name), by its depth in the task tree. */
export function labelIndent(depth: number): number {
  return 4 + Math.min(depth, MAX_INDENT_LEVELS) * 10;
}
