// The timeline's fixed geometry in CSS pixels, shared by the view (hit tests, scrolling) and the painter.

export const AXIS_H = 22;
export const LOOP_H = 16;
export const LANE_H = 20;
export const LABEL_W = 200;
export const TOP = AXIS_H + LOOP_H + 4;
/** Runs fill the lane but for RUN_INSET px above and below; waits are thinner. */
export const RUN_INSET = 3;
export const WAIT_INSET = 6;
/** The overview along the bottom: the whole run, with the part in view marked. */
export const OVERVIEW_H = 22;
