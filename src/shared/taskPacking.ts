// Timeline tasks packed into one Float64Array and a string table for the trip to the webview (pure).
// As JSON, a task costs the host and the webview microseconds to write and read, and a flood of new
// tasks (every timer is one) brings 100,000 a second; packed, names and sites repeat as indices and
// the numbers cross VS Code's postMessage as one ArrayBuffer, without JSON.
import { END_STATES, TASK_KINDS, type EndState, type TaskKind } from '../trace/events';
import type { TimelineTask } from './protocol';

export interface PackedTasks {
  /** Per task: the header fields below, then its runs as [start, end] pairs, then its waits as [start, end, label, site, waker id]. */
  numbers: Float64Array;
  /** Strings the numbers refer to by index. */
  strings: string[];
}

/** id, parent, kind, internal, created, name, site, end state (-1: none), end t, end message, end site, runsFrom, runs, waitsFrom, waits. */
export const HEADER = 15;
export const WAIT_FIELDS = 5;
/** Open segment ends travel as -1, as the webview draws them (open until the trace's end time). */
const OPEN = -1;

/** What a task needs to be packed, besides its segments. */
export interface PackableTask {
  id: number;
  parent: number;
  kind: TaskKind;
  site: string;
  internal: boolean;
  created: number;
  end?: { t: number; state: EndState; message: string; site: string } | null;
}

export class TaskPacker {
  private numbers = new Float64Array(1024);
  private size = 0;
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private runsOwed = 0;
  private waitsOwed = 0;

  /**
   * Starts a task whose runs and waits are sent from pair `runsFrom` and `waitsFrom` on (earlier
   * ones the webview has): the caller then writes `runCount` runs, then `waitCount` waits.
   */
  task(task: PackableTask, name: string, runsFrom: number, runCount: number, waitsFrom: number, waitCount: number): void {
    if (this.runsOwed !== 0 || this.waitsOwed !== 0) throw new Error('the previous task is not complete');
    this.reserve(HEADER + runCount * 2 + waitCount * WAIT_FIELDS);
    const n = this.numbers;
    let i = this.size;
    const end = task.end;
    n[i++] = task.id;
    n[i++] = task.parent;
    n[i++] = TASK_KINDS.indexOf(task.kind);
    n[i++] = task.internal ? 1 : 0;
    n[i++] = task.created;
    n[i++] = this.string(name);
    n[i++] = this.string(task.site);
    n[i++] = end ? END_STATES.indexOf(end.state) : -1;
    n[i++] = end ? end.t : 0;
    n[i++] = end ? this.string(end.message) : 0;
    n[i++] = end ? this.string(end.site) : 0;
    n[i++] = runsFrom;
    n[i++] = runCount;
    n[i++] = waitsFrom;
    n[i++] = waitCount;
    this.size = i;
    this.runsOwed = runCount;
    this.waitsOwed = waitCount;
  }

  /** One running segment; an end of NaN or -1 is still open. */
  run(start: number, end: number): void {
    if (this.runsOwed-- <= 0) throw new Error('more runs than the task announced');
    this.numbers[this.size++] = start;
    this.numbers[this.size++] = openEnd(end);
  }

  wait(start: number, end: number, label: string, site: string, waker: number): void {
    if (this.runsOwed !== 0 || this.waitsOwed-- <= 0) throw new Error('a wait out of order, or more than the task announced');
    const n = this.numbers;
    let i = this.size;
    n[i++] = start;
    n[i++] = openEnd(end);
    n[i++] = this.string(label);
    n[i++] = this.string(site);
    n[i++] = waker;
    this.size = i;
  }

  /** The packed tasks; the packer starts empty again. */
  take(): PackedTasks {
    if (this.runsOwed !== 0 || this.waitsOwed !== 0) throw new Error('the last task is not complete');
    const packed = { numbers: this.numbers.slice(0, this.size), strings: this.strings.slice() };
    this.size = 0;
    this.strings.length = 0;
    this.stringIds.clear();
    return packed;
  }

  private string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private reserve(more: number): void {
    if (this.size + more <= this.numbers.length) return;
    const grown = new Float64Array(Math.max(this.numbers.length * 2, this.size + more));
    grown.set(this.numbers.subarray(0, this.size));
    this.numbers = grown;
  }
}

/** A model time for the webview: NaN (a segment still open) becomes -1. */
export function openEnd(t: number): number {
  return Number.isNaN(t) ? OPEN : t;
}

