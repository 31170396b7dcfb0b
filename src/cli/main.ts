// The `tasklane` command: run a script under the tracer, or summarise a saved trace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrace } from '../trace/load';
import { DEFAULT_LONG_BLOCK_MS, TraceModel } from '../trace/model';
import type { TraceFormat } from '../trace/save';
import { formatBytes } from '../trace/format';
import { formatSummary } from '../trace/summary';
import { inTerminalForeground } from './terminal';
import { checkTraceFile, fileProblem, saveOrKeep } from './traceFile';
import { DEFAULT_MAX_EVENTS, launchTraced, runtimeFor, unreportedExit } from '../session/launch';

const USAGE = `Usage:
  tasklane run <script> [script args…] [--out FILE] [--format chrome|tasklane] [--long-block-ms N] [--max-events N] [--python PATH]
  tasklane run -m <module> [module args…] [options as above]
  tasklane summary <trace.json> [--all]

run       runs a Node.js script (.js .cjs .mjs .ts .mts .cts) or a Python asyncio script (.py, with
          --python, $TASKLANE_PYTHON or python3; -m runs a module as python -m does) under the
          tracer with its own stdin, stdout, stderr, arguments and environment, writes the trace
          and exits with the script's code.
          --out defaults to <script>.tasklane.json; --format defaults to tasklane for *.tasklane.json
          and to chrome (Perfetto, chrome://tracing) otherwise. Options may come before the script or
          after its arguments; everything after "--" goes to the script untouched. Recording stops
          after --max-events events (default 1,000,000, a few hundred MB as the trace is read); the
          trace then says how many were dropped, and the ends of tasks it has still come in. Ctrl-C
          goes to the script, and SIGINT or SIGTERM sent to this command alone is passed on to it;
          a second one kills it (a script whose code never yields cannot stop).
summary   prints the tasks of a trace (either format) and the longest loop blocks.`;

class UsageError extends Error {}

interface RunArgs {
  /** The script's path, or with `asModule` the Python module's name. */
  script: string;
  asModule: boolean;
  scriptArgs: string[];
  out: string | undefined;
  format: TraceFormat | undefined;
  longBlockMs: number;
  maxEvents: number | undefined;
  python: string | undefined;
}

const VALUE_OPTIONS = new Set(['--out', '--format', '--long-block-ms', '--max-events', '--python']);

