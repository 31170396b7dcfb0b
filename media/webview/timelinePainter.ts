// Paints one frame of the timeline: segments into the pixel layer, then spans, links, labels, the
// loop lane, the axis, the signals the program received and the overview, each in one pass per
// colour. Only visible lanes are given.
// All text is drawn with fillText, so names from a trace can never become markup.
import type { TimelineTask } from '../../src/shared/protocol';
import { firstEndingAfter, spanBesideWait, type Lane } from './lanes';
import { inertText } from './inertText';
import { forEachPixelSpan } from './pixelSpans';
import { SegmentLayer } from './segmentLayer';
import type { Theme } from './theme';
import { AXIS_H, LANE_H, labelIndent, LOOP_H, LOOP_LANE_H, OVERVIEW_H, RUN_INSET, WAIT_INSET } from './timelineGeometry';
import { formatTick, type TimeScale } from './timeScale';
import type { LoopTrack, TimelineStore } from './timelineStore';

/** A signal's line in view, and the width of its name on the axis (0: shown by its line alone). */
interface SignalLine {
  x: number;
  signal: string;
  width: number;
}

/** Pixels between the lines hatching the loop lane where it is not recorded. */
const HATCH_GAP = 6;

/** What a frame shows: the view's state when it is painted. */
export interface PaintedView {
  scale: TimeScale;
  /** The whole run over the same pixels, for the overview. */
  overview: TimeScale;
  /** The lanes in view, and every lane by task id (for links to lanes out of view). */
  visible: Lane[];
  laneById: Map<number, Lane>;
  /** Python coroutine spans, by the task whose lane they are drawn on. */
  spans: Map<number, TimelineTask[]>;
  scrollY: number;
  /** Where the task lanes start, below the loop lanes. */
  top: number;
  selected: number;
  collapsed: ReadonlySet<number>;
  follow: boolean;
  theme: Theme;
  /** Size in CSS pixels, and device pixels per CSS pixel. */
  width: number;
  height: number;
  dpr: number;
}

export class TimelinePainter {
  private readonly layer = new SegmentLayer();
  private v!: PaintedView;

  constructor(private readonly ctx: CanvasRenderingContext2D, private readonly store: TimelineStore) {}

  paint(view: PaintedView): void {
    this.v = view;
    const ctx = this.ctx;
    const { theme: th, width: w, height: h, dpr, visible } = view;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, w, h);
    ctx.font = th.font;
    ctx.textBaseline = 'middle';
    const lanesBottom = h - OVERVIEW_H;
    const laneY = (lane: Lane): number => lane.y - view.scrollY;

