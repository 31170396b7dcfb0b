// What no stack frame says, read from the program's source: whether a function is an async
// function (where V8 says it starts, at its `async` keyword if it has one), asked only to repair a
// misreading (MisreadCalls.repair); what a call calls, asked only for a function with no name of
// its own. A file is read when first asked about.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledSource, TS_FILE } from './typescript';

const sourceLines = new Map<string, readonly string[] | undefined>();
const MAX_FILES = 256;
/** The line terminators V8 counts lines by. */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

/** Answers so far, by function: a loop of calls that return without settling asks again and again. */
const answers = new Map<string, boolean>();
const MAX_ANSWERS = 4096;

/** `fnKey`: a function as CallSiteInfo.callers names it, "file:line:column" of its start. */
export function isAsyncFunctionAt(fnKey: string): boolean {
  let answer = answers.get(fnKey);
  if (answer === undefined) {
    answer = readsAsync(fnKey);
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answers.set(fnKey, answer);
  }
  return answer;
}

function readsAsync(fnKey: string): boolean {
  const place = /^(.*):(\d+):(\d+)$/.exec(fnKey);
  if (place === null) return false;
  const line = linesOf(place[1])?.[Number(place[2]) - 1];
  return line !== undefined && /^async\b/.test(line.slice(Number(place[3]) - 1));
}

/**
 * The function a call at `site` ("file:line:column", where V8 places a call: at its callee) calls,
 * as the source writes it (`workFor`, `db.query`); '' where the source there is no such call.
 */
export function calleeAt(site: string): string {
  const place = /^(.*):(\d+):(\d+)$/.exec(site);
  if (place === null) return '';
  const line = linesOf(place[1])?.[Number(place[2]) - 1];
  return (line !== undefined && CALLEE.exec(line.slice(Number(place[3]) - 1))?.[1]) || '';
}

const CALLEE = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(/;

function linesOf(file: string): readonly string[] | undefined {
  if (sourceLines.has(file)) return sourceLines.get(file);
  let lines: readonly string[] | undefined;
  try {
    // A TypeScript file the runner did not compile here (an ES module, compiled on the loader's thread) is not known.
    const code = compiledSource(file) ?? (TS_FILE.test(file) ? undefined : readFileSync(file.startsWith('file:') ? fileURLToPath(file) : file, 'utf8'));
    lines = code?.split(LINE_BREAK);
  } catch {
    lines = undefined;
  }
  if (sourceLines.size >= MAX_FILES) sourceLines.clear();
  sourceLines.set(file, lines);
  return lines;
}
