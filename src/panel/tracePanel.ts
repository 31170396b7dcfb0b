// A webview panel that shows one trace, live while its run goes on. Speaks the protocol in
// src/shared/protocol.ts: the webview says ready, gets the full state, then updates.
import * as vscode from 'vscode';
import type { TraceModel } from '../trace/model';
import { parseWebviewMessage, type HostMessage, type PanelState, type RunStatus } from '../shared/protocol';
import { panelState } from './panelState';
import { TimelineFeed } from './timelineUpdate';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { openSite, sitesOf } from './sites';
import { UPDATE_INTERVAL_MS, UpdatePacer } from './updatePacer';
import { LOAD_ATTEMPTS, LoadWatchdog } from './loadWatchdog';

/** What a panel shows: a live session or a trace read from a file. */
export interface TraceSource {
  title: string;
  model: TraceModel;
  status(): RunStatus;
  problem(): string | undefined;
  /** Where the timeline ends: for a live run, the time since it began. */
  now(): number;
  /** A file holding this trace, to reopen the panel after a window reload. */
  restoreFile(): string | undefined;
  onChange(listener: () => void): vscode.Disposable | { dispose(): void };
}

/** How often a live panel's clock moves on when no events arrive. */
const HEARTBEAT_MS = 250;

export class TracePanel implements vscode.Disposable {
  static readonly viewType = 'tasklane.timeline';
  lastState: PanelState | undefined;
  private ready = false;
  /** Test seam: the webview's next 'ready' is dropped, as if its load had failed. */
  private loseNextReady = false;
  /** The webview (re)loaded and needs everything, not a delta. */
  private needsFull = false;
  private readonly pacer = new UpdatePacer(UPDATE_INTERVAL_MS, () => this.send());
  private readonly watchdog: LoadWatchdog;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly closeListeners = new Set<() => void>();
  private readonly feed: TimelineFeed;

  constructor(readonly panel: vscode.WebviewPanel, readonly source: TraceSource, extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {
    this.feed = new TimelineFeed(source.model);
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri);
    this.watchdog = new LoadWatchdog({
      reload: (attempt) => {
        log.warn(`The timeline of ${source.title} did not load; loading it again (attempt ${attempt} of ${LOAD_ATTEMPTS}).`);
        // A new nonce makes new HTML: VS Code loads the webview again only when its HTML changes.
        panel.webview.html = webviewHtml(panel.webview, extensionUri);
      },
      giveUp: () => {
        const message = `Tasklane: the timeline of ${source.title} did not load. VS Code's webviews may be failing to start; reloading the window usually mends that.`;
        log.error(message);
        void vscode.window.showErrorMessage(message, 'Reload Window').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.reloadWindow');
        });
      },
    });
    if (panel.visible) this.watchdog.shown();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'tasklane.svg');
    const change = source.onChange(() => {
      if (this.ready) this.pacer.schedule();
    });
    // While a run is live the clock moves on even when the program makes no events.
    const heartbeat = setInterval(() => {
      if (!isLive(source.status())) return clearInterval(heartbeat);
      if (this.ready) this.pacer.schedule();
    }, HEARTBEAT_MS);
    this.disposables.push(
      { dispose: () => change.dispose() },
      { dispose: () => clearInterval(heartbeat) },
      panel.webview.onDidReceiveMessage((raw) => this.receive(raw)),
      panel.onDidChangeViewState(() => (panel.visible ? this.watchdog.shown() : this.watchdog.hidden())),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  static open(source: TraceSource, extensionUri: vscode.Uri, log: vscode.LogOutputChannel): TracePanel {
    const panel = vscode.window.createWebviewPanel(TracePanel.viewType, `Tasklane: ${source.title}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(extensionUri));
    return new TracePanel(panel, source, extensionUri, log);
  }

  /** The webview's next load will seem to fail (see TasklaneTestApi.loseNextLoad). */
  loseNextLoad(): void {
    this.loseNextReady = true;
  }

  /** Sends the current state now (after something outside the model changed). */
  refresh(): void {
    if (this.ready) this.pacer.flush();
  }

  onDidClose(listener: () => void): void {
    this.closeListeners.add(listener);
  }

  dispose(): void {
    this.pacer.dispose();
    this.watchdog.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }

  /** Handles a message from the webview; one that is malformed or not allowed is refused, logged, and the reason returned. */
  receive(raw: unknown): string | undefined {
    const message = parseWebviewMessage(raw);
    if (!message) return this.refuse(`Refused a malformed message from the timeline webview: ${safeJson(raw)}`);
    switch (message.type) {
      case 'ready':
        if (this.loseNextReady) {
          this.loseNextReady = false;
          break;
        }
        this.watchdog.ready();
        this.ready = true;
        this.needsFull = true;
        this.pacer.flush();
        break;
      case 'applied':
        this.pacer.applied();
        break;
      case 'openSite':
        if (!sitesOf(this.source.model).has(message.site)) return this.refuse(`Refused to open ${message.site}: the trace does not name it.`);
        void openSite(message.site);
        break;
      default:
        return this.refuse(`Refused an unknown message from the timeline webview: ${safeJson(message)}`);
    }
    return undefined;
  }

  private refuse(reason: string): string {
    this.log.warn(reason);
    return reason;
  }

  private send(): void {
    const full = this.needsFull;
    this.needsFull = false;
    const hideInternal = vscode.workspace.getConfiguration('tasklane').get<boolean>('hideInternal') ?? true;
    const status = this.source.status();
    const now = this.source.now();
    this.lastState = panelState(this.source.model, this.source.title, status, { hideInternal, problem: this.source.problem(), restoreFile: this.source.restoreFile(), elapsed: now });
    const live = isLive(status);
    const timeline: HostMessage = { type: 'timeline', update: full ? this.feed.full(live, now) : this.feed.delta(live, now) };
    const state: HostMessage = { type: 'state', state: this.lastState };
    void this.panel.webview.postMessage(timeline);
    void this.panel.webview.postMessage(state);
    if (this.feed.behind) this.pacer.schedule();
  }
}

function isLive(status: RunStatus): boolean {
  return status === 'running' || status === 'starting';
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return '(unprintable)';
  }
}
