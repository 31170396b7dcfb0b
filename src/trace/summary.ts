// The readable table `tasklane summary` prints.
import * as path from 'node:path';
import { endWords, formatDuration } from './format';
import type { TraceModel } from './model';
import type { Task } from './task';

/** "file.js:12" relative to the traced program's folder; a file outside it by its full path. */
export function shortSite(site: string, cwd: string | undefined): string {
  const m = /^(.*):(\d+):(\d+)$/.exec(site);
  if (!m) return site;
  const file = m[1].startsWith('file://') ? decodeURIComponent(m[1].slice(7)) : m[1];
  const relative = cwd && path.isAbsolute(file) ? path.relative(cwd, file) : file;
  const shown = relative.startsWith(`..${path.sep}`) ? file : relative;
  return `${shown}:${m[2]}`;
}

/** How a task ended, in words (see endWords), as the summary and the panel's table say it. */
export function endText(model: TraceModel, task: Task): string {
  return endWords(model.endState(task), task.end?.message ?? '');
}

/** Rows in columns at most 48 characters wide; a cell too long loses its end, or in `cutStart` columns its start (a site keeps its file and line). */
function table(rows: string[][], cutStart: ReadonlySet<number>): string {
  const widths = rows[0].map((_, c) => Math.min(48, Math.max(...rows.map((r) => r[c].length))));
  const fit = (cell: string, c: number): string => {
    if (cell.length <= widths[c]) return cell.padEnd(widths[c]);
    return cutStart.has(c) ? '…' + cell.slice(cell.length - widths[c] + 1) : cell.slice(0, widths[c] - 1) + '…';
  };
  return rows.map((r) => r.map(fit).join('  ').trimEnd()).join('\n');
}

const HEADER = ['Task', 'Kind', 'Created at', 'Parent', 'Start', 'End', 'Running', 'Waiting', 'Ended'];
/** How many rejected tasks the summary tells in full below the table. */
const MAX_REJECTED = 10;

