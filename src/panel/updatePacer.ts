// Paces timeline updates to a webview (pure). A change after a quiet spell goes out at once;
// changes that follow quickly wait for the interval and go out together. And while the webview
// has not yet applied the last update, nothing more is sent: under a flood of events the updates
// grow instead of queueing up, so the screen stays at most about one update behind.

/**
 * A panel's updates go out at most this often while a run streams in. With the runner's 20 ms
 * flushes this keeps an event's way to the screen under 100 ms (bench/webview.ts measures it).
 */
export const UPDATE_INTERVAL_MS = 25;
/** A webview that has not said it applied an update by then (hidden, or gone) gets the next anyway. */
const APPLIED_TIMEOUT_MS = 2000;

export class UpdatePacer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unapplied: ReturnType<typeof setTimeout> | undefined;
  private changedMeanwhile = false;
  private lastSent = -Infinity;

  constructor(private readonly intervalMs: number, private readonly send: () => void) {}

  /** Something changed. */
  schedule(): void {
    if (this.unapplied) {
      this.changedMeanwhile = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends now, whether or not the webview applied the last update; a send already scheduled is folded in. */
  flush(): void {
    this.dispose();
    this.lastSent = Date.now();
    this.unapplied = setTimeout(() => this.applied(), APPLIED_TIMEOUT_MS);
    this.send();
  }

  /** The webview applied the last update. */
  applied(): void {
    if (this.unapplied) clearTimeout(this.unapplied);
    this.unapplied = undefined;
    if (this.changedMeanwhile) {
      this.changedMeanwhile = false;
      this.schedule();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.unapplied) clearTimeout(this.unapplied);
    this.timer = undefined;
    this.unapplied = undefined;
  }
}
