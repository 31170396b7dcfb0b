// What no stack frame says, read from the program's source: whether a function is an async
// function (where V8 says it starts, at its `async` keyword if it has one), asked only to repair a
// misreading (MisreadCalls.repair); whether it is written as a call's argument, and which call's,
// or in parentheses of its own, and what a call calls, asked only of names V8 made up or does not
// have. A file is read when first asked about.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { typeScriptAsRun } from './typescript';
import { TS_FILE } from './typeScriptImports';

/** Files' lines as V8 runs them (a TypeScript file compiled), and as written, where sites point (source-mapped). */
const runLines = new Map<string, readonly string[] | undefined>();
const writtenLines = new Map<string, readonly string[] | undefined>();
const MAX_FILES = 256;
/** The line terminators V8 counts lines by. */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

/** Answers so far, by function: a loop of calls that return without settling asks again and again. */
const asyncAnswers = new Map<string, boolean>();
const argumentAnswers = new Map<string, boolean>();
const unnamedAnswers = new Map<string, boolean>();
const callbackAnswers = new Map<string, string>();
const parenthesizedAnswers = new Map<string, boolean>();
const returnedAnswers = new Map<string, boolean>();
const classAnswers = new Map<string, string>();
const entryAnswers = new Map<string, boolean>();
const asyncRunnerAnswers = new Map<string, boolean>();
const asyncStepAnswers = new Map<string, boolean>();
const asyncMakerAnswers = new Map<string, boolean>();
const asyncGeneratorStepAnswers = new Map<string, boolean>();
const MAX_ANSWERS = 4096;
/** How far back before a function its call's `(` is looked for. */
const MAX_LINES_BACK = 4;
const MAX_CHARS_BACK = 1000;
/** How far back before a method the brace that opens its class's body is looked for. */
const MAX_CLASS_LINES_BACK = 2000;

/**
 * `fnKey`: a function as CallSiteInfo.callers names it, "file:line:column" of its start. Not an
 * async generator's (`async function*`, `async *lines()`), whose call makes no promise: its body
 * runs inside its caller's `next()`.
 */
export function isAsyncFunctionAt(fnKey: string): boolean {
  return remembered(asyncAnswers, fnKey, () => ASYNC_FUNCTION.test(textFrom(placeOf(fnKey), true) ?? ''));
}
const ASYNC_FUNCTION = /^async\b(?!\s*(?:function\b\s*)?\*)/;

/**
 * Whether the function starting at `fnKey` is a compiler's helper that runs an async function
 * compiled into a generator (for targets before ES2017) and returns its promise, made with `new
 * Promise` right in it: tsc's and tslib's `__awaiter`, esbuild's `__async`, the function Babel's
 * and SWC's `_asyncToGenerator` returns. Read from its text, minified or not (bundled code).
 */
export function isAsyncRunnerAt(fnKey: string): boolean {
  return headMatches(asyncRunnerAnswers, fnKey, ASYNC_RUNNERS);
}

/**
 * Whether the function starting at `fnKey` is such a helper's step, which resumes the generator
 * once the value it yielded has settled (`Promise.resolve(value).then(fulfilled, rejected)`):
 * tsc's and esbuild's `step`, Babel's and SWC's `asyncGeneratorStep`.
 */
export function isAsyncStepAt(fnKey: string): boolean {
  return headMatches(asyncStepAnswers, fnKey, ASYNC_STEPS);
}

/**
 * Whether the function starting at `fnKey` is the one through which Babel first calls an async
 * function it compiled (`function _load() { _load = _asyncToGenerator(…); return _load.apply(…) }`,
 * which `load` calls): it makes the function `load` calls from then on, no call of its own.
 */
export function isAsyncMakerAt(fnKey: string): boolean {
  return headMatches(asyncMakerAnswers, fnKey, [ASYNC_MAKER]);
}

