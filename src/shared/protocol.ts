// Messages between the extension host and the timeline webview: one union per direction.
// The host validates everything the webview sends (`parseWebviewMessage`); the webview only
// renders what it is given, as text.

import type { PackedTasks } from './taskPacking';

export type RunStatus = 'starting' | 'running' | 'finished' | 'failed' | 'stopped' | 'loaded';

export interface TaskRow {
  id: number;
  name: string;
  kind: string;
  parent: number;
  site: string;
  /** Microseconds from the start of the trace. */
  created: number;
  ended: number;
  running: number;
  waiting: number;
  state: string;
}

export interface PanelState {
  title: string;
  status: RunStatus;
  /** One sentence on how the run is going or how it ended. */
  statusText: string;
  /** Tasks shown (internal ones are hidden unless the setting says otherwise). */
  taskCount: number;
  hiddenCount: number;
  eventCount: number;
  duration: number;
  /** The first tasks in creation order (the table is capped; `taskCount` is the whole). */
  tasks: TaskRow[];
  /** A saved copy of this trace that reopens the panel after a window reload ('' while there is none). */
  restoreFile: string;
}

/** What the webview keeps across hiding and reloads (vscode.setState), and the serializer reads back. */
export interface SavedPanelState {
  restoreFile?: string;
  title?: string;
}

/** One task as the timeline draws it. Ends of still-open segments are -1 (open until `endTime`). */
export interface TimelineTask {
  id: number;
  parent: number;
  kind: string;
  name: string;
  site: string;
  internal: boolean;
  created: number;
  /** Running segments, flat [start, end] pairs in µs. */
  runs: number[];
  /** Waits, flat [start, end] pairs, with what each awaited and where. */
  waits: number[];
  waitLabels: string[];
  waitSites: string[];
  /** The task whose code woke each wait (a producer's put), where its label does not name it; else 0. */
  waitWakers: number[];
  end: { t: number; state: string; message: string; site: string } | null;
  /**
   * In a delta, the runs and waits sent replace the webview's copy from these pair indices on (the
   * last pair sent before may have been open); absent, they are the whole lists.
   */
  runsFrom?: number;
  waitsFrom?: number;
}

export interface TimelineUpdate {
  /** True: replace everything the webview has; false: merge. */
  reset: boolean;
  /** Tasks that are new or changed since the last update, packed (see taskPacking.ts). */
  tasks: PackedTasks;
  /** Loop occupancy [start, end, task] triples appended from index `loopFrom` (the earlier ones may have had their last end change). */
  loop: Float64Array;
  loopFrom: number;
  /** Each other thread's loop (a Node worker's, a Python thread's), sent as `loop` is (absent: the program runs none). */
  threadLoops?: ThreadLoopUpdate[];
  endTime: number;
  longBlockUs: number;
  live: boolean;
  /** Where recording stopped at the event cap (µs); absent if it did not. Past it the trace has only the ends of its tasks. */
  recordedUntil?: number;
  /** The signals the program received (a Ctrl-C's SIGINT), all so far, sent when there are more (the trace keeps the first MAX_SIGNALS). */
  signals?: SignalMark[];
}

/** A signal the program received: which, and when (µs). */
export interface SignalMark {
  t: number;
  signal: string;
}

/** Another thread's loop occupancy, [start, end, task] triples from index `loopFrom`, as TimelineUpdate's `loop`. */
export interface ThreadLoopUpdate {
  thread: number;
  loop: Float64Array;
  loopFrom: number;
}

/** Host → webview. */
export type HostMessage = { type: 'state'; state: PanelState } | { type: 'timeline'; update: TimelineUpdate };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  /** A timeline update was applied: the host may send the next (flow control under a flood). */
  | { type: 'applied' }
  | { type: 'openSite'; site: string };

export const MAX_TABLE_ROWS = 500;
const MAX_SITE_LENGTH = 4096;

/** Checks a message from the webview; anything unexpected is refused (undefined). */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'applied':
      return Object.keys(m).length === 1 ? { type: m.type } : undefined;
    case 'openSite':
      return typeof m.site === 'string' && m.site.length > 0 && m.site.length <= MAX_SITE_LENGTH && Object.keys(m).length === 2
        ? { type: 'openSite', site: m.site }
        : undefined;
    default:
      return undefined;
  }
}
