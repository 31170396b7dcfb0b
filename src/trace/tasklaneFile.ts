// The lossless Tasklane file format (*.tasklane.json): the whole model, reopened as it was saved.
import { TraceModel } from './model';
import { describeValue, finite, InvalidTraceError, isRecord, validExit, validInfo, validTask } from './validate';

export const TASKLANE_FORMAT = 'tasklane';
export const TASKLANE_VERSION = 1;

export function toTasklaneFile(model: TraceModel): Record<string, unknown> {
  const tasks = [...model.tasks.values()].map((t) => ({
    id: t.id, parent: t.parent, kind: t.kind, name: t.name, site: t.site, internal: t.internal, thread: t.thread, created: t.created,
    runs: t.runs.map((r) => (Number.isNaN(r) ? model.endTime : r)),
    waits: t.waits.map((w) => [w.start, Number.isNaN(w.end) ? model.endTime : w.end, w.target, w.label, w.by, w.byLabel, w.site, Number.isNaN(w.wokenAt) ? null : w.wokenAt]),
    members: t.members,
    end: t.end ?? null,
  }));
  return {
    format: TASKLANE_FORMAT, version: TASKLANE_VERSION, info: model.info ?? null, longBlockUs: model.longBlockUs,
    endTime: model.endTime, eventCount: model.eventCount, exit: model.exit ?? null, dropped: model.dropped, signals: model.signals, tasks,
  };
}

export function isTasklaneFile(data: unknown): boolean {
  return isRecord(data) && data.format === TASKLANE_FORMAT;
}

export function fromTasklaneFile(data: unknown): TraceModel {
  if (!isRecord(data) || data.format !== TASKLANE_FORMAT) throw new InvalidTraceError('this is not a Tasklane trace (no "format": "tasklane")');
  if (data.version !== TASKLANE_VERSION) throw new InvalidTraceError(`this Tasklane trace has version ${describeValue(data.version)}; this Tasklane reads version ${TASKLANE_VERSION}`);
  if (!Array.isArray(data.tasks)) throw new InvalidTraceError('the trace has no task list');
  const dropped = Array.isArray(data.dropped) ? data.dropped.filter(isRecord).map((d) => ({ t: finite(d.t, 'dropped time'), count: finite(d.count, 'dropped count') })) : [];
  // (Files written before signals were traced have none.)
  const signals = Array.isArray(data.signals) ? data.signals.filter(isRecord).map((s) => ({ t: finite(s.t, 'signal time'), signal: typeof s.signal === 'string' ? s.signal : '' })) : [];
  const longBlockUs = typeof data.longBlockUs === 'number' && data.longBlockUs > 0 ? data.longBlockUs : undefined;
  const model = new TraceModel(longBlockUs ? { longBlockUs } : {});
  model.adopt({
    tasks: data.tasks.map((t, i) => validTask(t, i)),
    endTime: finite(data.endTime, 'endTime'),
    info: validInfo(data.info),
    exit: validExit(data.exit),
    dropped,
    signals,
    eventCount: typeof data.eventCount === 'number' ? data.eventCount : 0,
  });
  return model;
}
