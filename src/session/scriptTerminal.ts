// The traced script's own terminal: its stdout and stderr, and a line-edited stdin, so scripts
// that print or read input behave as they would in a shell.
import * as vscode from 'vscode';

export interface ScriptIo {
  write(text: string): void;
  end(): void;
  /** Sends the script SIGINT, as a shell's terminal does at Ctrl-C. */
  interrupt(): void;
  stop(): void;
}

/** How long after a Ctrl-C a script still running is said to be, with how to stop it. */
const STILL_RUNNING_HINT_MS = 1000;

export class ScriptTerminal {
  private readonly output = new vscode.EventEmitter<string>();
  private readonly terminal: vscode.Terminal;
  private line = '';
  private io: ScriptIo | undefined;
  /** The run a Ctrl-C has interrupted: a second one stops it. */
  private interrupted: ScriptIo | undefined;
  private opened = false;
  private isClosed = false;
  private readonly early: string[] = [];

  /** `onClosed`: the user closed the terminal. */
  constructor(title: string, onClosed: () => void) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.output.event,
      open: () => {
        this.opened = true;
        for (const text of this.early.splice(0)) this.output.fire(text);
      },
      close: () => {
        this.isClosed = true;
        this.io?.stop();
        this.output.dispose();
        onClosed();
      },
      handleInput: (data) => this.input(data),
    };
    this.terminal = vscode.window.createTerminal({ name: `Tasklane: ${title}`, pty, isTransient: true });
    this.terminal.show(true);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** A run starts here: one after another, a script's runs share one terminal, as a shell's would. */
  attach(io: ScriptIo): void {
    if (this.io === undefined && this.opened) {
      this.line = '';
      this.print('\n');
      this.terminal.show(true);
    }
    this.io = io;
  }

  /** The run is over: typing goes nowhere, and the terminal (open until the user closes it) no longer keeps the run and its trace alive. */
  detach(): void {
    this.io = undefined;
    this.interrupted = undefined;
  }

  /** Output of the script, with newlines as a terminal wants them. */
  print(text: string): void {
    const crlf = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.output.fire(crlf);
    else this.early.push(crlf);
  }

  /** Keys typed: echoed, edited, and sent to the script's stdin a line at a time. */
  private input(data: string): void {
    for (const ch of data) {
      if (ch === '\r' || ch === '\n') {
        this.output.fire('\r\n');
        this.io?.write(`${this.line}\n`);
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line) {
          this.line = this.line.slice(0, -1);
          this.output.fire('\b \b');
        }
      } else if (ch === '\x04') {
        this.io?.end(); // Ctrl+D: end of input
      } else if (ch === '\x03') {
        this.output.fire('^C\r\n');
        this.interrupt();
      } else if (ch >= ' ') {
        this.line += ch;
        this.output.fire(ch);
      }
    }
  }

  /**
   * Ctrl-C: the script decides what SIGINT does (asyncio.run cancels its main task, a Node script
   * may listen for it), as in a shell. A second one stops it: one that ignores SIGINT, or whose
   * code never yields to handle it, would not stop otherwise.
   */
  private interrupt(): void {
    const io = this.io;
    if (io === undefined) return;
    if (this.interrupted === io) {
      io.stop();
      return;
    }
    this.interrupted = io;
    io.interrupt();
    setTimeout(() => {
      if (this.io === io && !this.isClosed) this.print('[Tasklane] still running; press Ctrl-C again to stop it\n');
    }, STILL_RUNNING_HINT_MS);
  }
}
