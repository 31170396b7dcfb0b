// Runs fixture scripts through the built `tasklane` CLI as real child processes.
import { createHook } from 'node:async_hooks';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as ts from 'typescript';
import { launchTraced } from '../../src/session/launch';
import { exportChromeTrace } from '../../src/trace/chromeTrace';
import { parseTrace } from '../../src/trace/load';
import { TraceModel } from '../../src/trace/model';
import type { Task } from '../../src/trace/task';
import { projectRoot } from '../projectRoot';
import { unboundFlows } from '../unit/flowBinding';

export const ROOT = projectRoot(__dirname);
export const CLI = path.join(ROOT, 'dist/cli.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures/node');

export interface TracedRun {
  model: TraceModel;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

let counter = 0;
const tempTraces: string[] = [];
// A test that fails before it reads its trace leaves nothing behind either (traces run to megabytes).
process.on('exit', () => tempTraces.forEach((file) => fs.rmSync(file, { force: true })));

/** A path for a trace in the temporary folder, removed as the test run ends if a test has not. */
export function tempTrace(ext = '.tasklane.json'): string {
  const file = path.join(os.tmpdir(), `tasklane-test-${process.pid}-${counter++}${ext}`);
  tempTraces.push(file);
  return file;
}

/** The compilers that lower async functions into generators for ES2016, and the helper each adds to run them. */
export const DOWNLEVELING = {
  esbuild: { helper: /__async\(/, compile: (source: string, out: string) => void esbuild.buildSync({ entryPoints: [source], outfile: out, target: 'es2016', format: 'cjs', platform: 'node', logLevel: 'silent' }) },
  tsc: { helper: /__awaiter\(/, compile: (source: string, out: string) => fs.writeFileSync(out, ts.transpileModule(fs.readFileSync(source, 'utf8'), { compilerOptions: { target: ts.ScriptTarget.ES2016, module: ts.ModuleKind.CommonJS } }).outputText) },
};

/** A fixture (one that loads no file beside it) compiled for ES2016 by `compiler`, in the temporary folder until the test run ends. */
export function downleveled(fixture: string, compiler: keyof typeof DOWNLEVELING): string {
  const out = tempTrace(`.${compiler}.js`);
  DOWNLEVELING[compiler].compile(path.join(FIXTURES, fixture), out);
  assert(DOWNLEVELING[compiler].helper.test(fs.readFileSync(out, 'utf8')), `${compiler}: ${fixture} is compiled into generators`);
  return out;
}

/** Runs `tasklane run <fixture> …` (a fixture's name, or a copy's path; or `-m` a module) to completion and reads the trace it wrote. */
export function traceFixture(fixture: string, options: { args?: string[]; cliArgs?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number; asModule?: boolean } = {}): TracedRun {
  const out = tempTrace();
  // The README's form puts options after the script's arguments; with "--" they must come first.
  const ours = ['--out', out, ...(options.cliArgs ?? [])];
  // With asModule, `fixture` names a Python module, found from `cwd` (`tasklane run -m name`).
  const script = [...(options.asModule ? ['-m', fixture] : [path.resolve(FIXTURES, fixture)]), ...(options.args ?? [])];
  const argv = options.args?.includes('--') ? [...ours, ...script] : [...script, ...ours];
  const result = spawnSync(process.execPath, [CLI, 'run', ...argv], {
    cwd: options.cwd ?? ROOT, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, input: options.input,
  });
  assert(fs.existsSync(out), `no trace written; stderr: ${result.stderr}`);
  const model = parseTrace(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  if (model.dropped.length === 0) assertLoopInvariants(model, fixture);
  return { model, stdout: result.stdout, stderr: result.stderr, code: result.status, signal: result.signal };
}

/**
 * What every whole trace must say of the event loop: one task runs at a time, each task's runs and
 * waits follow one another, it does not run while it waits, it waits for nothing after its end, and
 * nothing wakes a wait before it began. (A task may run after its end: a .then callback it attached is its code.)
 * Perfetto draws every creation and wake of its Chrome export.
 */
function assertLoopInvariants(model: TraceModel, fixture: string): void {
  const unbound = unboundFlows(exportChromeTrace(model));
  assert(unbound.length === 0, `${fixture}: Perfetto would lose or misplace ${unbound.length} flows: ${unbound.slice(0, 5).join('; ')}`);
  // Each thread's loop runs one task at a time.
  const runsByThread = new Map<number, [start: number, end: number, id: number][]>();
  for (const task of model.tasks.values()) {
    const end = task.end?.t ?? Infinity;
    for (const wait of task.waits) assert(wait.start <= end, `${fixture}: ${task.name} #${task.id} waits at ${wait.start} µs, after its end at ${end}`);
    assertSegmentsInOrder(task, fixture);
    assertNotRunningWhileWaiting(model, task, fixture);
    assertWokenInWait(model, task, fixture);
    if (!runsByThread.has(task.thread)) runsByThread.set(task.thread, []);
    for (let i = 0; i < task.runs.length; i += 2) runsByThread.get(task.thread)!.push([task.runs[i], Number.isNaN(task.runs[i + 1]) ? Infinity : task.runs[i + 1], task.id]);
  }
  for (const runs of runsByThread.values()) {
    runs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 1; i < runs.length; i++) {
      const [before, now] = [runs[i - 1], runs[i]];
      assert(now[0] >= before[1] || now[2] === before[2], `${fixture}: #${before[2]} runs ${before[0]}–${before[1]} µs and #${now[2]} from ${now[0]}: two tasks at once`);
    }
  }
}

/**
 * A task's segments follow one another from its creation on: its runs, and its waits, each in time
 * order, none before the task was made, none ending before it starts.
 */
function assertSegmentsInOrder(task: Task, fixture: string): void {
  const what = `${fixture}: ${task.name} #${task.id}`;
  let last = task.created;
  for (let i = 0; i < task.runs.length; i += 2) {
    const [start, end] = [task.runs[i], task.runs[i + 1]];
    assert(start >= last && (Number.isNaN(end) || end >= start), `${what} runs ${start}–${end} µs, after a run or its creation at ${last}`);
    last = Number.isNaN(end) ? Infinity : end;
  }
  last = task.created;
  for (const wait of task.waits) {
    assert(wait.start >= last && (Number.isNaN(wait.end) || wait.end >= wait.start), `${what} waits ${wait.start}–${wait.end} µs, after a wait or its creation at ${last}`);
    last = Number.isNaN(wait.end) ? Infinity : wait.end;
  }
}

/** What woke a wait is a task of the trace's, and woke it while both it and the wait were under way. */
function assertWokenInWait(model: TraceModel, task: Task, fixture: string): void {
  const waits = task.waits;
  for (let i = 0; i < waits.length; i++) {
    const wait = waits[i];
    if (wait.by === 0 || Number.isNaN(wait.wokenAt)) continue;
    const waker = model.tasks.get(wait.by);
    const what = `${fixture}: ${task.name} #${task.id}'s wait ${wait.start}–${wait.end} µs woken at ${wait.wokenAt} by #${wait.by}`;
    assert(waker !== undefined, `${what}, a task the trace does not have`);
    assert(wait.wokenAt >= wait.start && wait.wokenAt >= waker.created, `${what} (${waker.name}, made at ${waker.created}), before`);
    // A wait cut by .then callbacks of its task is, stretch by stretch, woken by what ended the last.
    const lastStretch = i === waits.length - 1 || waits[i + 1].wokenAt !== wait.wokenAt;
    assert(!lastStretch || !(wait.wokenAt > wait.end), `${what} (${waker.name}), after it ended`);
  }
}

/** A task's code does not run while it waits: no running segment of it overlaps one of its waits (both in order). */
function assertNotRunningWhileWaiting(model: TraceModel, task: Task, fixture: string): void {
  const waits = task.waits;
  let w = 0;
  for (let i = 0; i < task.runs.length; i += 2) {
    const start = task.runs[i];
    const end = Number.isNaN(task.runs[i + 1]) ? Infinity : task.runs[i + 1];
    while (w < waits.length && waits[w].end <= start) w++;
    for (let k = w; k < waits.length && waits[k].start < end; k++) {
      const wait = waits[k];
      assert(wait.end <= start, `${fixture}: ${task.name} #${task.id} runs ${start}–${end} µs while it waits ${wait.start}–${wait.end} for ${model.waitLabel(wait)}`);
    }
  }
}

/**
 * Runs a fixture through the launcher the extension uses, with a runner setting the CLI does not
 * expose (the flush interval), and folds its trace into a model. `python`: the interpreter for a .py fixture.
 */
export async function traceFixtureWith(fixture: string, settings: { flushMs: number; python?: string; exitCode?: number }): Promise<TraceModel> {
  const model = new TraceModel();
  const run = launchTraced({
    script: path.join(FIXTURES, fixture), args: [], cwd: ROOT, runnerDir: path.join(ROOT, 'dist/runner'), stdio: 'pipe', processGroup: false,
    runtime: settings.python ? 'python' : 'node', interpreter: settings.python, flushMs: settings.flushMs, sink: model,
  });
  const outcome = await run.done;
  assert(outcome.code === (settings.exitCode ?? 0) && outcome.streamError === undefined, `the fixture failed: ${JSON.stringify(outcome)}`);
  model.finish();
  return model;
}

/**
 * Starts a fixture through the launcher the extension uses, its trace read live into `model`, as
 * the panel reads it; the caller ends it (`python`: the interpreter for a .py fixture).
 */
export function startLive(fixture: string, model: TraceModel, python?: string): ReturnType<typeof launchTraced> {
  return launchTraced({
    script: path.join(FIXTURES, fixture), args: [], cwd: ROOT, runnerDir: path.join(ROOT, 'dist/runner'), stdio: 'pipe', processGroup: false,
    runtime: python ? 'python' : 'node', interpreter: python, sink: model,
  });
}

/** Resolves once `check()` holds, looked at every 10 ms; rejects, saying what did not happen, after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Starts a traced fixture without waiting, for tests that signal it. `ownGroup`: in a process group
 * of its own, the CLI and the script, as a terminal runs them (Ctrl-C signals the whole group).
 */
export function startFixture(fixture: string, out: string, env: NodeJS.ProcessEnv = process.env, ownGroup = false, args: string[] = []) {
  return spawn(process.execPath, [CLI, 'run', path.join(FIXTURES, fixture), ...args, '--out', out], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
}

type StartedFixture = ReturnType<typeof startFixture>;

/** Resolves once the traced script has printed `text`. */
export function printed(child: StartedFixture, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve) => child.stdout.on('data', (d: Buffer) => (seen += d.toString()).includes(text) && resolve()));
}

/**
 * Resolves with the exit code of a CLI (or what runs it) once its output has all been read (call it before the CLI can
 * have exited). 'close', not 'exit': at 'exit' the last lines may still be in the pipe.
 */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (c) => resolve(c)));
}