export function formatSummary(model: TraceModel, options: { includeInternal?: boolean } = {}): string {
  const cwd = model.info?.cwd;
  const rows = [HEADER];
  const rejected: Task[] = [];
  let hidden = 0;
  for (const task of model.tasks.values()) {
    if (task.internal && !options.includeInternal) {
      hidden++;
      continue;
    }
    if (task.end?.state === 'rejected' && task.end.message !== '') rejected.push(task);
    const parent = model.tasks.get(task.parent);
    rows.push([
      `#${task.id} ${model.displayName(task)}`,
      task.kind,
      shortSite(task.site, cwd) || '-',
      parent ? `#${parent.id} ${model.displayName(parent)}` : '-',
      formatDuration(task.created),
      formatDuration(model.endTimeOf(task)),
      formatDuration(model.runningTime(task)),
      formatDuration(model.waitingTime(task)),
      endText(model, task),
    ]);
  }
  const out = [table(rows, new Set([HEADER.indexOf('Created at')]))];
  // A row's parent can be one of these (an HTTP server's request): say where it went.
  if (hidden > 0) out.push(`(${hidden.toLocaleString('en')} internal ${hidden === 1 ? 'task' : 'tasks'} of the runtime's own not shown; --all shows them.)`);
  const blocks = model.longBlocks().slice(0, 5);
  out.push('', `Longest loop blocks (over ${formatDuration(model.longBlockUs)}):`);
  if (blocks.length === 0) out.push('  none');
  for (const b of blocks) {
    const task = model.tasks.get(b.task);
    const where = b.thread === 0 ? '' : ` on thread ${b.thread}`;
    out.push(`  ${formatDuration(b.end - b.start).padStart(9)} at ${formatDuration(b.start)}${where} in ${task ? `#${task.id} ${model.displayName(task)} (${shortSite(task.site, cwd) || 'no site'})` : 'untracked code'}`);
  }
  // The table's column cuts a message (and its cause) at 48 characters: here each is whole, with where it was thrown.
  if (rejected.length > 0) out.push('', 'Rejected tasks:');
  for (const task of rejected.slice(0, MAX_REJECTED)) {
    const where = task.end!.site ? ` at ${shortSite(task.end!.site, cwd)}` : '';
    out.push(`  #${task.id} ${model.displayName(task)}: ${task.end!.message}${where}`);
  }
  if (rejected.length > MAX_REJECTED) out.push(`  (${(rejected.length - MAX_REJECTED).toLocaleString('en')} more)`);
  const stopped = recordingStopped(model, 'the event cap');
  if (stopped) out.push('', stopped);
  for (const s of model.signals) out.push('', `The program received ${s.signal} at ${formatDuration(s.t)}.`);
  if (model.exit) {
    const x = model.exit;
    const how = x.reason === 'exit' ? `exited with code ${x.code}` : x.reason === 'signal' || x.reason === 'killed' ? `was ended by ${x.signal || 'a signal'}` : `crashed (${x.reason === 'rejection' ? 'unhandled rejection' : 'uncaught exception'}) with code ${x.code}`;
    out.push('', `The program ${how} after ${formatDuration(x.t)}${x.message ? `: ${x.message}` : ''}${x.site ? ` at ${shortSite(x.site, cwd)}` : ''}.`);
  }
  for (const note of runNotes(model)) out.push('', note);
  return out.join('\n') + '\n';
}

/** What the run says of itself beyond how it ended: the notes below that apply to it, in order. */
export function runNotes(model: TraceModel): string[] {
  return [noLoopNote(model), oldNodeNote(model)].filter((note) => note !== '');
}

/** The oldest Node.js major the Node runner traces right (its tests run under 20, 22, 24 and 26). */
const OLDEST_NODE = 20;

/**
 * What a trace made under a Node.js older than OLDEST_NODE says of itself: the runner cannot take
 * Node's own promise tracking out there (Node 18 has no getPromiseHooks), and some of its tasks and
 * waits come out wrong. "" for any other run.
 */
export function oldNodeNote(model: TraceModel): string {
  const info = model.info;
  if (info?.runtime !== 'node') return '';
  const major = Number(/^v?(\d+)\./.exec(info.runtimeVersion)?.[1]);
  if (!(major < OLDEST_NODE)) return '';
  return `This ran under Node.js ${info.runtimeVersion}, older than Tasklane traces right (${OLDEST_NODE} or newer): some of its tasks and waits may be wrong, and its promises carry Node's async ids.`;
}

/**
 * What a Python run that ended with no asyncio event loop having run says: its tasks are asyncio's,
 * and without one (a script with no async code, or trio's or curio's loop of their own) it has
 * none but its top level, which waited in none. "" for any other run (one whose loop ran only
 * callbacks, `loop.run_forever()`, shows them as its script's runs), and for one that crashed:
 * its crash is the news.
 */
export function noLoopNote(model: TraceModel): string {
  const exit = model.exit;
  if (model.info?.runtime !== 'python' || !exit || exit.reason === 'exception' || exit.reason === 'rejection') return '';
  for (const task of model.tasks.values()) if (task.kind !== 'script' || task.waits.length > 0) return '';
  return "No asyncio event loop ran, so there are no tasks to show: Tasklane follows asyncio's (asyncio.run, loop.run_until_complete); trio's and curio's own loops are not traced.";
}

/**
 * When recording stopped at the event cap (`cap` names it), and how much came after: the trace
 * goes on past it only with the ends of its tasks. "" when the run never reached it.
 */
export function recordingStopped(model: TraceModel, cap: string): string {
  const [first] = model.dropped;
  if (first === undefined) return '';
  const dropped = model.dropped.reduce((n, d) => n + d.count, 0);
  return `Recording stopped at ${formatDuration(first.t)} (${cap}); ${dropped.toLocaleString('en')} events after it were dropped.`;
}