function parseRunArgs(argv: string[]): RunArgs {
  const args: RunArgs = { script: '', asModule: false, scriptArgs: [], out: undefined, format: undefined, longBlockMs: DEFAULT_LONG_BLOCK_MS, maxEvents: undefined, python: undefined };
  let i = 0;
  let passthrough = false;
  while (i < argv.length) {
    const a = argv[i];
    if (!passthrough && a === '--') {
      passthrough = true;
      i++;
      continue;
    }
    const [flag, inline] = a.startsWith('--') ? a.split(/=(.*)/s, 2) : [a, undefined];
    if (!passthrough && VALUE_OPTIONS.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      if (flag === '--out') args.out = value;
      if (flag === '--python') args.python = value;
      if (flag === '--format') {
        if (value !== 'chrome' && value !== 'tasklane') throw new UsageError(`--format must be chrome or tasklane, not ${value}`);
        args.format = value;
      }
      if (flag === '--long-block-ms' || flag === '--max-events') {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number`);
        if (flag === '--long-block-ms') args.longBlockMs = n;
        else args.maxEvents = Math.floor(n);
      }
      i++;
      continue;
    }
    if (!args.script && !passthrough && a === '-m') {
      args.asModule = true;
      if (argv[i + 1] === undefined) throw new UsageError('-m needs a module name');
    } else if (!args.script) args.script = a;
    else args.scriptArgs.push(a);
    i++;
  }
  if (!args.script) throw new UsageError('tasklane run needs a script');
  return args;
}

const SIGNAL_NUMBERS: Record<string, number> = os.constants.signals;
/** How long after a SIGINT a script still running is said to be, with how to kill it. */
const STILL_RUNNING_HINT_MS = 1000;
/**
 * How long after a signal the runner has to say the script has had it too, before it is passed on:
 * on a loaded machine (two cores, a test suite beside it) its word took over 200 ms to come.
 */
const PASS_ON_AFTER_MS = 500;
/** A signal the runner says the script had this long before this command had one is the same one. */
const SAME_SIGNAL_WITHIN_MS = 500;
/** How long after that a script that has traced nothing since, its loop held all along, is taken to be unable to handle it. */
const STUCK_AFTER_SIGTERM_MS = 1000;

async function run(argv: string[]): Promise<number> {
  const args = parseRunArgs(argv);
  // A module is found by Python, as `python -m` finds it (from the current folder on).
  const script = args.asModule ? args.script : path.resolve(args.script);
  if (!args.asModule && !fs.existsSync(script)) throw new UsageError(`no such script: ${args.script}`);
  const runtime = args.asModule ? 'python' : runtimeFor(script);
  if (!runtime) throw new UsageError(`cannot trace ${args.script}: tasklane runs .js .cjs .mjs .ts .cts .mts and .py scripts`);
  const out = args.out ?? `${args.asModule ? script : path.basename(script).replace(/\.([cm]?[jt]s|py)$/, '')}.tasklane.json`;
  const format = args.format ?? (out.endsWith('.tasklane.json') ? 'tasklane' : 'chrome');
  checkPermissions(out);
  checkTraceFile(out);
  const model = new TraceModel({ longBlockUs: args.longBlockMs * 1000, maxEvents: args.maxEvents ?? DEFAULT_MAX_EVENTS });
  const traced = launchTraced({
    script, asModule: args.asModule, args: args.scriptArgs, runnerDir: path.join(__dirname, 'runner'), stdio: 'inherit', processGroup: false, runtime,
    interpreter: runtime === 'python' ? args.python ?? process.env.TASKLANE_PYTHON ?? 'python3' : undefined,
    maxEvents: args.maxEvents, sink: model,
  });
  // A signal this command has is the script's, as it would be untraced. One sent to the whole
  // process group (a terminal's Ctrl-C, `timeout`) the script has had too, and a second would tell
  // it something else (quit now); one sent to this command alone (`kill -INT <pid>`, a parent's
  // child.kill()) is passed on. Which it was, the runner says: it reports each SIGINT and SIGTERM
  // as it comes. A Ctrl-C in a terminal is never passed on: a script busy when it came cannot say
  // so in time. A second signal kills the script: one whose code never yields cannot run the
  // handler its runner set (untraced, Node would have ended), nor could one that ignores it stop.
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const passOn = (signal: 'SIGINT' | 'SIGTERM', then?: () => void): void => {
    const receivedAt = Date.now();
    later(PASS_ON_AFTER_MS, () => {
      // The runner's word may have come in before this command's own signal did: one from just before counts too.
      const since = (receivedAt - SAME_SIGNAL_WITHIN_MS - (model.info?.startedAt ?? receivedAt)) * 1000;
      if (!model.signals.some((s) => s.signal === signal && s.t >= since)) traced.signal(signal);
      then?.();
    });
  };
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) {
      traced.stop(0);
      return;
    }
    interrupted = true;
    if (!inTerminalForeground()) passOn('SIGINT');
    later(STILL_RUNNING_HINT_MS, () => process.stderr.write(`tasklane: ${args.script} is still running; press Ctrl-C again to kill it\n`));
  });
  // A script that has traced nothing since a SIGTERM, its loop held all along, is killed.
  let terminating = false;
  let killedAfterSigterm = false;
  process.on('SIGTERM', () => {
    if (terminating) {
      traced.stop(0);
      return;
    }
    terminating = true;
    passOn('SIGTERM', () => {
      const eventsBefore = model.eventCount;
      later(STUCK_AFTER_SIGTERM_MS, () => {
        // (Past the event cap nothing more is traced: no telling then.)
        if (model.eventCount !== eventsBefore || model.loopHolder === 0 || model.dropped.length > 0) return;
        killedAfterSigterm = true;
        process.stderr.write(`tasklane: ${args.script} never yields to handle SIGTERM; killing it\n`);
        traced.stop(0);
      });
    });
  });
  const outcome = await traced.done;
  for (const timer of timers) clearTimeout(timer);
  if (model.eventCount === 0 && outcome.streamError) throw new Error(outcome.streamError);
  const exit = unreportedExit(outcome, model);
  if (exit) model.apply(exit);
  model.finish();
  const written = saveOrKeep(out, model, format);
  process.stderr.write(`tasklane: wrote ${written} (${format}, ${model.tasks.size} tasks, ${model.eventCount} events)${outcome.streamError ? `; warning: ${outcome.streamError}` : ''}\n`);
  if (outcome.signal) return 128 + (SIGNAL_NUMBERS[killedAfterSigterm ? 'SIGTERM' : outcome.signal] ?? 0);
  return outcome.code ?? 1;
}

/** The longest text V8 makes (2^29 - 24 characters): a longer file cannot be read as one string. */
const MAX_READ_BYTES = 0x1fffffe8;

function summary(argv: string[]): number {
  const file = argv.find((a) => !a.startsWith('--'));
  if (!file) throw new UsageError('tasklane summary needs a trace file');
  const stat = fs.statSync(file);
  if (stat.isDirectory()) throw new Error(`${file} is a folder, not a trace file`);
  if (stat.size > MAX_READ_BYTES) throw new Error(`${file} is ${formatBytes(stat.size)}, more than tasklane summary can read as one piece of text (${formatBytes(MAX_READ_BYTES)}); a trace of the same run in the Tasklane format (--format tasklane) is about a quarter of the size of a Chrome trace`);
  const model = parseTrace(fs.readFileSync(file, 'utf8'));
  process.stdout.write(formatSummary(model, { includeInternal: argv.includes('--all') }));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'run') return await run(rest);
    if (command === 'summary') return summary(rest);
    if (command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  } catch (err) {
    const message = err instanceof Error ? deniedAccess(err) ?? fileProblem(err) ?? err.message : String(err);
    process.stderr.write(`tasklane: ${message}\n${err instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return 2;
  }
}

/** What Node's permission model stopped tasklane doing, and the flag that allows it, by the error's `permission`. */
const PERMISSIONS: Record<string, [string, string]> = {
  ChildProcess: ['starting the script', '--allow-child-process'],
  FileSystemWrite: ['writing', '--allow-fs-write'],
  FileSystemRead: ['reading', '--allow-fs-read'],
  WorkerThreads: ['starting a worker thread', '--allow-worker'],
};

/**
 * Under Node's permission model, that tasklane may start the script and write its trace to `out`,
 * checked before the script runs: its trace, unwritable, would be lost after the run.
 */
function checkPermissions(out: string): void {
  const permission = (process as { permission?: { has(scope: string, reference?: string): boolean } }).permission;
  if (permission === undefined) return;
  const denied = (details: { permission: string; resource?: string }): Error => Object.assign(new Error('Access to this API has been restricted'), { code: 'ERR_ACCESS_DENIED', ...details });
  if (!permission.has('child')) throw denied({ permission: 'ChildProcess' });
  const trace = path.resolve(out);
  if (!permission.has('fs.write', trace)) throw denied({ permission: 'FileSystemWrite', resource: trace });
}

/** The flag that turns Node's permission model on, as this Node spells it (--permission from Node 22.13, --experimental-permission before; Node 24 knows only the first). */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/**
 * Node's bare "Access to this API has been restricted", said as what was denied: a permission
 * model in NODE_OPTIONS (PERMISSION_FLAG) applies to tasklane as to the script.
 */
function deniedAccess(err: Error): string | undefined {
  const { code, permission, resource } = err as Error & { code?: string; permission?: string; resource?: string };
  if (code !== 'ERR_ACCESS_DENIED') return undefined;
  const [what, flag] = PERMISSIONS[permission ?? ''] ?? [`${permission ?? 'an'} access`, 'the --allow flag for it'];
  return `Node's permission model (${PERMISSION_FLAG} in NODE_OPTIONS, which tasklane runs under too) denied ${what}${resource ? ` ${resource}` : ''}: add ${flag} to NODE_OPTIONS, or run tasklane without the permission model.`;
}

// `tasklane summary trace.json | head` closes the pipe before the table ends: the reader's choice, no error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
