// One traced run: starts the runner, folds its events into a model and tells listeners.
// Imports nothing from vscode, so the CLI, tests and the extension share it.
import { launchTraced, unreportedExit, type Runtime, type TracedProcess } from './launch';
import { TraceModel } from '../trace/model';
import type { RunStatus } from '../shared/protocol';

export interface SessionOptions {
  script: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  runtime: Runtime;
  /** The Node or Python interpreter. */
  interpreter: string;
  runnerDir: string;
  longBlockMs: number;
  maxEvents: number;
  /** The script's own stdout and stderr. */
  onOutput: (text: string, stream: 'stdout' | 'stderr') => void;
}

export class TraceSession {
  readonly model: TraceModel;
  status: RunStatus = 'starting';
  /** A sentence about what went wrong with tracing itself (not the program), if anything did. */
  problem: string | undefined;
  readonly done: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private traced: TracedProcess | undefined;
  private stopRequested = false;

  constructor(readonly options: SessionOptions) {
    this.model = new TraceModel({ longBlockUs: options.longBlockMs * 1000, maxEvents: options.maxEvents });
    this.done = this.run();
  }

  /** How long the run has gone on, in µs: wall-clock time while it is live, else the trace's end. */
  elapsedUs(): number {
    const live = this.status === 'running' || this.status === 'starting';
    return live ? this.model.timeAt(Date.now()) : this.model.endTime;
  }

  get pid(): number | undefined {
    return this.traced?.child.pid;
  }

  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Sends text to the script's stdin. */
  writeInput(text: string): void {
    const stdin = this.traced?.child.stdin;
    if (stdin && !stdin.destroyed && stdin.writable) stdin.write(text);
  }

  /** Closes the script's stdin (end of input). */
  endInput(): void {
    this.traced?.child.stdin?.end();
  }

  /** Sends the script and the processes it started SIGINT, as a terminal's Ctrl-C does. */
  interrupt(): void {
    if (this.status === 'running' || this.status === 'starting') this.traced?.signal('SIGINT');
  }

  /** Ends the script and every process it started. */
  stop(): void {
    if (this.status !== 'running' && this.status !== 'starting') return;
    this.stopRequested = true;
    this.traced?.stop();
  }

  private async run(): Promise<void> {
    const o = this.options;
    const traced = launchTraced({
      script: o.script, args: o.args, cwd: o.cwd, env: o.env, runtime: o.runtime, interpreter: o.interpreter, runnerDir: o.runnerDir,
      stdio: 'pipe', processGroup: true, maxEvents: o.maxEvents,
      sink: this.model,
      onEvents: () => {
        this.status = 'running';
        this.emit();
      },
    });
    this.traced = traced;
    traced.child.stdout?.setEncoding('utf8').on('data', (text: string) => o.onOutput(text, 'stdout'));
    traced.child.stderr?.setEncoding('utf8').on('data', (text: string) => o.onOutput(text, 'stderr'));
    traced.child.stdin?.on('error', () => undefined); // the script may exit without reading its input
    const outcome = await traced.done;
    const exit = unreportedExit(outcome, this.model);
    if (exit) this.model.apply(exit);
    this.model.finish();
    this.status = this.stopRequested ? 'stopped' : this.model.eventCount <= 1 ? 'failed' : 'finished';
    if (this.status === 'failed') {
      this.problem = outcome.streamError
        ? `${outcome.streamError[0].toUpperCase()}${outcome.streamError.slice(1)}.`
        : `No trace arrived from ${o.interpreter}: is it ${o.runtime === 'node' ? 'Node.js 18' : 'Python 3.9'} or newer?`;
    } else if (outcome.streamError && !outcome.exitSynthesized) {
      this.problem = `The trace may be incomplete: ${outcome.streamError}.`;
    }
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