    const left = view.scale.left; // the label column's width
    const top = view.top;
    this.layer.begin(left * dpr, top * dpr, (w - left) * dpr, (lanesBottom - top) * dpr, th.pixels.background);
    this.drawSegments(visible, laneY, dpr);
    this.layer.end(ctx);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w - left, lanesBottom - top);
    ctx.clip();
    this.drawSpans(visible, laneY);
    this.drawLinks(visible, laneY);
    this.drawWakeLinks(laneY);
    this.drawWaitLabels(visible, laneY);
    ctx.restore();

    this.drawEnds(visible, laneY);
    this.drawLabels(visible, laneY);
    this.drawLoops(w, lanesBottom);
    const signalLines = this.signalLines();
    this.drawAxis(w, h, signalLines);
    this.drawSignals(signalLines, lanesBottom);
    this.drawOverview(w, h);
  }

  /** Each signal the program received (a Ctrl-C) in view; one too close to the last named goes unnamed. */
  private signalLines(): SignalLine[] {
    const scale = this.v.scale;
    const lines: SignalLine[] = [];
    let free = scale.left;
    for (const { t, signal } of this.store.signals) {
      const x = Math.round(scale.toPx(t)) + 0.5;
      if (x < scale.left || x > scale.left + scale.width) continue;
      const fits = Math.min(this.ctx.measureText(inertText(signal)).width, scale.left + scale.width - x - 6);
      const width = x >= free && fits >= 8 ? fits : 0;
      if (width > 0) free = x + width + 8;
      lines.push({ x, signal, width });
    }
    return lines;
  }

  /** The signals' lines through the lanes, and their names on the axis (whose tick labels make way for them). */
  private drawSignals(lines: SignalLine[], bottom: number): void {
    const ctx = this.ctx;
    ctx.strokeStyle = this.v.theme.signal;
    ctx.beginPath();
    for (const { x } of lines) {
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, bottom);
    }
    ctx.stroke();
    ctx.fillStyle = this.v.theme.signal;
    for (const { x, signal, width } of lines) if (width > 0) fitText(ctx, signal, x + 3, AXIS_H / 2, width);
  }

  /** The whole run in one strip: the loop's busy time, long blocks, signals, and a box around what is in view. */
  private drawOverview(w: number, h: number): void {
    const ctx = this.ctx;
    const th = this.v.theme;
    const o = this.v.overview;
    o.left = this.v.scale.left;
    o.width = this.v.scale.width;
    o.fit(0, Math.max(this.store.endTime, 1));
    const top = h - OVERVIEW_H;
    ctx.fillStyle = th.background;
    ctx.fillRect(0, top, w, OVERVIEW_H);
    ctx.fillStyle = th.grid;
    ctx.fillRect(0, top, w, 1);
    ctx.fillStyle = th.muted;
    ctx.fillText('overview', 4, top + OVERVIEW_H / 2);
    // Worker threads' loops share a band under the main thread's, so that their long blocks show too.
    const threads = [...this.store.threadLoops.values()];
    if (threads.length === 0) this.drawLoopActivity(o, top + 6, OVERVIEW_H - 10, [this.store.mainLoop]);
    else {
      this.drawLoopActivity(o, top + 5, 6, [this.store.mainLoop]);
      this.drawLoopActivity(o, top + 13, 6, threads);
    }
    ctx.fillStyle = th.signal;
    for (const { t } of this.store.signals) ctx.fillRect(Math.round(o.toPx(t)), top + 2, 1, OVERVIEW_H - 3);
    const x0 = Math.max(this.v.scale.left, Math.floor(o.toPx(this.v.scale.start)));
    const x1 = Math.min(w - 1, Math.max(x0 + 3, Math.ceil(o.toPx(this.v.scale.end))));
    ctx.globalAlpha = 0.25;
    ctx.fillStyle = th.selection;
    ctx.fillRect(x0, top + 2, x1 - x0, OVERVIEW_H - 3);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = th.selection;
    ctx.strokeRect(x0 + 0.5, top + 2.5, x1 - x0 - 1, OVERVIEW_H - 4);
  }

  /**
   * Runs solid across the lane, waits a thinner band in a paler colour, into the segment layer;
   * under both, a line through the middle from the task's creation to its end, so a task that
   * neither runs nor waits for a while (a timer before it fires, a combinator) still shows.
   */
  private drawSegments(lanes: Lane[], laneY: (l: Lane) => number, dpr: number): void {
    const { run, wait, life } = this.v.theme.pixels;
    const runs: number[] = [];
    const waits: number[] = [];
    const lifetime: number[] = [0, 0];
    const collect = (into: number[], pairs: number[]): void => {
      into.length = 0;
      forEachPixelSpan(pairs, 2, this.v.scale, this.store.endTime, (x0, x1) => into.push(x0 * dpr, x1 * dpr));
    };
    const middle = LANE_H / 2;
    const left = this.v.scale.left;
    for (const lane of lanes) {
      const task = lane.task;
      collect(runs, task.runs);
      collect(waits, task.waits);
      lifetime[0] = Math.max(left, this.v.scale.toPx(task.created)) * dpr;
      lifetime[1] = Math.max(left, this.v.scale.toPx(task.end ? task.end.t : this.store.endTime)) * dpr;
      const y = laneY(lane);
      this.layer.band((y + RUN_INSET) * dpr, (y + WAIT_INSET) * dpr, [runs, run]);
      this.layer.band((y + WAIT_INSET) * dpr, (y + middle - 0.5) * dpr, [waits, wait], [runs, run]);
      this.layer.band((y + middle - 0.5) * dpr, (y + middle + 0.5) * dpr, [lifetime, life], [waits, wait], [runs, run]);
      this.layer.band((y + middle + 0.5) * dpr, (y + LANE_H - WAIT_INSET) * dpr, [waits, wait], [runs, run]);
      this.layer.band((y + LANE_H - WAIT_INSET) * dpr, (y + LANE_H - RUN_INSET) * dpr, [runs, run]);
    }
  }

  /**
   * Python coroutines awaited directly: thin bars along the top of their task's lane, a pixel apart
   * where one follows another (their names lead the labels of the waits inside them).
   */
  private drawSpans(lanes: Lane[], laneY: (l: Lane) => number): void {
    const ctx = this.ctx;
    ctx.fillStyle = this.v.theme.span;
    let selected: { x: number; y: number; w: number } | undefined;
    for (const lane of lanes) {
      const spans = this.v.spans.get(lane.task.id);
      if (!spans) continue;
      for (const span of spans) {
        if (span.created > this.v.scale.end) break;
        const x0 = this.v.scale.toPx(span.created);
        const x1 = this.v.scale.toPx(span.end ? span.end.t : this.store.endTime);
        if (x1 < this.v.scale.left) continue;
        ctx.fillRect(x0 + 1, laneY(lane) + 1, Math.max(1, x1 - x0 - 1), 2);
        if (span.id === this.v.selected) selected = { x: x0, y: laneY(lane), w: Math.max(2, x1 - x0) };
      }
    }
    if (selected) {
      // The selected span: its bracket in the selection's colour, and an outline of its extent.
      ctx.fillStyle = ctx.strokeStyle = this.v.theme.selection;
      ctx.fillRect(selected.x + 1, selected.y + 1, selected.w - 1, 3);
      ctx.strokeRect(selected.x + 0.5, selected.y + 0.5, selected.w, LANE_H - 1);
    }
  }

  /** Creation links: a line from the parent's lane (or the ancestor's shown) at the moment of creation to the child's lane. */
  private drawLinks(lanes: Lane[], laneY: (l: Lane) => number): void {
    const ctx = this.ctx;
    ctx.strokeStyle = this.v.theme.muted;
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    for (const lane of lanes) {
      const parent = this.v.laneById.get(lane.under);
      if (!parent) continue;
      const x = this.v.scale.toPx(lane.task.created);
      if (x < this.v.scale.left || x > this.v.scale.left + this.v.scale.width) continue;
      ctx.moveTo(x, laneY(parent) + LANE_H - 3);
      ctx.lineTo(x, laneY(lane) + 3);
      ctx.moveTo(x - 3, laneY(lane));
      ctx.lineTo(x, laneY(lane) + 3);
      ctx.lineTo(x + 3, laneY(lane));
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  /**
   * For the selected task, what woke its waits: a line from the waker's lane to the task's where
   * each wait ended, in the selection's colour (a producer's put handing a consumer its item).
   */
  private drawWakeLinks(laneY: (l: Lane) => number): void {
    const lane = this.v.laneById.get(this.v.selected);
    if (!lane) return;
    const { waits, waitWakers } = lane.task;
    const ctx = this.ctx;
    ctx.strokeStyle = this.v.theme.selection;
    ctx.beginPath();
    for (let i = firstEndingAfter(waits, this.v.scale.start); i < waitWakers.length; i++) {
      const end = waits[i * 2 + 1];
      if (waits[i * 2] > this.v.scale.end) break;
      const waker = waitWakers[i] ? this.v.laneById.get(waitWakers[i]) : undefined;
      if (!waker || end < 0) continue;
      const x = this.v.scale.toPx(end);
      const from = laneY(waker) + LANE_H / 2;
      const to = laneY(lane) + (from < laneY(lane) ? 3 : LANE_H - 3);
      const tip = from < to ? -3 : 3;
      ctx.moveTo(x, from);
      ctx.lineTo(x, to);
      ctx.moveTo(x - 3, to + tip);
      ctx.lineTo(x, to);
      ctx.lineTo(x + 3, to + tip);
    }
    ctx.stroke();
  }

  private drawWaitLabels(lanes: Lane[], laneY: (l: Lane) => number): void {
    const ctx = this.ctx;
    ctx.fillStyle = this.v.theme.foreground;
    for (const lane of lanes) {
      const w = lane.task.waits;
      for (let i = firstEndingAfter(w, this.v.scale.start); i * 2 < w.length; i++) {
        if (w[i * 2] > this.v.scale.end) break;
        const x0 = Math.max(this.v.scale.left, this.v.scale.toPx(w[i * 2]));
        const x1 = this.v.scale.toPx(this.store.endOf(w[i * 2 + 1]));
        if (x1 - x0 < 40) continue;
        const waitLabel = lane.task.waitLabels[i];
        const span = spanBesideWait(this.v.spans.get(lane.task.id), w[i * 2], waitLabel, this.store.tasks, this.store.endTime);
        const label = span ? `${span.name} › ${waitLabel}` : waitLabel;
        fitText(ctx, label, x0 + 3, laneY(lane) + LANE_H / 2, x1 - x0 - 6);
      }
    }
  }

  /** Rejected, cancelled and still-pending tasks are marked where they end. */
  private drawEnds(lanes: Lane[], laneY: (l: Lane) => number): void {
    const ctx = this.ctx;
    for (const lane of lanes) {
      const end = lane.task.end;
      const state = end ? end.state : this.store.live ? '' : 'pending';
      if (!state || state === 'resolved') continue;
      const x = this.v.scale.toPx(end ? end.t : this.store.endTime);
      if (x < this.v.scale.left) continue;
      ctx.fillStyle = state === 'rejected' ? this.v.theme.rejected : state === 'cancelled' ? this.v.theme.cancelled : this.v.theme.pending;
      const y = laneY(lane) + LANE_H / 2;
      ctx.beginPath();
      ctx.moveTo(x, y - 5);
      ctx.lineTo(x + 5, y);
      ctx.lineTo(x, y + 5);
      ctx.lineTo(x - 5, y);
      ctx.fill();
    }
  }

  private drawLabels(lanes: Lane[], laneY: (l: Lane) => number): void {
    const ctx = this.ctx;
    const th = this.v.theme;
    ctx.fillStyle = th.background;
    ctx.fillRect(0, this.v.top, this.v.scale.left, this.v.height);
    ctx.fillStyle = th.grid; // the column's edge, which a drag moves
    ctx.fillRect(this.v.scale.left - 1, this.v.top, 1, this.v.height - this.v.top - OVERVIEW_H);
    for (const lane of lanes) {
      const y = laneY(lane);
      if (lane.task.id === this.v.selected) {
        ctx.strokeStyle = th.selection;
        ctx.strokeRect(0.5, y + 0.5, this.v.width, LANE_H - 1);
      }
      const indent = labelIndent(lane.depth);
      ctx.fillStyle = th.muted;
      if (lane.hasChildren) ctx.fillText(this.v.collapsed.has(lane.task.id) ? '▸' : '▾', indent, y + LANE_H / 2);
      const end = lane.task.end?.state;
      ctx.fillStyle = end === 'rejected' ? th.rejected : lane.task.internal ? th.muted : th.foreground;
      fitText(ctx, lane.task.name, indent + 10, y + LANE_H / 2, this.v.scale.left - indent - 14, true);
    }
  }

  /** The label column's width that shows the whole name of each of `lanes`. */
  widestLabel(lanes: Lane[], theme: Theme): number {
    const ctx = this.ctx;
    ctx.font = theme.font;
    let widest = 0;
    for (const lane of lanes) widest = Math.max(widest, labelIndent(lane.depth) + 10 + ctx.measureText(inertText(lane.task.name)).width + 14);
    return Math.ceil(widest);
  }

  /** A lane for each thread's loop, the main thread's first: who held it, its long blocks. */
  private drawLoops(w: number, lanesBottom: number): void {
    const ctx = this.ctx;
    const th = this.v.theme;
    ctx.fillStyle = th.background;
    ctx.fillRect(0, AXIS_H, w, this.v.top - AXIS_H);
    const tracks: [string, LoopTrack][] = [['event loop', this.store.mainLoop]];
    for (const [thread, track] of this.store.threadLoops) tracks.push([`thread ${thread} loop`, track]);
    tracks.forEach(([label, track], i) => {
      const y = AXIS_H + i * LOOP_LANE_H + (LOOP_LANE_H - LOOP_H) / 2;
      ctx.fillStyle = th.muted;
      fitText(ctx, label, 4, y + LOOP_H / 2, this.v.scale.left - 8);
      ctx.save();
      ctx.beginPath();
      ctx.rect(this.v.scale.left, AXIS_H + i * LOOP_LANE_H, w - this.v.scale.left, LOOP_LANE_H);
      ctx.clip();
      this.drawLoopActivity(this.v.scale, y, LOOP_H, [track]);
      ctx.restore();
      this.drawNotRecorded(y, LOOP_H);
    });
    this.drawRecordingStop(lanesBottom);
  }

  /** Past the event cap no one is known to hold a loop: its lane is hatched from there to the end. */
  private drawNotRecorded(y: number, height: number): void {
    const from = this.store.recordedUntil;
    if (from < 0) return;
    const scale = this.v.scale;
    const start = scale.toPx(from);
    const x0 = Math.max(start, scale.left);
    const x1 = Math.min(scale.toPx(this.store.endTime), scale.left + scale.width);
    if (x1 <= x0) return;
    const ctx = this.ctx;
    const th = this.v.theme;
    ctx.save();
    ctx.strokeStyle = th.muted;
    ctx.beginPath();
    ctx.rect(x0, y, x1 - x0, height);
    ctx.clip();
    ctx.beginPath();
    // Anchored where recording stopped, so the hatching moves with the view as it pans.
    for (let x = start + Math.floor((x0 - start - height) / HATCH_GAP) * HATCH_GAP; x < x1; x += HATCH_GAP) {
      ctx.moveTo(x, y + height);
      ctx.lineTo(x + height, y);
    }
    ctx.stroke();
    const label = 'not recorded: event cap reached';
    const labelWidth = Math.min(ctx.measureText(label).width, x1 - x0 - 8);
    if (labelWidth > 24) {
      ctx.fillStyle = th.background;
      ctx.fillRect(x0 + 2, y, labelWidth + 4, height);
      ctx.fillStyle = th.muted;
      fitText(ctx, label, x0 + 4, y + height / 2, labelWidth);
    }
    ctx.restore();
  }

  /** Past the event cap: a dashed line through the lanes marks where recording stopped. */
  private drawRecordingStop(bottom: number): void {
    const from = this.store.recordedUntil;
    const start = this.v.scale.toPx(from);
    if (from < 0 || start < this.v.scale.left) return;
    const ctx = this.ctx;
    ctx.strokeStyle = this.v.theme.muted;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(start) + 0.5, AXIS_H);
    ctx.lineTo(Math.round(start) + 0.5, bottom);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  /** Loops' busy time and their long blocks as bars from `y`, on `scale` (the view's, or the overview's), in one band. */
  private drawLoopActivity(scale: TimeScale, y: number, height: number, tracks: LoopTrack[]): void {
    const ctx = this.ctx;
    ctx.fillStyle = this.v.theme.loopBusy;
    ctx.beginPath();
    for (const track of tracks) forEachPixelSpan(track.segments, 3, scale, this.store.endTime, (x0, x1) => ctx.rect(x0, y, x1 - x0, height));
    ctx.fill();
    // Long blocks are few and must show however far out the view is zoomed, over any loop's busy time.
    ctx.fillStyle = this.v.theme.longBlock;
    ctx.beginPath();
    for (const track of tracks) {
      const loop = track.segments;
      for (const i of track.longBlocks()) {
        const x0 = Math.floor(scale.toPx(loop[i]));
        const x1 = Math.max(Math.ceil(scale.toPx(this.store.endOf(loop[i + 1]))), x0 + 1);
        if (x1 >= scale.left && x0 <= scale.left + scale.width) ctx.rect(x0, y, x1 - x0, height);
      }
    }
    ctx.fill();
  }

  private drawAxis(w: number, h: number, signalLines: SignalLine[]): void {
    const ctx = this.ctx;
    const th = this.v.theme;
    ctx.fillStyle = th.background;
    ctx.fillRect(0, 0, w, AXIS_H);
    const { step, times } = this.v.scale.ticks(110);
    ctx.strokeStyle = th.grid;
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    for (const t of times) {
      const x = Math.round(this.v.scale.toPx(t)) + 0.5;
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, h);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillStyle = th.muted;
    for (const t of times) {
      const label = formatTick(t, step);
      const x = this.v.scale.toPx(t) + 3;
      const end = x + ctx.measureText(label).width;
      if (!signalLines.some((s) => s.width > 0 && x < s.x + s.width + 6 && end > s.x)) ctx.fillText(label, x, AXIS_H / 2);
    }
    if (this.v.follow && this.store.live) fitText(ctx, 'following the end', 4, AXIS_H / 2, this.v.scale.left - 8);
  }
}

/**
 * Draws text cut to fit `maxWidth`, as text (never markup): its end cut off, or (`keepEnd`) its
 * middle, where names that begin alike differ (`fetch GET 127…/users/1`, `TCP socket…0.0.1:8080`).
 */
function fitText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth: number, keepEnd = false): void {
  if (maxWidth < 8) return;
  const clean = inertText(text);
  const width = ctx.measureText(clean).width;
  if (width <= maxWidth) {
    ctx.fillText(clean, x, y);
    return;
  }
  // `n` characters kept: the first ones, or half of them from each end.
  const cut = (n: number): string => (keepEnd ? `${clean.slice(0, Math.ceil(n / 2))}…${clean.slice(clean.length - Math.floor(n / 2))}` : `${clean.slice(0, n)}…`);
  let n = Math.floor(clean.length * (maxWidth / width));
  while (n > 0 && ctx.measureText(cut(n)).width > maxWidth) n--;
  if (n > 0) ctx.fillText(cut(n), x, y);
}
