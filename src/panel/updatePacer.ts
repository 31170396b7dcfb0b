// Paces updates to a webview (pure): a change after a quiet spell goes out at once; changes that
// follow quickly wait until the interval has passed and go out together.

/**
 * A panel's updates go out at most this often while a run streams in. With the runner's 20 ms
 * flushes this keeps an event's way to the screen under 100 ms (bench/webview.ts measures it).
 */
export const UPDATE_INTERVAL_MS = 40;

export class UpdatePacer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = -Infinity;

  constructor(private readonly intervalMs: number, private readonly send: () => void) {}

  /** Something changed. */
  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends now; a send already scheduled is folded into this one. */
  flush(): void {
    this.dispose();
    this.lastSent = Date.now();
    this.send();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
