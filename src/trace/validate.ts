// Strict readers for values that come from files or other processes: wrong shapes become
// undefined or a readable error, never an exception deep inside the model or the UI.
import { END_STATES, EXIT_REASONS, TASK_KINDS, type EndState, type ExitReason, type RunnerInfo, type TaskKind } from './events';
import type { ProgramExit, Task, TaskEnd, WaitSegment } from './task';

export class InvalidTraceError extends Error {}

const MAX_STRING = 10_000;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of a value from a file for an error message; never throws (String() can, on `{"toString": null}`). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

export function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidTraceError(`${what} is not a finite number`);
  return v;
}

export function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new InvalidTraceError(`${what} is not text`);
  return v.length > MAX_STRING ? v.slice(0, MAX_STRING) + '…' : v;
}

function oneOf<T extends string>(v: unknown, values: readonly T[], what: string): T {
  if (!values.includes(v as T)) throw new InvalidTraceError(`${what} is not one of ${values.join(', ')}`);
  return v as T;
}

export function validInfo(v: unknown): RunnerInfo | undefined {
  if (!isRecord(v)) return undefined;
  try {
    return {
      runtime: oneOf(v.runtime, ['node', 'python'] as const, 'runtime'),
      runtimeVersion: text(v.runtimeVersion, 'runtimeVersion'),
      pid: finite(v.pid, 'pid'),
      script: text(v.script, 'script'),
      cwd: text(v.cwd, 'cwd'),
      startedAt: finite(v.startedAt, 'startedAt'),
    };
  } catch {
    return undefined;
  }
}

export function validExit(v: unknown): ProgramExit | undefined {
  if (!isRecord(v)) return undefined;
  try {
    return {
      t: finite(v.t, 'exit time'),
      reason: oneOf(v.reason, EXIT_REASONS, 'exit reason') as ExitReason,
      code: v.code === null ? null : finite(v.code, 'exit code'),
      signal: text(v.signal ?? '', 'signal'),
      message: text(v.message ?? '', 'exit message'),
      site: text(v.site ?? '', 'exit site'),
    };
  } catch {
    return undefined;
  }
}

/** Reads one task of a Tasklane file; throws InvalidTraceError naming what is wrong. */
export function validTask(v: unknown, index: number): Task {
  const where = `task ${index}`;
  if (!isRecord(v)) throw new InvalidTraceError(`${where} is not an object`);
  const runs = v.runs;
  if (!Array.isArray(runs) || runs.length % 2 !== 0) throw new InvalidTraceError(`${where}: runs must be a list of start/end pairs`);
  const waits = v.waits;
  if (!Array.isArray(waits)) throw new InvalidTraceError(`${where}: waits must be a list`);
  const members = v.members ?? [];
  if (!Array.isArray(members)) throw new InvalidTraceError(`${where}: members must be a list`);
  let end: TaskEnd | undefined;
  if (v.end !== undefined && v.end !== null) {
    if (!isRecord(v.end)) throw new InvalidTraceError(`${where}: end is not an object`);
    end = {
      t: finite(v.end.t, `${where} end time`),
      state: oneOf(v.end.state, END_STATES, `${where} end state`) as EndState,
      message: text(v.end.message ?? '', `${where} end message`),
      site: text(v.end.site ?? '', `${where} end site`),
    };
  }
  return {
    id: finite(v.id, `${where} id`),
    parent: finite(v.parent, `${where} parent`),
    kind: oneOf(v.kind, TASK_KINDS, `${where} kind`) as TaskKind,
    name: text(v.name, `${where} name`),
    site: text(v.site ?? '', `${where} site`),
    internal: v.internal === true,
    thread: v.thread === undefined ? 0 : finite(v.thread, `${where} thread`), // (files written before worker threads were traced have none)
    created: finite(v.created, `${where} created`),
    runs: runs.map((r, i) => finite(r, `${where} run ${i >> 1}`)),
    waits: waits.map((w, i) => validWait(w, `${where} wait ${i}`)),
    members: members.map((m, i) => finite(m, `${where} member ${i}`)),
    end, // undefined while pending: the same shape as the model's own tasks
  };
}

/** (Files written before waits said when they were woken have seven fields.) */
function validWait(v: unknown, where: string): WaitSegment {
  if (!Array.isArray(v) || (v.length !== 7 && v.length !== 8)) throw new InvalidTraceError(`${where} is not [start, end, target, label, by, byLabel, site, wokenAt]`);
  const wokenAt = v[7] === undefined || v[7] === null ? NaN : finite(v[7], where);
  return { start: finite(v[0], where), end: finite(v[1], where), target: finite(v[2], where), label: text(v[3], where), by: finite(v[4], where), byLabel: text(v[5], where), site: text(v[6], where), wokenAt };
}
