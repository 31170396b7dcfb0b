// Opens a saved trace of either format.
import { importChromeTrace } from './chromeTrace';
import type { TraceModel } from './model';
import { fromTasklaneFile, isTasklaneFile } from './tasklaneFile';
import { InvalidTraceError } from './validate';

export function parseTrace(json: string): TraceModel {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new InvalidTraceError(`the file is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return isTasklaneFile(data) ? fromTasklaneFile(data) : importChromeTrace(data);
}