/** Packs whole timeline tasks (tests, benchmarks, and anything holding tasks in that form). */
export function packTimelineTasks(tasks: readonly TimelineTask[]): PackedTasks {
  const packer = new TaskPacker();
  for (const t of tasks) {
    const kind = (TASK_KINDS as readonly string[]).includes(t.kind) ? (t.kind as TaskKind) : 'callback';
    const end = t.end && (END_STATES as readonly string[]).includes(t.end.state) ? { ...t.end, state: t.end.state as EndState } : null;
    packer.task({ ...t, kind, end }, t.name, t.runsFrom ?? 0, t.runs.length / 2, t.waitsFrom ?? 0, t.waits.length / 2);
    for (let r = 0; r < t.runs.length; r += 2) packer.run(t.runs[r], t.runs[r + 1]);
    for (let w = 0; w < t.waits.length / 2; w++) packer.wait(t.waits[w * 2], t.waits[w * 2 + 1], t.waitLabels[w] ?? '', t.waitSites[w] ?? '', t.waitWakers[w] ?? 0);
  }
  return packer.take();
}

/**
 * The tasks in a packed update. Strict: a count or index out of range, or a value of the wrong
 * kind, throws, so that a damaged message is refused whole rather than drawn half right.
 */
/**
 * The list an unpacked task gets for segments it has none of (most tasks of a flood never wait):
 * shared and frozen, so that holding 200,000 tasks takes fewer objects; whoever adds to a task's
 * lists replaces it first.
 */
export const NO_SEGMENTS: never[] = Object.freeze([]) as unknown as never[];

export function unpackTasks(packed: PackedTasks): TimelineTask[] {
  const { numbers: n, strings } = packed;
  if (!(n instanceof Float64Array) || !Array.isArray(strings) || !strings.every((s) => typeof s === 'string')) throw new Error('packed tasks: wrong types');
  const str = (i: number): string => {
    const s = strings[i];
    if (!Number.isInteger(i) || s === undefined) throw new Error(`packed tasks: no string ${i}`);
    return s;
  };
  const id = (v: number): number => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`packed tasks: bad task id ${v}`);
    return v;
  };
  const count = (v: number): number => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`packed tasks: bad count ${v}`);
    return v;
  };
  const tasks: TimelineTask[] = [];
  let i = 0;
  while (i < n.length) {
    if (i + HEADER > n.length) throw new Error('packed tasks: truncated header');
    const kind = TASK_KINDS[n[i + 2]];
    const endState = n[i + 7];
    if (kind === undefined) throw new Error(`packed tasks: unknown kind ${n[i + 2]}`);
    if (endState !== -1 && END_STATES[endState] === undefined) throw new Error(`packed tasks: unknown end state ${endState}`);
    const runsFrom = count(n[i + 11]);
    const runCount = count(n[i + 12]);
    const waitsFrom = count(n[i + 13]);
    const waitCount = count(n[i + 14]);
    const task: TimelineTask = {
      id: n[i], parent: n[i + 1], kind, internal: n[i + 3] === 1, created: n[i + 4], name: str(n[i + 5]), site: str(n[i + 6]),
      end: endState === -1 ? null : { state: END_STATES[endState], t: n[i + 8], message: str(n[i + 9]), site: str(n[i + 10]) },
      runs: runCount ? [] : NO_SEGMENTS, waits: waitCount ? [] : NO_SEGMENTS, waitLabels: waitCount ? [] : NO_SEGMENTS, waitSites: waitCount ? [] : NO_SEGMENTS,
      waitWakers: waitCount ? [] : NO_SEGMENTS,
    };
    if (runsFrom || waitsFrom) {
      task.runsFrom = runsFrom;
      task.waitsFrom = waitsFrom;
    }
    i += HEADER;
    if (i + runCount * 2 + waitCount * WAIT_FIELDS > n.length) throw new Error('packed tasks: truncated segments');
    for (let r = 0; r < runCount * 2; r++) task.runs.push(n[i++]);
    for (let w = 0; w < waitCount; w++) {
      task.waits.push(n[i], n[i + 1]);
      task.waitLabels.push(str(n[i + 2]));
      task.waitSites.push(str(n[i + 3]));
      task.waitWakers.push(id(n[i + 4]));
      i += WAIT_FIELDS;
    }
    tasks.push(task);
  }
  return tasks;
}
