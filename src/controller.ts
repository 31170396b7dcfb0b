// The extension's commands: run the current script under the tracer, stop it, open a trace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_MAX_EVENTS, runtimeFor, type Runtime } from './session/launch';
import { scriptEnvironment } from './session/environment';
import { filledPath, settingProgram, withWorkspaceFolder } from './session/settingPaths';
import { checkPython, pythonFromExtension } from './session/interpreter';
import { ScriptTerminal } from './session/scriptTerminal';
import { saveTrace, saveTraceSync, traceFileBytes } from './session/saveTrace';
import { parseTrace } from './trace/load';
import { InvalidTraceError } from './trace/validate';
import type { TraceModel } from './trace/model';
import { formatBytes, formatDuration } from './trace/format';
import { TraceSession } from './session/traceSession';
import type { PanelState, RunStatus } from './shared/protocol';
import { TracePanel, type TraceSource } from './panel/tracePanel';

/** Runs kept on disk so their panels come back after a window reload. */
const KEPT_TRACES = 20;
/** A run that lasts longer than this gets a progress notification (with Cancel to stop it). */
const PROGRESS_AFTER_MS = 3000;

/** What tests (and only tests) may look at through the extension's exports. */
export interface TasklaneTestApi {
  panelStates(): PanelState[];
  liveRuns(): { script: string; pid: number | undefined }[];
  /** The last error message shown to the user. */
  lastError(): string | undefined;
  /** Settles when the last run has ended and the extension is done with it (its trace kept for restoring). */
  lastRun(): Promise<void> | undefined;
  /** Hands `raw` to the newest panel as if its webview sent it; returns the reason it was refused (and logged), if it was. */
  webviewSays(raw: unknown): string | undefined;
  /** The next panel's webview will seem not to load the first time: its 'ready' is dropped. */
  loseNextLoad(): void;
}

