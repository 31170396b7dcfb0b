// What the model makes of a trace: tasks, their waits and ends, the loop's long blocks, the program's exit.
import type { EndState, ExitReason, TaskIdentity } from './events';

export interface WaitSegment {
  start: number;
  /** NaN while the task is still waiting. */
  end: number;
  /** The awaited task, or 0 when the awaited thing was not a task. */
  target: number;
  /** What the runner said was awaited, when it was not a task ("sleep 0.1 s"). */
  label: string;
  /** The task whose work resolved the awaited thing, and how ("read TCP socket …"); 0 and "" when unknown. */
  by: number;
  byLabel: string;
  /** "file:line:column" of the await. */
  site: string;
  /** When the task that woke it did (µs): in its run, before this wait ends; NaN when unknown. */
  wokenAt: number;
}

export interface TaskEnd {
  t: number;
  state: EndState;
  message: string;
  site: string;
}

export interface Task extends TaskIdentity {
  /** The thread whose event loop runs it: 0 for the main thread, else another's (a Node worker's id, a Python thread's number). */
  thread: number;
  created: number;
  /** Running segments as flat [start, end] pairs; the last end is NaN while the task holds the loop. */
  runs: number[];
  waits: WaitSegment[];
  /** For combinators: the tasks they joined (0 for a value that was not a task). */
  members: number[];
  end?: TaskEnd;
}

export interface LoopBlock {
  task: number;
  /** The thread whose loop it held (0: the main thread). */
  thread: number;
  start: number;
  end: number;
}

export interface ProgramExit {
  t: number;
  reason: ExitReason;
  code: number | null;
  signal: string;
  message: string;
  site: string;
}
