// The canvas timeline: an axis, the event loop lane, then one lane per task. Owns the view's state
// (zoom, scroll, selection, filter), the pointer and the keys, and lays the lanes out; painting
// (only what is visible, at most once per animation frame) is TimelinePainter's.
import type { TimelineTask } from '../../src/shared/protocol';
import { laneOwner } from '../../src/trace/spanTime';
import { hoverText, type Hit } from './hit';
import { firstEndingAfter, laneAt, layoutLanesGradually, spanAt, type Lane, type LaneLayout } from './lanes';
import { readTheme, watchTheme, type Theme } from './theme';
import { EDGE_GRAB_PX, LABEL_W, LANE_H, labelIndent, MAX_LABEL_SHARE, MIN_LABEL_W, OVERVIEW_H, SPAN_BAND_H, lanesTop } from './timelineGeometry';
import { TimelinePainter } from './timelinePainter';
import { TimeScale } from './timeScale';
import type { TimelineStore } from './timelineStore';

/** A new layout waits this many times as long as the last one took: layout gets at most a fifth of the time. */
const LAYOUT_SPACING = 4;
/** At most this much of a frame goes to laying out lanes; a bigger layout goes on in the next frames. */
const LAYOUT_SLICE_MS = 8;

export interface ViewState {
  start: number;
  span: number;
  follow: boolean;
  selected: number;
  collapsed: number[];
  filter: string;
  hideInternal: boolean;
  scrollY: number;
  /** The label column's width as the user left it (drawn within its limits for the view's width). */
  labelWidth: number;
}

export interface TimelineCallbacks {
  /** The selection or the hovered task changed: the DOM summary shows it. */
  onSelect(task: TimelineTask | undefined): void;
  onHover(task: TimelineTask | undefined, x: number, y: number, text: string): void;
  onOpen(site: string): void;
  onViewChange(state: ViewState): void;
}

/** What is under the pointer: a task's lane, and the wait there if any. */
export class TimelineView {
  /** Time across the lanes, right of the label column (its `left` is the column's width). */
  readonly scale = new TimeScale(0, 1, LABEL_W, 1);
  /** The whole run over the same pixels, for the overview. */
  private readonly overview = new TimeScale(0, 1, LABEL_W, 1);
  readonly canvas: HTMLCanvasElement;
  lanes: Lane[] = [];
  private laneById = new Map<number, Lane>();
  /** Python coroutine spans, by the task whose lane they are drawn on. */
  private spans = new Map<number, TimelineTask[]>();
  selected = 0;
  follow = true;
  filter = '';
  hideInternal = true;
  labelWidth = LABEL_W;
  readonly collapsed = new Set<number>();
  private scrollY = 0;
  private theme: Theme;
  private readonly painter: TimelinePainter;
  private frame = 0;
  private laidOutVersion = -1;
  private laidOutAt = 0;
  private layoutMs = 0;
  private layoutTimer: ReturnType<typeof setTimeout> | undefined;
  /** A layout under way, a slice per frame: the lanes laid out before are drawn until it is done. */
  private layoutJob: { version: number; steps: Generator<void, LaneLayout, void>; workMs: number } | undefined;
  private drag: { x: number; y: number; moved: boolean; overview: boolean; edge: boolean } | undefined;

  constructor(private readonly host: HTMLElement, private readonly store: TimelineStore, private readonly cb: TimelineCallbacks, saved?: Partial<ViewState>) {
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Timeline of the run’s tasks; use arrow keys to move, + and - to zoom, Home and End to jump');
    host.append(this.canvas);
    this.painter = new TimelinePainter(this.canvas.getContext('2d', { alpha: false })!, store);
    this.theme = readTheme();
    if (saved) this.restore(saved);
    watchTheme(() => {
      this.theme = readTheme();
      this.requestDraw();
    });
    new ResizeObserver(() => this.requestDraw()).observe(host);
    this.listen();
  }

  /** New data arrived. */
  update(): void {
    if (this.follow) this.scale.fit(0, Math.max(this.store.endTime, 1));
    this.requestDraw();
  }

  fit(): void {
    this.follow = !this.store.live ? false : true;
    this.scale.fit(0, Math.max(this.store.endTime, 1));
    this.changed();
  }