/** Kills what is left of a CLI started in a process group of its own (a failed test leaves no script running). */
export function killGroupLeft(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
}

/**
 * Runs a fixture that could hang (a deadlock the test looks for) in a process group of its own:
 * past `timeoutMs` the group is killed and the test fails saying so, where a synchronous run would
 * wait on the hung script for good (it ignores the SIGTERM a timeout sends). Several can run side by side.
 */
export async function traceFixtureOrKill(fixture: string, timeoutMs: number, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<{ model: TraceModel; code: number | null; stdout: string }> {
  const out = tempTrace();
  const child = startFixture(fixture, out, options.env ?? process.env, true, options.args);
  const exited = exitOf(child);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const timer = setTimeout(() => killGroupLeft(child), timeoutMs);
  try {
    const code = await exited;
    assert(code !== null, `${fixture} hung: killed after ${timeoutMs} ms`);
    const model = takeTrace(out);
    if (model.dropped.length === 0) assertLoopInvariants(model, fixture);
    return { model, code, stdout };
  } finally {
    clearTimeout(timer);
    killGroupLeft(child);
  }
}

/**
 * Runs a fixture in a process group of its own and, once it has printed `ready`, sends `signal` to
 * the group (as a terminal's Ctrl-C, or `timeout`, sends it) or to the CLI alone (`kill <pid>`);
 * resolves with the CLI's exit code and output.
 */
export async function signalWhenReady(fixture: string, out: string, env: NodeJS.ProcessEnv, ready: string, { signal = 'SIGTERM', to = 'group', args = [] }: { signal?: NodeJS.Signals; to?: 'group' | 'command'; args?: string[] } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startFixture(fixture, out, env, true, args);
  const exited = exitOf(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await printed(child, ready);
    process.kill(to === 'group' ? -child.pid! : child.pid!, signal);
    return { code: await exited, stdout, stderr };
  } finally {
    killGroupLeft(child); // a failed test leaves no script running
  }
}

/** Reads the trace a run wrote to `out`, and removes the file. */
export function takeTrace(out: string): TraceModel {
  const model = parseTrace(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out);
  return model;
}

/** The traced script's pid (the CLI's child). */
export function scriptPid(child: StartedFixture): number {
  return Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
}

/** Ends the script as Tasklane's Stop does (SIGTERM, SIGKILL after 1 s) and resolves with the CLI's exit code. */
export async function stopLikeStop(child: StartedFixture): Promise<number | null> {
  const pid = scriptPid(child);
  const exited = exitOf(child);
  process.kill(pid, 'SIGTERM');
  const kill = setTimeout(() => process.kill(pid, 'SIGKILL'), 1000);
  const code = await exited;
  clearTimeout(kill);
  return code;
}

export function runUntraced(fixture: string, args: string[] = []): { stdout: string; stderr: string; code: number | null } {
  const result = spawnSync(process.execPath, [path.join(FIXTURES, fixture), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { stdout: result.stdout, stderr: result.stderr, code: result.status };
}

function assert(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** A copy of a fixture in a folder of its own, named with another extension (`.mjs`: an ES module); its path. */
export function fixtureCopy(fixture: string, extension: string): string {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-fixture-')), path.basename(fixture).replace(/\.[^.]+$/, extension));
  fs.copyFileSync(path.join(FIXTURES, fixture), copy);
  return copy;
}

/** The line (from 1) of a fixture's first line holding `text`. */
export function lineOf(fixture: string, text: string): number {
  const line = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (line < 0) throw new Error(`${fixture} has no line with ${text}`);
  return line + 1;
}

/** The line of a site ("file:line:column"). */
export function siteLine(site: string): number {
  return Number(site.split(':').at(-2));
}

export function tasksNamed(model: TraceModel, name: string | RegExp): Task[] {
  return [...model.tasks.values()].filter((t) => (typeof name === 'string' ? model.displayName(t) === name : name.test(model.displayName(t))));
}

export function only(model: TraceModel, name: string | RegExp): Task {
  const found = tasksNamed(model, name);
  if (found.length !== 1) throw new Error(`expected one task named ${name}, found ${found.length}: ${[...model.tasks.values()].map((t) => model.displayName(t)).join(', ')}`);
  return found[0];
}

/**
 * The names of the async functions main calls in callbacks.js (and its TypeScript callbacks.mts),
 * and what they should be: a listener, mappers (one written on a line of its own), a test-like
 * call, an executor; two called where they are written; one a function returns.
 */
export function callbackNames(model: TraceModel): string[] {
  return model.childrenOf(only(model, 'main').id).filter((t) => t.kind === 'async').map((t) => t.name);
}
export const CALLBACK_NAMES = ['bus.on(\'job\') callback', 'map callback', 'map callback', 'it(\'adds numbers\') callback', 'new Promise callback', 'map callback', 'async IIFE', 'async IIFE', '(anonymous)', 'run', 'load'];

/** The starts of a task's runs after its end (none for a task whose code ran no more once it ended). */
export function runsAfterEnd(task: Task): number[] {
  const end = task.end?.t ?? Infinity;
  return task.runs.filter((t, i) => i % 2 === 0 && t > end);
}

/**
 * Where a task neither runs nor waits between its creation and its end, as "start–end" (µs), nor
 * one of `callees` runs (a call it made running its first part).
 */
export function stretchesOfNeither(task: Task, callees: Task[] = []): string[] {
  const segments: [number, number][] = task.waits.map((w) => [w.start, w.end]);
  for (const running of [task, ...callees]) for (let i = 0; i < running.runs.length; i += 2) segments.push([running.runs[i], running.runs[i + 1]]);
  segments.sort((a, b) => a[0] - b[0]);
  const found: string[] = [];
  let covered = task.created;
  for (const [start, end] of segments) {
    if (start > covered) found.push(`${covered}–${start}`);
    covered = Math.max(covered, Number.isNaN(end) ? Infinity : end);
  }
  const end = task.end?.t ?? Infinity;
  if (end > covered) found.push(`${covered}–${end}`);
  return found;
}

/** Milliseconds from a task's creation to its end. */
export function lifetimeMs(model: TraceModel, task: Task): number {
  return (model.endTimeOf(task) - task.created) / 1000;
}

/**
 * Whether this Node runs crypto.randomBytes without a callback as an async job (to Node 24), which
 * the runner shows as a task ending as the call returns; Node 26 fills the bytes in the call
 * itself, with no resource to trace.
 */
export function syncRandomBytesIsAJob(): boolean {
  let jobs = 0;
  const hook = createHook({ init: (_id, type) => void (type === 'RANDOMBYTESREQUEST' && jobs++) }).enable();
  randomBytes(8);
  hook.disable();
  return jobs > 0;
}