export class Controller implements vscode.Disposable {
  /** Live runs, each with the file its trace is kept in for restoring its panel. */
  private readonly sessions = new Map<TraceSession, string>();
  private readonly panels = new Set<TracePanel>();
  private readonly statusItem: vscode.StatusBarItem;
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  /** The last run's end, with all the extension does after it (keeping its trace for restoring). */
  private latestRun: Promise<void> | undefined;
  private latestError: string | undefined;
  /** The panel the user looked at last: what Export Trace exports. */
  private focused: TracePanel | undefined;
  private nextLoadLost = false;
  /** Terminals of finished runs the user has not closed, by script: the next run of the script prints there. */
  private readonly idleTerminals = new Map<string, ScriptTerminal>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel, private readonly storageDir: string) {
    this.statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
    this.statusItem.command = 'tasklane.stop';
    this.statusItem.tooltip = 'Tasklane is tracing a script. Click to stop it.';
  }

  readonly testApi: TasklaneTestApi = {
    panelStates: () => [...this.panels].flatMap((p) => (p.lastState ? [p.lastState] : [])),
    liveRuns: () => [...this.sessions.keys()].map((s) => ({ script: s.options.script, pid: s.pid })),
    lastRun: () => this.latestRun,
    lastError: () => this.latestError,
    webviewSays: (raw) => [...this.panels].at(-1)?.receive(raw),
    loseNextLoad: () => {
      this.nextLoadLost = true;
    },
  };

  private showError(message: string): void {
    this.latestError = message;
    this.log.error(message);
    void vscode.window.showErrorMessage(message);
  }

  async runWithTrace(target?: vscode.Uri): Promise<boolean> {
    if (!vscode.workspace.isTrusted) {
      this.showError('Tasklane runs scripts only in a trusted workspace: running one executes its code. Trust this workspace to run it; opening trace files works in Restricted Mode.');
      return false;
    }
    const uri = target ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      this.showError('Tasklane: open a JavaScript, TypeScript or Python file (or pick one in the Explorer) to run it with tracing.');
      return false;
    }
    if (uri.scheme !== 'file') {
      const where = uri.scheme === 'untitled' ? 'save it first' : `it is not on this machine's disk (${uri.scheme}:)`;
      this.showError(`Tasklane runs scripts from files on disk: to run ${path.posix.basename(uri.path)}, ${where}.`);
      return false;
    }
    const script = uri.fsPath;
    const runtime = runtimeFor(script);
    if (!runtime) {
      this.showError(`Tasklane cannot trace ${path.basename(script)}: it runs .js, .cjs, .mjs, .ts, .cts, .mts and .py files.`);
      return false;
    }
    await vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.isDirty)?.save();
    const config = vscode.workspace.getConfiguration('tasklane', uri);
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const interpreter = await this.interpreterFor(runtime, config, uri, folder);
    if (!interpreter) return false;
    const cwd = filledPath(config.get<string>('cwd') || folder || path.dirname(script), folder, os.homedir());
    const configuredEnv = Object.fromEntries(Object.entries(config.get<Record<string, string>>('env') ?? {}).map(([key, value]) => [key, withWorkspaceFolder(value, folder)]));
    const terminal = this.terminalFor(script);
    const session = new TraceSession({
      script, args: config.get<string[]>('args') ?? [], cwd: path.resolve(folder ?? path.dirname(script), cwd),
      env: scriptEnvironment(process.env, configuredEnv),
      runtime, interpreter,
      runnerDir: vscode.Uri.joinPath(this.extensionUri, 'dist', 'runner').fsPath,
      longBlockMs: config.get<number>('longBlockMs') ?? 50,
      maxEvents: config.get<number>('maxEvents') ?? DEFAULT_MAX_EVENTS,
      onOutput: (text) => terminal.print(text),
    });
    terminal.attach({ write: (text) => session.writeInput(text), end: () => session.endInput(), interrupt: () => session.interrupt(), stop: () => session.stop() });
    const title = path.basename(script);
    const keepFile = path.join(this.storageDir, 'traces', `${Date.now()}-${title.replace(/[^\w.-]/g, '_')}.tasklane.json`);
    this.sessions.set(session, keepFile);
    const panel = this.show({ ...sessionSource(session, title), restoreFile: () => keepFile });
    panel.onDidClose(() => session.stop()); // closing the panel ends its run
    this.updateStatus();
    const progress = setTimeout(() => this.showProgress(session, title), PROGRESS_AFTER_MS);
    this.latestRun = session.done.then(async () => {
      clearTimeout(progress);
      this.sessions.delete(session);
      terminal.detach();
      terminal.print(`\n[Tasklane] ${describeEnd(session.model)}\n`);
      if (!terminal.closed) this.idleTerminals.set(script, terminal);
      await this.keepForRestore(session.model, keepFile);
      this.updateStatus();
      if (session.status === 'failed') this.showError(`Tasklane: ${session.problem}`);
    });
    return true;
  }

  /**
   * The terminal of the script's last run if the user kept it and no run uses it, else a new one:
   * a new terminal for each run would pile them up, ten runs, ten terminals.
   */
  private terminalFor(script: string): ScriptTerminal {
    const idle = this.idleTerminals.get(script);
    this.idleTerminals.delete(script);
    if (idle && !idle.closed) return idle;
    const terminal: ScriptTerminal = new ScriptTerminal(path.basename(script), () => {
      if (this.idleTerminals.get(script) === terminal) this.idleTerminals.delete(script);
    });
    return terminal;
  }

  /** A notification for a long run: how long and how many tasks so far; Cancel stops the run. */
  private showProgress(session: TraceSession, title: string): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Tasklane: tracing ${title}`, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => session.stop());
      const report = (): void => progress.report({ message: `${formatDuration(session.elapsedUs())}, ${session.model.tasks.size} tasks. Cancel stops the run.` });
      report();
      const timer = setInterval(report, 1000);
      return session.done.finally(() => clearInterval(timer));
    });
  }

  /**
   * The interpreter to run with: the setting's (see settingProgram), else what the PATH or the
   * Python extension has; or undefined after telling the user why there is none.
   */
  private async interpreterFor(runtime: Runtime, config: vscode.WorkspaceConfiguration, uri: vscode.Uri, folder: string | undefined): Promise<string | undefined> {
    const setting = config.get<string>(runtime === 'node' ? 'nodePath' : 'pythonPath');
    const configured = setting ? settingProgram(setting, folder, os.homedir()) : undefined;
    if (runtime === 'node') return configured ?? 'node';
    const python = configured || (await pythonFromExtension(uri)) || 'python3';
    const problem = await checkPython(python);
    if (problem) {
      this.showError(`Tasklane: ${problem} Set "tasklane.pythonPath" to a Python 3.9 or newer.`);
      return undefined;
    }
    return python;
  }

  stop(): boolean {
    if (this.sessions.size === 0) {
      void vscode.window.showInformationMessage('Tasklane: nothing is running.');
      return false;
    }
    for (const session of this.sessions.keys()) session.stop();
    return true;
  }

  async openTraceFile(target?: vscode.Uri): Promise<boolean> {
    const uri = target ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Trace files': ['json'] }, title: 'Open a Tasklane or Chrome trace' }))?.[0];
    if (!uri) return false;
    let model: TraceModel;
    try {
      model = await readTrace(uri);
    } catch (err) {
      this.showError(`Tasklane cannot open ${path.basename(uri.fsPath)}: ${err instanceof Error ? err.message : String(err)}.`);
      return false;
    }
    this.show(staticSource(model, path.basename(uri.fsPath), uri.fsPath));
    return true;
  }

  /** Shows a *.tasklane.json file in the trace editor (a read-only custom editor) VS Code created. */
  async showTraceFile(uri: vscode.Uri, webviewPanel: vscode.WebviewPanel): Promise<void> {
    let model: TraceModel;
    try {
      model = await readTrace(uri);
    } catch (err) {
      const message = `Tasklane cannot open ${path.basename(uri.fsPath)}: ${err instanceof Error ? err.message : String(err)}.`;
      webviewPanel.webview.html = `<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><p>${escapeHtml(message)}</p>`;
      this.showError(message);
      return;
    }
    this.adopt(new TracePanel(webviewPanel, staticSource(model, path.basename(uri.fsPath), uri.fsPath), this.extensionUri, this.log));
  }

  /** Reopens a panel VS Code restores after a window reload, from the copy of its trace it kept. */
  async restorePanel(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = (typeof state === 'object' && state !== null ? state : {}) as { restoreFile?: unknown; title?: unknown };
    const file = typeof saved.restoreFile === 'string' ? saved.restoreFile : '';
    const title = typeof saved.title === 'string' ? saved.title : path.basename(file);
    let model: TraceModel | undefined;
    try {
      if (file && file.endsWith('.json')) model = await readTrace(vscode.Uri.file(file));
    } catch (err) {
      this.log.warn(`Could not restore the Tasklane panel from ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!model) {
      webviewPanel.dispose();
      return;
    }
    this.adopt(new TracePanel(webviewPanel, staticSource(model, title, file), this.extensionUri, this.log));
  }

  /** Saves a finished run where its restored panel will look for it; keeps the newest few. */
  private async keepForRestore(model: TraceModel, file: string): Promise<void> {
    try {
      const dir = path.dirname(file);
      await fs.promises.mkdir(dir, { recursive: true });
      await saveTrace(file, model, 'tasklane');
      const old = (await fs.promises.readdir(dir)).sort().slice(0, -KEPT_TRACES);
      await Promise.all(old.map((f) => fs.promises.rm(path.join(dir, f), { force: true })));
    } catch (err) {
      this.log.warn(`Could not keep the trace for restoring its panel: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * The window is closing or reloading with runs still live: they end with it, and what they
   * traced is saved now (synchronously: nothing async runs to completion during shutdown) so
   * their panels come back showing it.
   */
  private keepLiveRuns(): void {
    for (const [session, file] of this.sessions) {
      session.stop();
      const model = session.model;
      if (!model.exit) model.apply({ type: 'exit', t: model.endTime, reason: 'killed', code: null, signal: 'SIGKILL', message: 'Tasklane stopped the run: the window closed or reloaded', site: '' });
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        saveTraceSync(file, model, 'tasklane');
      } catch (err) {
        this.log.warn(`Could not keep the live trace for restoring its panel: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Saves the trace of the panel looked at last, as Chrome Trace JSON or the Tasklane format (by file name). */
  async exportTrace(target?: vscode.Uri): Promise<boolean> {
    const panel = this.focused;
    if (!panel) {
      void vscode.window.showInformationMessage('Tasklane: there is no trace to export. Run a script with tracing or open a trace file first.');
      return false;
    }
    const base = panel.source.title.replace(/\.[^.]+$/, '');
    const uri = target ?? (await vscode.window.showSaveDialog({
      title: 'Export the trace',
      defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', `${base}.tasklane.json`)),
      filters: { 'Tasklane trace (lossless)': ['tasklane.json'], 'Chrome Trace (Perfetto, chrome://tracing)': ['json'] },
    }));
    if (!uri) return false;
    const model = panel.source.model;
    try {
      await vscode.workspace.fs.writeFile(uri, traceFileBytes(model, uri.path.endsWith('.tasklane.json') ? 'tasklane' : 'chrome'));
    } catch (err) {
      this.showError(`Tasklane could not export the trace to ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    return true;
  }

  dispose(): void {
    this.keepLiveRuns();
    for (const panel of this.panels) panel.panel.dispose();
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusItem.dispose();
  }

  private show(source: TraceSource): TracePanel {
    return this.adopt(TracePanel.open(source, this.extensionUri, this.log));
  }

  private adopt(panel: TracePanel): TracePanel {
    if (this.nextLoadLost) panel.loseNextLoad();
    this.nextLoadLost = false;
    this.panels.add(panel);
    this.focused = panel;
    panel.panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.focused = panel;
    });
    panel.onDidClose(() => {
      this.panels.delete(panel);
      if (this.focused === panel) this.focused = undefined;
    });
    return panel;
  }

  private updateStatus(): void {
    const live = [...this.sessions.keys()];
    if (live.length === 0) {
      this.statusItem.hide();
      if (this.statusTimer) clearInterval(this.statusTimer);
      this.statusTimer = undefined;
      return;
    }
    const render = (): void => {
      const s = live[live.length - 1];
      this.statusItem.text = `$(debug-stop) Tasklane ${formatDuration(s.elapsedUs())} · ${s.model.tasks.size} tasks`;
    };
    render();
    this.statusItem.show();
    this.statusTimer ??= setInterval(() => this.updateStatus(), 500);
  }
}

function sessionSource(session: TraceSession, title: string): Omit<TraceSource, 'restoreFile'> {
  return { title, model: session.model, status: () => session.status, problem: () => session.problem, now: () => session.elapsedUs(), onChange: (l) => session.onChange(l) };
}

function staticSource(model: TraceModel, title: string, file: string): TraceSource {
  return { title, model, status: (): RunStatus => 'loaded', problem: () => undefined, now: () => model.endTime, restoreFile: () => file, onChange: () => ({ dispose() {} }) };
}

/** Larger trace files are refused: reading one would hold the extension host for too long. */
const MAX_TRACE_FILE_BYTES = 200 * 1024 * 1024;

async function readTrace(uri: vscode.Uri): Promise<TraceModel> {
  const { size } = await vscode.workspace.fs.stat(uri);
  if (size > MAX_TRACE_FILE_BYTES) throw new InvalidTraceError(`it is ${formatBytes(size)}, and Tasklane opens trace files of up to ${formatBytes(MAX_TRACE_FILE_BYTES)}`);
  return parseTrace(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function describeEnd(model: TraceModel): string {
  const x = model.exit;
  return x ? `${x.reason}${x.code !== null ? ` (code ${x.code})` : ''}${x.signal ? ` ${x.signal}` : ''} after ${formatDuration(x.t)}` : 'ended';
}
