// Saves a trace in either format, as JSON text in pieces: a Chrome trace of a few million events
// is longer than the longest string V8 makes (2^29 characters), so one JSON.stringify would throw.
import { exportChromeTrace } from './chromeTrace';
import type { TraceModel } from './model';
import { toTasklaneFile } from './tasklaneFile';

export type TraceFormat = 'chrome' | 'tasklane';

/** Items of the file's one long list (a Chrome trace's events, a Tasklane file's tasks) written per piece. */
const ITEMS_PER_PIECE = 10_000;

export function traceFileText(model: TraceModel, format: TraceFormat): Generator<string> {
  return format === 'tasklane' ? jsonPieces(toTasklaneFile(model), 'tasks') : jsonPieces({ ...exportChromeTrace(model) }, 'traceEvents');
}

/** `JSON.stringify(file)` in pieces: `file[listKey]` a batch of its items at a time. */
function* jsonPieces(file: Record<string, unknown>, listKey: string): Generator<string> {
  const keys = Object.keys(file);
  const at = keys.indexOf(listKey);
  const part = (from: number, to: number): string => JSON.stringify(Object.fromEntries(keys.slice(from, to).map((key) => [key, file[key]])));
  const before = part(0, at);
  const after = part(at + 1, keys.length);
  yield `${before.slice(0, -1)}${before === '{}' ? '' : ','}${JSON.stringify(listKey)}:[`;
  const items = file[listKey] as unknown[];
  for (let from = 0; from < items.length; from += ITEMS_PER_PIECE) {
    const batch = items.slice(from, from + ITEMS_PER_PIECE).map((item) => JSON.stringify(item) ?? 'null').join(',');
    yield from === 0 ? batch : `,${batch}`;
  }
  yield after === '{}' ? ']}' : `],${after.slice(1)}`;
}
