// What the panel shows, derived from the model (pure: no vscode, no DOM).
import type { TraceModel } from '../trace/model';
import { formatDuration } from '../trace/format';
import { endText, recordingStopped, runNotes } from '../trace/summary';
import { MAX_TABLE_ROWS, type PanelState, type RunStatus, type TaskRow } from '../shared/protocol';

/** The run's state in a sentence; `elapsed` is how long a live run has been going. */
export function describeRun(model: TraceModel, status: RunStatus, problem?: string, elapsed = model.endTime): string {
  if (status === 'starting') return 'Starting…';
  // (A note needing the run's end, as noLoopNote's, says nothing while it runs.)
  if (status === 'running') return [`Running for ${formatDuration(elapsed)}.${capNote(model, status)}`, ...runNotes(model)].join(' ');
  const x = model.exit;
  let text: string;
  if (!x) text = status === 'loaded' ? 'Trace loaded.' : 'The program ended.';
  else if (x.reason === 'exit') text = `The program exited with code ${x.code} after ${formatDuration(x.t)}.`;
  else if (x.reason === 'signal' || x.reason === 'killed') text = `The program was ended by ${x.signal || 'a signal'} after ${formatDuration(x.t)}.`;
  else text = `The program crashed (${x.reason === 'rejection' ? 'unhandled rejection' : 'uncaught exception'}): ${x.message}.`;
  if (status === 'stopped') text = `Stopped. ${text}`;
  const [longest] = model.longBlocks();
  const holder = longest && model.tasks.get(longest.task);
  if (holder) text += ` The longest loop block was ${formatDuration(longest.end - longest.start)} in ${model.displayName(holder)}.`;
  text += capNote(model, status);
  for (const note of runNotes(model)) text += ` ${note}`;
  return problem ? `${text} ${problem}` : text;
}

/** The sentence on the event cap, if the run reached it; a live run's names the setting. */
function capNote(model: TraceModel, status: RunStatus): string {
  const stopped = recordingStopped(model, status === 'loaded' ? 'the event cap' : 'the event cap, tasklane.maxEvents');
  return stopped ? ` ${stopped}` : '';
}

export function panelState(model: TraceModel, title: string, status: RunStatus, options: { hideInternal: boolean; problem?: string; restoreFile?: string; elapsed?: number }): PanelState {
  const tasks: TaskRow[] = [];
  let taskCount = 0;
  for (const task of model.tasks.values()) {
    if (options.hideInternal && task.internal) continue;
    taskCount++;
    if (tasks.length >= MAX_TABLE_ROWS) continue;
    tasks.push({
      id: task.id, name: model.displayName(task), kind: task.kind, parent: task.parent, site: task.site,
      created: task.created, ended: model.endTimeOf(task), running: model.runningTime(task), waiting: model.waitingTime(task),
      state: endText(model, task),
    });
  }
  return {
    title, status, statusText: describeRun(model, status, options.problem, options.elapsed), taskCount, hiddenCount: model.tasks.size - taskCount, eventCount: model.eventCount,
    duration: Math.max(model.endTime, options.elapsed ?? 0), tasks, restoreFile: options.restoreFile ?? '',
  };
}