const ASYNC_MAKER = /^function\s+(_[\w$]+)\s*\(\s*\)\s*\{\s*\1\s*=\s*[\w$]+\(/;

/** An identifier, as the helpers' parameters are, named or minified. */
const IDENTIFIER = String.raw`[\w$]+`;
const ASYNC_RUNNERS = [
  // tsc: function (thisArg, _arguments, P, generator) { function adopt(…) {…} return new (P || (P = Promise))(…
  new RegExp(String.raw`^function\s*\(\s*${IDENTIFIER}\s*,\s*${IDENTIFIER}\s*,\s*(${IDENTIFIER})\s*,\s*${IDENTIFIER}\s*\)\s*\{[^]{0,200}?return\s*new\s*\(\s*\1\s*\|\|\s*\(\s*\1\s*=\s*Promise\s*\)\s*\)`),
  // esbuild: (__this, __arguments, generator) => { return new Promise((resolve, reject) => { … generator.next(
  new RegExp(String.raw`^\(\s*${IDENTIFIER}\s*,\s*${IDENTIFIER}\s*,\s*(${IDENTIFIER})\s*\)\s*=>\s*\{?\s*(?:return\s+)?new\s+Promise\s*\(\s*\(\s*${IDENTIFIER}\s*,\s*${IDENTIFIER}\s*\)\s*=>[^]{0,200}?\b\1\.next\(`),
  // Babel, SWC: function () { var self = this, args = arguments; return new Promise(function (resolve, reject) { var gen = fn.apply(self, args);
  new RegExp(String.raw`^function\s*\(\s*\)\s*\{\s*var\s+(${IDENTIFIER})\s*=\s*this\s*,\s*(${IDENTIFIER})\s*=\s*arguments\s*;?\s*return\s+new\s+Promise\s*\(\s*function\s*\(\s*${IDENTIFIER}\s*,\s*${IDENTIFIER}\s*\)\s*\{\s*var\s+${IDENTIFIER}\s*=\s*${IDENTIFIER}\.apply\(\s*\1\s*,\s*\2\s*\)`),
];
/**
 * Whether the function starting at `fnKey` is the step of a compiler's helper that runs an async
 * generator compiled into a generator, which chains the generator's resumption on the value its
 * body awaits: tsc's `__asyncGenerator` step, esbuild's and Babel's `resume`.
 */
export function isAsyncGeneratorStepAt(fnKey: string): boolean {
  return headMatches(asyncGeneratorStepAnswers, fnKey, ASYNC_GENERATOR_STEPS);
}

const ASYNC_GENERATOR_STEPS = [
  // tsc: function step(r) { r.value instanceof __await ? Promise.resolve(r.value.v).then(fulfill, reject) : settle(q[0][2], r); }
  new RegExp(String.raw`^function\s*${IDENTIFIER}?\s*\(\s*(${IDENTIFIER})\s*\)\s*\{\s*\1\.value\s+instanceof\s+${IDENTIFIER}\s*\?\s*Promise\.resolve\(`),
  // esbuild: (k, v, yes, no) => { try { var x = generator[k](v), isAwait = (v = x.value) instanceof __await, …
  new RegExp(String.raw`^\(\s*(${IDENTIFIER})\s*,\s*(${IDENTIFIER})\s*,\s*${IDENTIFIER}\s*,\s*${IDENTIFIER}\s*\)\s*=>\s*\{\s*try\s*\{\s*var\s+${IDENTIFIER}\s*=\s*${IDENTIFIER}\[\1\]\(\2\)[^]{0,100}?instanceof[^]{0,200}?Promise\.resolve\(`),
  // Babel: function resume(key, arg) { try { var result = gen[key](arg), value = result.value, … instanceof …; Promise.resolve(…).then(
  new RegExp(String.raw`^function\s*${IDENTIFIER}?\s*\(\s*(${IDENTIFIER})\s*,\s*(${IDENTIFIER})\s*\)\s*\{\s*try\s*\{\s*var\s+${IDENTIFIER}\s*=\s*${IDENTIFIER}\[\1\]\(\2\)[^]{0,150}?instanceof[^]{0,150}?Promise\.resolve\(`),
];

const ASYNC_STEPS = [
  // tsc, esbuild: function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
  // (minified by terser: function c(e){var t;e.done?o(e.value):(t=e.value,t instanceof n?t:new n(…)).then(i,s)})
  new RegExp(String.raw`^(?:function\s*${IDENTIFIER}?\s*\(\s*(${IDENTIFIER})\s*\)\s*\{|\(?\s*(${IDENTIFIER})\s*\)?\s*=>\s*\{?)\s*(?:var\s+[\w$,\s]+;\s*)?(?:return\s+)?(?:\1|\2)\.done\s*\?[^]{0,200}?\.then\(`),
  // Babel, SWC: function asyncGeneratorStep(gen, resolve, reject, _next, _throw, key, arg) { try { var info = gen[key](arg);
  new RegExp(String.raw`^function\s*${IDENTIFIER}?\s*\(\s*(${IDENTIFIER})(?:\s*,\s*${IDENTIFIER}){6}\s*\)\s*\{\s*try\s*\{\s*var\s+${IDENTIFIER}\s*=\s*\1\[`),
];

/**
 * The function a call at `site` ("file:line:column", where V8 places a call: at its callee) calls,
 * as the source writes it (`workFor`, `db.query`); '' where the source there is no such call.
 */
export function calleeAt(site: string): string {
  return CALLEE.exec(textFrom(placeOf(site), false) ?? '')?.[1] ?? '';
}

/**
 * The module a dynamic import at `site` (where V8 places it: at the `import`, or at an `await` of
 * it) loads, as the source writes it (`node:path`, `./plugin.mjs`); '' where the source there
 * gives `import(` no plain string.
 */
export function importedAt(site: string): string {
  return IMPORTED.exec(textFrom(placeOf(site), false) ?? '')?.[2] ?? '';
}

const IMPORTED = /^\(?\s*(?:await\s+)?import\s*\(\s*(['"`])([^'"`$\\\r\n]+)\1\s*[,)]/;

/**
 * calleeAt with what it is called on (`WebAssembly.compile`, where V8 places the call at `compile`),
 * as the source writes it on the call's line.
 */
export function dottedCalleeAt(site: string): string {
  const callee = calleeAt(site);
  const place = placeOf(site);
  if (!callee || !place) return callee;
  const line = linesOf(place.file, false)?.[place.line - 1] ?? '';
  const on = OBJECT_BEFORE.exec(line.slice(0, place.column - 1))?.[0] ?? '';
  return on.replace(/[\s?]/g, '') + callee;
}

/** The objects a callee is reached through, just before it: `WebAssembly.`, `this.#pool?.`. */
const OBJECT_BEFORE = /(?:#?[A-Za-z_$][\w$]*\s*\??\.\s*)+$/;

/**
 * Whether `place` ("file:line:column" as V8 runs the file) is at the entry of the function that
 * starts at `fnKey`, where V8 makes an async function's own promise: at its start (an arrow
 * function's) or at its parameters' `(` past its name, no body (`{`, `=>`) opened in between; not
 * in its body. A place whose source is not at hand counts as the entry.
 */
export function isEntryAt(fnKey: string, place: string): boolean {
  return remembered(entryAnswers, `${fnKey} ${place}`, () => {
    const start = placeOf(fnKey);
    const at = placeOf(place);
    const lines = start && at ? linesOf(start.file, true) : undefined;
    if (!start || !at || !lines) return true;
    if (at.line - start.line > MAX_LINES_BACK) return false;
    const head = at.line === start.line
      ? lines[start.line - 1]?.slice(start.column - 1, at.column - 1)
      : [lines[start.line - 1]?.slice(start.column - 1), ...lines.slice(start.line, at.line - 1), lines[at.line - 1]?.slice(0, at.column - 1)].join('\n');
    return head === undefined || !/[{]|=>/.test(head.replace(COMPUTED_NAME, '')); // (a line not there: the file changed since it ran)
  });
}

/** A method's computed name at the end of its head, which may hold braces of its own: async [`${verb}Item`]. */
const COMPUTED_NAME = /\[[^(]*\]\s*$/;

/**
 * Whether the function starting at `fnKey` (as CallSiteInfo.callers names it) is written as a
 * call's argument, right after its `(` or a `,`: V8 then makes up a name for it from what follows
 * (`pMap(files, async (f) => …, { concurrency: 2 })` runs as `pMap.concurrency`).
 */
export function isArgumentAt(fnKey: string): boolean {
  return remembered(argumentAnswers, fnKey, () => readsArgument(placeOf(fnKey)));
}

/**
 * Whether the function starting at `fnKey` is written with no name of its own (an arrow, `function
 * (`): any name V8 gives it is one it made up from around it.
 */
export function isUnnamedAt(fnKey: string): boolean {
  return headMatches(unnamedAnswers, fnKey, UNNAMED_HEADS);
}
const UNNAMED_HEADS = [/^(?:async\b\s*)?(?:\(|[A-Za-z_$][\w$]*\s*=>|function\s*\*?\s*\()/];

/**
 * What an anonymous function written as a call's argument is passed to, as the source writes that
 * call, with its first argument when that is a short string: `svc.on('msg')`, `it('adds')`, `map`,
 * `new Promise`. '' where the function is no call's argument (or the source is not at hand).
 */
export function callOfArgumentAt(fnKey: string): string {
  return remembered(callbackAnswers, fnKey, () => callOfArgument(textBefore(placeOf(fnKey))));
}

/**
 * Whether the function starting at `fnKey` is written in parentheses of its own, as one called
 * where it is written is: `(async () => …)()`, `await (async function () { … })()`.
 */
export function isParenthesizedAt(fnKey: string): boolean {
  return remembered(parenthesizedAnswers, fnKey, () => {
    const trimmed = textBefore(placeOf(fnKey)).trimEnd();
    if (!trimmed.endsWith('(')) return false;
    const head = trimmed.slice(0, -1).trimEnd();
    const word = /[\w$]+$/.exec(head)?.[0];
    // `run(` and `f()(` open calls; `await (`, `;(`, `= (` and the file's start do not.
    return word === undefined ? !/[)\]]$/.test(head) : KEYWORDS.has(word);
  });
}

/**
 * Whether the function starting at `fnKey` is a class field's value as a compiler defines the
 * field (esbuild's `__publicField(this, "refresh", async () => …)`, Babel's `_defineProperty`):
 * written as a class field, V8 names it after the field.
 */
export function isClassFieldValueAt(fnKey: string): boolean {
  return FIELD_DEFINERS.has(callOfArgumentAt(fnKey));
}

const FIELD_DEFINERS = new Set(['__publicField', '__defNormalProp', '_defineProperty', '_define_property']);

/**
 * The class whose body the method starting at `fnKey` is written in (`class Repo { async get() …`:
 * `Repo`), read back from the method to the brace that opens the block it is in; '' where that
 * block is no class's body, or the text is not at hand. A brace in a string or comment between
 * makes the block another, which is then almost surely no class's: the answer is ''.
 */
export function enclosingClassAt(fnKey: string): string {
  return remembered(classAnswers, fnKey, () => {
    const place = placeOf(fnKey);
    const lines = place && linesOf(place.file, true);
    if (!place || !lines) return '';
    let depth = 0;
    for (let line = place.line - 1; line >= 0 && line >= place.line - 1 - MAX_CLASS_LINES_BACK; line--) {
      const text = line === place.line - 1 ? (lines[line] ?? '').slice(0, place.column - 1) : lines[line];
      for (let i = text.length - 1; i >= 0; i--) {
        if (text[i] === '}') depth++;
        else if (text[i] === '{' && depth-- === 0) {
          const head = [...lines.slice(Math.max(0, line - 2), line), text.slice(0, i)].join(' ');
          return CLASS_HEAD.exec(head)?.[1] ?? '';
        }
      }
    }
    return '';
  });
}

/** The head of a class declaration or expression, up to its body's brace: `class UserRepo extends Repo`. */
const CLASS_HEAD = /\bclass\s+([A-Za-z_$][\w$]*)(?:\s+extends\s+[^{};]+)?\s*$/;

/**
 * Whether the function starting at `fnKey` is written right after a `return`, as a wrapper's is
 * (`return async function (...args) { … }`, a decorator's or a middleware factory's).
 */
export function isReturnedAt(fnKey: string): boolean {
  return remembered(returnedAnswers, fnKey, () => /(?:^|[^\w$.])return$/.test(textBefore(placeOf(fnKey)).trimEnd()));
}

/**
 * Whether the call at `site` calls what an expression gave (`(async () => …)()`, `f()()`), which V8
 * places at the call's `(` (a source map at the `})` before it), rather than a name, where it
 * places the call at the callee (`service.run()`). True where the source is not at hand.
 */
export function callsAnExpressionAt(site: string): boolean {
  const text = textFrom(placeOf(site), false);
  return text === undefined || CALL_OF_EXPRESSION.test(text);
}

const CALL_OF_EXPRESSION = /^[\s)}\]]*\(/;

/** Whether the text of the function starting at `fnKey` starts as one of `shapes` does (a compiler's helper), answered once per function. */
function headMatches(answers: Map<string, boolean>, fnKey: string, shapes: readonly RegExp[]): boolean {
  return remembered(answers, fnKey, () => {
    const head = headFrom(placeOf(fnKey));
    return shapes.some((shape) => shape.test(head));
  });
}

/** How much of a function's text headFrom reads: enough for a compiler helper's first statements. */
const HEAD_CHARS = 400;

/** The text from a place on (as V8 runs the file), a few lines at most; '' where the source is not at hand. */
function headFrom(place: Place | undefined): string {
  const lines = place && linesOf(place.file, true);
  if (!place || !lines) return '';
  let head = (lines[place.line - 1] ?? '').slice(place.column - 1, place.column - 1 + HEAD_CHARS);
  for (let line = place.line; line < lines.length && line < place.line + MAX_LINES_BACK * 2 && head.length < HEAD_CHARS; line++) head += `\n${lines[line].slice(0, HEAD_CHARS)}`;
  return head;
}

/** The text before a place, a few lines back at most; '' where the source is not at hand. */
function textBefore(place: Place | undefined): string {
  const lines = place && linesOf(place.file, true);
  if (!place || !lines) return '';
  const before = [...lines.slice(Math.max(0, place.line - 1 - MAX_LINES_BACK), place.line - 1), (lines[place.line - 1] ?? '').slice(0, place.column - 1)].join('\n');
  return before.slice(-MAX_CHARS_BACK);
}

/** The call whose argument list `before` (the text before a function) is open in, as above. */
function callOfArgument(before: string): string {
  const trimmed = before.trimEnd();
  if (!trimmed.endsWith('(') && !trimmed.endsWith(',')) return '';
  // Back over the arguments before the function, to the `(` that opens them.
  let depth = 0;
  let open = trimmed.length - 1;
  for (; open >= 0; open--) {
    const c = trimmed[open];
    if (c === '"' || c === "'" || c === '`') {
      open = trimmed.lastIndexOf(c, open - 1);
      if (open < 0) return '';
    } else if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth === 0) break;
      depth--;
    }
  }
  if (open < 0 || trimmed[open] !== '(') return '';
  const callee = CALLEE_BEFORE.exec(trimmed.slice(0, open));
  if (callee === null || KEYWORDS.has(callee[2])) return '';
  const label = STRING_ARGUMENT.exec(trimmed.slice(open + 1))?.[2];
  return `${callee[1] ? 'new ' : ''}${callee[2].replace(/\s+/g, '')}${label === undefined ? '' : `('${label}')`}`;
}

/** The callee just before a call's `(`: `svc.on`, `this.#queue.add`, `new Promise`. */
const CALLEE_BEFORE = /(\bnew\s+)?((?:[A-Za-z_$][\w$]*|#[A-Za-z_$][\w$]*)(?:\s*\??\.\s*#?[A-Za-z_$][\w$]*)*)\s*$/;
/** A call's arguments before the function, when they are one short string ('msg', "/users", `adds`). */
const STRING_ARGUMENT = /^\s*(['"`])([^'"`\\\n$]{1,40})\1\s*,\s*$/;
/** Words before a `(` that are no calls. */
const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'catch', 'return', 'await', 'typeof', 'void', 'yield', 'in', 'of', 'function', 'async']);

function readsArgument(place: Place | undefined): boolean {
  const lines = place && linesOf(place.file, true);
  if (!place || !lines) return false;
  // The text before the function, back over blank space and lines to the first other character.
  for (let line = place.line - 1, end = place.column - 1; line >= 0; line--, end = Infinity) {
    const before = (lines[line] ?? '').slice(0, end).trimEnd();
    if (before !== '') return before.endsWith('(') || before.endsWith(',');
  }
  return false;
}

function remembered<T>(answers: Map<string, T>, key: string, work: () => T): T {
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = work();
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answers.set(key, answer);
  }
  return answer;
}

interface Place {
  file: string;
  /** 1-based, as V8 counts them. */
  line: number;
  column: number;
}

function placeOf(key: string): Place | undefined {
  const place = /^(.*):(\d+):(\d+)$/.exec(key);
  return place === null ? undefined : { file: place[1], line: Number(place[2]), column: Number(place[3]) };
}

/** A line's text from a place on; `run`: as V8 runs the file (see linesOf). */
function textFrom(place: Place | undefined, run: boolean): string | undefined {
  return place && linesOf(place.file, run)?.[place.line - 1]?.slice(place.column - 1);
}

const CALLEE = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(/;

/** `run`: as V8 runs it, which for a TypeScript file is what the runner compiled it to. */
function linesOf(file: string, run: boolean): readonly string[] | undefined {
  const known = run ? runLines : writtenLines;
  if (known.has(file)) return known.get(file);
  let lines: readonly string[] | undefined;
  try {
    const filename = file.startsWith('file:') ? fileURLToPath(file) : file;
    const written = (): string => readFileSync(filename, 'utf8');
    const code = run && TS_FILE.test(filename) ? typeScriptAsRun(filename, written) : written();
    lines = code?.split(LINE_BREAK);
  } catch {
    lines = undefined;
  }
  if (known.size >= MAX_FILES) known.clear();
  known.set(file, lines);
  return lines;
}