  setFilter(filter: string, hideInternal: boolean): void {
    this.filter = filter;
    this.hideInternal = hideInternal;
    this.layOutAgain();
    this.changed();
  }

  select(id: number): void {
    this.selected = id;
    this.cb.onSelect(this.store.tasks.get(id));
    this.changed();
  }

  /** Search: selects the next lane (or the previous one) whose name matches the filter, and shows it. */
  findNext(backwards = false): void {
    const needle = this.filter.trim().toLowerCase();
    const n = this.lanes.length;
    if (!needle || n === 0) return;
    const from = this.lanes.findIndex((l) => l.task.id === this.selected);
    for (let step = 1; step <= n; step++) {
      const lane = this.lanes[(((from < 0 && backwards ? 0 : from) + (backwards ? -step : step)) % n + n) % n];
      if (!lane.task.name.toLowerCase().includes(needle)) continue;
      this.select(lane.task.id);
      this.reveal();
      const end = lane.task.end ? lane.task.end.t : this.store.endTime;
      if (lane.task.created > this.scale.end || end < this.scale.start) this.centreOn(lane.task.created);
      this.changed();
      return;
    }
  }

  viewState(): ViewState {
    return {
      start: this.scale.start, span: this.scale.span, follow: this.follow, selected: this.selected, collapsed: [...this.collapsed],
      filter: this.filter, hideInternal: this.hideInternal, scrollY: this.scrollY, labelWidth: this.labelWidth,
    };
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** The task lane and wait at a point in CSS pixels. */
  hitTest(x: number, y: number): Hit | undefined {
    if (this.inOverview(y)) return undefined;
    const lane = laneAt(this.lanes, y + this.scrollY, this.top, LANE_H);
    if (!lane) return undefined;
    const t = this.scale.toTime(x);
    const w = lane.task.waits;
    const i = firstEndingAfter(w, t);
    const inside = i * 2 < w.length && w[i * 2] <= t && this.store.endOf(w[i * 2 + 1]) >= t;
    const onBracket = x >= this.scale.left && y + this.scrollY - lane.y < SPAN_BAND_H;
    const span = onBracket ? spanAt(this.spans.get(lane.task.id), t, this.store.tasks, this.store.endTime) : undefined;
    return { lane, wait: x >= this.scale.left && inside ? i : -1, span };
  }

  private restore(s: Partial<ViewState>): void {
    if (typeof s.start === 'number' && typeof s.span === 'number' && s.span > 0) {
      this.scale.start = s.start;
      this.scale.span = s.span;
    }
    this.follow = s.follow ?? true;
    this.selected = s.selected ?? 0;
    this.filter = s.filter ?? '';
    this.hideInternal = s.hideInternal ?? true;
    this.scrollY = s.scrollY ?? 0;
    if (typeof s.labelWidth === 'number' && Number.isFinite(s.labelWidth)) this.labelWidth = s.labelWidth;
    for (const id of s.collapsed ?? []) this.collapsed.add(id);
  }

  private changed(): void {
    this.cb.onViewChange(this.viewState());
    this.requestDraw();
  }

  private stopFollowing(): void {
    this.follow = false;
  }

  private listen(): void {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      if (e.shiftKey) {
        this.scrollBy(e.deltaY);
      } else {
        this.stopFollowing();
        this.scale.zoomAt(Math.max(this.scale.left, e.offsetX), Math.exp(e.deltaY * (e.ctrlKey ? 0.01 : 0.002)), 1);
      }
      this.changed();
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => {
      const edge = this.onLabelEdge(e.offsetX);
      const overview = !edge && this.inOverview(e.offsetY) && e.offsetX >= this.scale.left;
      this.drag = { x: e.offsetX, y: e.offsetY, moved: false, overview, edge };
      c.setPointerCapture(e.pointerId);
      if (overview) this.centreOn(this.overview.toTime(e.offsetX));
    });
    c.addEventListener('pointermove', (e) => {
      if (this.drag?.edge) {
        this.drag.moved = true;
        this.labelWidth = this.labelWidthFor(e.offsetX);
        this.changed();
        return;
      }
      if (this.drag?.overview) {
        this.centreOn(this.overview.toTime(e.offsetX));
        return;
      }
      if (this.drag) {
        const dx = e.offsetX - this.drag.x;
        const dy = e.offsetY - this.drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 2) this.drag.moved = true;
        if (this.drag.moved) {
          this.stopFollowing();
          this.scale.panPx(dx);
          this.scrollBy(-dy);
          this.drag.x = e.offsetX;
          this.drag.y = e.offsetY;
          this.changed();
        }
        return;
      }
      c.style.cursor = this.onLabelEdge(e.offsetX) ? 'col-resize' : '';
      this.hover(e.offsetX, e.offsetY);
    });
    c.addEventListener('pointerup', (e) => {
      const drag = this.drag;
      this.drag = undefined;
      if (drag && !drag.moved && !drag.overview && !drag.edge) this.click(e.offsetX, e.offsetY);
    });
    c.addEventListener('pointerleave', () => this.cb.onHover(undefined, 0, 0, ''));
    c.addEventListener('dblclick', (e) => {
      if (this.onLabelEdge(e.offsetX)) {
        // The names on screen, whole.
        this.labelWidth = this.labelWidthFor(this.painter.widestLabel(this.visibleLanes(this.canvas.clientHeight), this.theme));
        this.changed();
        return;
      }
      const hit = this.hitTest(e.offsetX, e.offsetY);
      if (!hit) return;
      const site = hit.wait >= 0 ? hit.lane.task.waitSites[hit.wait] : hit.lane.task.site;
      if (site) this.cb.onOpen(site);
    });
    c.addEventListener('keydown', (e) => this.key(e));
  }

  private key(e: KeyboardEvent): void {
    const width = this.scale.width;
    const index = this.lanes.findIndex((l) => l.task.id === this.selected);
    switch (e.key) {
      case 'ArrowLeft': this.stopFollowing(); this.scale.panPx(width / 8); break;
      case 'ArrowRight': this.stopFollowing(); this.scale.panPx(-width / 8); break;
      case 'ArrowUp': if (this.lanes.length) this.select(this.lanes[Math.max(0, index - 1)].task.id); this.reveal(); break;
      case 'ArrowDown': if (this.lanes.length) this.select(this.lanes[Math.min(this.lanes.length - 1, index + 1)].task.id); this.reveal(); break;
      case '+': case '=': this.stopFollowing(); this.scale.zoomAt(this.scale.left + width / 2, 0.8, 1); break;
      case '-': case '_': this.stopFollowing(); this.scale.zoomAt(this.scale.left + width / 2, 1.25, 1); break;
      case 'Home': this.stopFollowing(); this.scale.start = 0; break;
      case 'End': this.follow = true; this.scale.fit(0, Math.max(this.store.endTime, 1)); break;
      case '0': this.fit(); break;
      case 'Enter': { const t = this.store.tasks.get(this.selected); if (t?.site) this.cb.onOpen(t.site); break; }
      case ' ': if (this.selected) this.toggle(this.selected); break;
      default: return;
    }
    e.preventDefault();
    this.changed();
  }

  /** On the label column's edge, which a drag moves. */
  private onLabelEdge(x: number): boolean {
    return Math.abs(x - this.scale.left) <= EDGE_GRAB_PX;
  }

  /** `width` kept to the label column's limits for the view's width. */
  private labelWidthFor(width: number): number {
    return Math.round(Math.max(MIN_LABEL_W, Math.min(width, this.host.clientWidth * MAX_LABEL_SHARE)));
  }

  private inOverview(y: number): boolean {
    return y >= this.canvas.clientHeight - OVERVIEW_H;
  }

  /** Where the task lanes start, below the loop lanes. */
  private get top(): number {
    return lanesTop(1 + this.store.threadLoops.size);
  }

  /** Height in CSS pixels of the lanes' area, between the loop lanes and the overview. */
  private lanesHeight(): number {
    return this.canvas.clientHeight - this.top - OVERVIEW_H;
  }

  /** Moves the view (not its zoom) so that `t` is in the middle: what a click on the overview does. */
  private centreOn(t: number): void {
    this.stopFollowing();
    this.scale.start = t - this.scale.span / 2;
    this.changed();
  }

  private reveal(): void {
    const selected = this.store.tasks.get(this.selected);
    const id = selected ? laneOwner(selected, this.store.tasks).id : this.selected; // a span's is its task's lane
    const lane = this.lanes.find((l) => l.task.id === id);
    if (!lane) return;
    const view = this.lanesHeight();
    if (lane.y - this.top < this.scrollY) this.scrollY = lane.y - this.top;
    else if (lane.y - this.top + LANE_H > this.scrollY + view) this.scrollY = lane.y - this.top + LANE_H - view;
  }

  private toggle(id: number): void {
    if (this.collapsed.has(id)) this.collapsed.delete(id);
    else this.collapsed.add(id);
    this.layOutAgain();
  }

  /** The lanes must change now (a filter, a collapse): no waiting, and a layout under way is dropped. */
  private layOutAgain(): void {
    this.laidOutVersion = -1;
    this.layoutJob = undefined;
  }

  private scrollBy(dy: number): void {
    const max = Math.max(0, this.lanes.length * LANE_H - this.lanesHeight());
    this.scrollY = Math.min(max, Math.max(0, this.scrollY + dy));
  }

  private click(x: number, y: number): void {
    this.canvas.focus();
    const hit = this.hitTest(x, y);
    if (!hit) return;
    if (x < this.scale.left && hit.lane.hasChildren && x < labelIndent(hit.lane.depth) + 12) this.toggle(hit.lane.task.id);
    this.select(hit.span?.id ?? hit.lane.task.id);
  }

  private hover(x: number, y: number): void {
    const hit = this.hitTest(x, y);
    if (!hit) return this.cb.onHover(undefined, x, y, '');
    this.cb.onHover(hit.span ?? hit.lane.task, x, y, hoverText(hit, this.store, this.spans));
  }

  /**
   * Lays the lanes out again when tasks came or changed. While a flood of new tasks streams in,
   * doing it every frame would take all the time, so it waits LAYOUT_SPACING times as long as the
   * last one took (new lanes appear a little later; segments of the lanes there keep drawing).
   * Asked for by the user (filter, collapse, hiding internals), it happens at once.
   */
  private layout(): void {
    if (this.layoutJob === undefined) {
      if (this.laidOutVersion === this.store.structureVersion) return;
      const wait = this.laidOutAt + this.layoutMs * LAYOUT_SPACING - performance.now();
      if (this.laidOutVersion !== -1 && wait > 0) {
        this.layoutTimer ??= setTimeout(() => {
          this.layoutTimer = undefined;
          this.requestDraw();
        }, wait);
        return;
      }
      const options = { hideInternal: this.hideInternal, filter: this.filter, collapsed: this.collapsed, laneHeight: LANE_H, top: this.top };
      this.layoutJob = { version: this.store.structureVersion, steps: layoutLanesGradually(this.store.tasks, options), workMs: 0 };
    }
    const job = this.layoutJob;
    const began = performance.now();
    let step = job.steps.next();
    while (!step.done && performance.now() - began < LAYOUT_SLICE_MS) step = job.steps.next();
    job.workMs += performance.now() - began;
    if (!step.done) {
      this.requestDraw(); // the rest in the next frames
      return;
    }
    this.layoutJob = undefined;
    this.laidOutVersion = job.version;
    ({ lanes: this.lanes, byId: this.laneById, spans: this.spans } = step.value);
    this.laidOutAt = performance.now();
    this.layoutMs = job.workMs;
  }

  /** The lanes on screen in a view `h` CSS pixels high. */
  private visibleLanes(h: number): Lane[] {
    const first = Math.max(0, Math.floor(this.scrollY / LANE_H));
    const last = Math.min(this.lanes.length, Math.ceil((this.scrollY + h - OVERVIEW_H - this.top) / LANE_H));
    return this.lanes.slice(first, last);
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = this.host.clientWidth;
    const h = this.host.clientHeight;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    this.layout();
    this.scale.left = this.labelWidthFor(this.labelWidth);
    this.scale.width = Math.max(1, w - this.scale.left);
    this.painter.paint({
      scale: this.scale, overview: this.overview, visible: this.visibleLanes(h), laneById: this.laneById, spans: this.spans,
      scrollY: this.scrollY, top: this.top, selected: this.selected, collapsed: this.collapsed, follow: this.follow, theme: this.theme, width: w, height: h, dpr,
    });
  }
}
