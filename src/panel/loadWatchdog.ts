// Watches a webview load (pure). VS Code's webviews load through a service worker that now and
// then fails to start (microsoft/vscode#125993), leaving the panel blank for good: a webview that
// has not said it is ready some seconds after it was shown is loaded again, a few times, and
// then the user is told.

/** How long a shown webview may take to say it is ready before it is loaded again. */
export const LOAD_TIMEOUT_MS = 8000;
/** Loads tried, the first included, before giving up. */
export const LOAD_ATTEMPTS = 3;

export interface LoadActions {
  /** Load the webview again (a new document). `attempt` is the one starting, from 2. */
  reload(attempt: number): void;
  /** Every attempt timed out. */
  giveUp(): void;
}

export class LoadWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 1;
  private loaded = false;

  constructor(private readonly actions: LoadActions, private readonly timeoutMs = LOAD_TIMEOUT_MS) {}

  /** The panel is on screen, so its webview is loading or loaded. */
  shown(): void {
    if (this.loaded || this.timer || this.attempts > LOAD_ATTEMPTS) return;
    this.timer = setTimeout(() => this.timedOut(), this.timeoutMs);
  }

  /** The panel went off screen: VS Code drops its webview's document and loads it anew when shown. */
  hidden(): void {
    this.stop();
    this.loaded = false;
  }

  /** The webview said it is ready. */
  ready(): void {
    this.stop();
    this.loaded = true;
    this.attempts = 1;
  }

  dispose(): void {
    this.stop();
  }

  private timedOut(): void {
    this.timer = undefined;
    if (this.attempts === LOAD_ATTEMPTS) {
      this.attempts++;
      this.actions.giveUp();
      return;
    }
    this.attempts++;
    this.actions.reload(this.attempts);
    this.shown();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
