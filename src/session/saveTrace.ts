// Writes a trace file from its pieces (see trace/save.ts), however long the trace.
import * as fs from 'node:fs';
import type { TraceModel } from '../trace/model';
import { traceFileText, type TraceFormat } from '../trace/save';

export function saveTraceSync(file: string, model: TraceModel, format: TraceFormat): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const piece of traceFileText(model, format)) {
      const bytes = Buffer.from(piece);
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function saveTrace(file: string, model: TraceModel, format: TraceFormat): Promise<void> {
  return fs.promises.writeFile(file, traceFileText(model, format));
}

/** The whole file's bytes, for a writer that takes them at once (VS Code's file system API). */
export function traceFileBytes(model: TraceModel, format: TraceFormat): Uint8Array {
  return Buffer.concat([...traceFileText(model, format)].map((piece) => Buffer.from(piece)));
}
