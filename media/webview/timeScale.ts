// One owner for every time ↔ pixel conversion (pure: no DOM). Times are microseconds.

export class TimeScale {
  /** Visible window [start, start + span) in µs, drawn over `width` CSS pixels starting at `left`. */
  constructor(
    public start = 0,
    public span = 1_000_000,
    public left = 0,
    public width = 1000,
  ) {}

  get end(): number {
    return this.start + this.span;
  }

  /** Microseconds per CSS pixel. */
  get usPerPx(): number {
    return this.span / Math.max(1, this.width);
  }

  toPx(t: number): number {
    return this.left + ((t - this.start) / this.span) * this.width;
  }

  toTime(px: number): number {
    return this.start + ((px - this.left) / this.width) * this.span;
  }

  /** Zooms by `factor` (<1 zooms in) keeping the time under `px` where it is. */
  zoomAt(px: number, factor: number, minSpan = 1, maxSpan = Number.MAX_SAFE_INTEGER): void {
    const anchor = this.toTime(px);
    const span = Math.min(maxSpan, Math.max(minSpan, this.span * factor));
    const ratio = (px - this.left) / this.width;
    this.span = span;
    this.start = anchor - ratio * span;
  }

  panPx(dx: number): void {
    this.start -= dx * this.usPerPx;
  }

  /** Shows [start, end] with a small margin. */
  fit(start: number, end: number): void {
    const span = Math.max(1, end - start);
    this.start = start - span * 0.02;
    this.span = span * 1.04;
  }

  /** Keeps the window inside [0, end + a margin] where possible. */
  clamp(end: number): void {
    const max = Math.max(end, 1) * 1.05;
    if (this.span > max * 2) this.span = max * 2;
    if (this.start < -this.span * 0.05) this.start = -this.span * 0.05;
    if (this.start > max) this.start = max - this.span * 0.5;
  }

  /** Axis ticks: a step of 1, 2 or 5 × 10^n µs giving about `targetPx` pixels between ticks. */
  ticks(targetPx = 100): { step: number; times: number[] } {
    const raw = this.usPerPx * targetPx;
    const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
    const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
    const times: number[] = [];
    for (let t = Math.ceil(this.start / step) * step; t <= this.end; t += step) times.push(t);
    return { step, times };
  }
}

/** A tick label with units that suit the tick step. */
export function formatTick(t: number, step: number): string {
  if (step >= 1_000_000) return `${+(t / 1_000_000).toFixed(step >= 10_000_000 ? 0 : 1)} s`;
  if (step >= 1000) return `${+(t / 1000).toFixed(step >= 10_000 ? 0 : step >= 1000 ? 0 : 1)} ms`;
  return `${+t.toFixed(0)} µs`;
}
