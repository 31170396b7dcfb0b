// Reading V8's call sites: whose code a frame is (Node's, a package's, a transpiler's helper), where
// it is in the source, and what its function is called.
import * as fs from 'node:fs';
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { calleeAt, enclosingClassAt, isArgumentAt, isClassFieldValueAt, isUnnamedAt } from './functionSource';
import { TS_FILE } from './typeScriptImports';

export type CallSite = NodeJS.CallSite;

/** Node's own code, or WebAssembly it runs (undici's HTTP parser): never the user's. */
export function isNodeFile(file: string | null | undefined): boolean {
  return !file || file.startsWith('node:') || file.startsWith('wasm://');
}

/** A file of an installed package, not of the project itself. */
export function isPackageFile(file: string | null | undefined): boolean {
  return !!file && (file.includes('/node_modules/') || file.includes('\\node_modules\\'));
}

/**
 * The file a frame's code is in; for code `eval` or `new Function` made, which V8 gives no file,
 * the file of the call that made it.
 */
export function fileOf(frame: CallSite): string | undefined {
  return frame.getFileName() || evalPlace(frame)?.file;
}

/**
 * Where the `eval` or `new Function` that made a frame's code ran (the outermost, for an eval
 * inside eval'd code); undefined for a frame of other code.
 */
function evalPlace(frame: CallSite): { file: string; line: string; column: string } | undefined {
  if (!frame.isEval()) return undefined;
  const m = /([^()]+):(\d+):(\d+)\)+$/.exec(frame.getEvalOrigin() ?? '');
  return m === null ? undefined : { file: m[1], line: m[2], column: m[3] };
}

/**
 * The helpers compilers add where they compile away async functions, async generators and `for
 * await` (tsc and tslib, esbuild, Babel), by the names they give them: no place of the program's,
 * with or without a source map to say so (a loop over readline is placed at the `for await`, not in
 * the helper that asked for its iterator).
 */
const ASYNC_HELPERS = new Set([
  '__awaiter', '__generator', '__asyncValues', '__asyncGenerator', '__asyncDelegator', '__await',
  '__async', '__forAwait', '__yieldStar',
  '_asyncToGenerator', 'asyncGeneratorStep', '_asyncIterator', '_awaitAsyncGenerator', '_wrapAsyncGenerator', '_asyncGeneratorDelegate',
]);

/**
 * A frame of the helpers esbuild adds to a TypeScript file it transpiles (`await using`'s
 * __callDispose), which map to no line of the source: their place is the code that called them.
 */
export function isTranspilerHelper(frame: CallSite): boolean {
  if (ASYNC_HELPERS.has(frame.getFunctionName() ?? '')) return true;
  const entry = sourceMapEntry(frame);
  return entry !== undefined && typeof entry.originalLine !== 'number';
}

interface SourceMapEntry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}

type SourceMapOf = (file: string) => { findEntry(line: number, column: number): object } | undefined;

/** Each file's source map, or null for none: Node's lookup converts the path to a URL every time. */
const sourceMaps = new Map<string, ReturnType<SourceMapOf> | null>();
const MAX_SOURCE_MAPS = 10_000;

/**
 * A frame's entry in its file's source map, where Node keeps source maps (a TypeScript script,
 * which the runner transpiles with one, or a program run with --enable-source-maps): with no
 * original line for code the compiler added. Undefined for other files, or with no map. Not an
 * installed package's JavaScript: Node parses a map as it is first asked for, a bundled
 * package's megabytes in the program's time, and a site in a package is shown at the project's
 * call of it anyway.
 */
function sourceMapEntry(frame: CallSite): SourceMapEntry | undefined {
  const file = frame.getFileName();
  if (isNodeFile(file) || (isPackageFile(file) && !TS_FILE.test(file!))) return undefined;
  let map = sourceMaps.get(file!);
  try {
    if (map === undefined) {
      map = (findSourceMap as SourceMapOf)(file!) ?? null;
      if (sourceMaps.size < MAX_SOURCE_MAPS) sourceMaps.set(file!, map);
    }
    return map?.findEntry((frame.getLineNumber() ?? 0) - 1, (frame.getColumnNumber() ?? 0) - 1) as SourceMapEntry | undefined;
  } catch {
    return undefined;
  }
}

/** Whether each source a map names is there to open: a package's maps often name sources it does not ship. */
const sourcesThere = new Map<string, boolean>();

/**
 * The file a source map's entry is from: a TypeScript file the runner transpiled is the frame's
 * own; a compiled file's source is named by its map (`file:` URL, as the frame's file is in an
 * ES module), if it is there; other names (a bundler's `webpack://`) are no file to open.
 */
function originalFile(file: string, entry: SourceMapEntry): string | undefined {
  if (TS_FILE.test(file)) return file;
  const source = entry.originalSource;
  if (source === undefined || !source.startsWith('file:')) return undefined;
  let there = sourcesThere.get(source);
  if (there === undefined) {
    there = fs.existsSync(fileURLToPath(source));
    if (sourcesThere.size < MAX_SOURCE_MAPS) sourcesThere.set(source, there);
  }
  if (!there) return undefined;
  return file.startsWith('file:') ? source : fileURLToPath(source);
}

/** How functionKey ends for a module's own body. */
export const MODULE_BODY_KEY = ':module';

/**
 * A function as the place it starts ("node:stream/promises:12:3", "/app/main.js:4:1"): which call
 * of it a frame is does not matter.
 */
export function functionKey(frame: CallSite): string {
  const line = frame.getEnclosingLineNumber();
  const column = frame.getEnclosingColumnNumber();
  const made = evalPlace(frame);
  // Eval'd code's lines are its own: its key is no place of its file's, whose source is not its.
  if (made !== undefined) return `${made.file}:${made.line}:${made.column} eval ${line}:${column}`;
  // A module's own body starts at 1:1 too, as a function declared first thing in the file does.
  if (line === 1 && column === 1 && !frame.getFunctionName()) return `${frame.getFileName()}${MODULE_BODY_KEY}`;
  return `${frame.getFileName()}:${line}:${column}`;
}

/**
 * A frame's function as a person names it: `Api.get` for a method called on an instance of a
 * class, but `tick` for a function Node calls from a timer (the receiver holds it as `_onTimeout`,
 * not under its own name: it is no method of a Timeout). An unnamed function of Node's is named by
 * the method it was called as; an unnamed one of the user's (`userCode`) stays unnamed.
 */
export function functionName(frame: CallSite, userCode: boolean, caller?: CallSite): string {
  const own = symbolKeyName(computedName(frame) ?? calledMethodName(frame, caller) ?? exportedName(frame, caller) ?? madeUpName(frame, userCode) ?? frame.getFunctionName());
  // A function of the user's with no name of its own is named by how it is called (see anonymousName),
  // not by the property that holds it (a timer's `_onTimeout`), unless that is the field it defines.
  const name = own ?? (userCode && !isFieldValue(frame) ? '' : (frame.getMethodName() ?? ''));
  // A private method (`#load`) has no method name, but is one: its class is the receiver's; so is
  // one under a symbol (`[Symbol.asyncDispose]`).
  const isMethod = own === null || own.startsWith('#') || own.startsWith('[') || frame.getMethodName() === own;
  if (name === '' || frame.isToplevel()) return name;
  if (!isMethod) return userCode && frame.getMethodName() === null ? classMethodName(frame, name) : name;
  const type = className(frame.getTypeName());
  if (type === 'Function') return userCode ? staticMethodName(frame, name, caller) : name;
  return isInstanceType(type) && !name.startsWith(`${type}.`) ? `${type}.${name}` : name;
}

/** Whether a receiver's type names a class of its own, not a plain object's or the global one. */
function isInstanceType(type: string | undefined): type is string {
  return !!type && type !== 'Object' && type !== 'global';
}

/**
 * A receiver's class as a person names it: undici's Response class is `_Response`, a body an
 * `InternalReadableStream`, and a class assigned where it is made (`module.exports = internals.Core
 * = class { … }`, as hapi's) is named by V8 after the whole assignment.
 */
function className(type: string | null): string | undefined {
  return type?.slice(type.lastIndexOf('.') + 1).replace(/^_+/, '').replace(/^Internal(?=(?:Readable|Writable|Transform)Stream$)/, '');
}

/** Node 20's stand-ins for the disposal symbols by the names the language gives them (`[Symbol.asyncDispose]`). */
function symbolKeyName(name: string | null): string | null {
  return name !== null && name.startsWith('[nodejs.') ? name.replace(/^\[nodejs\.(asyncDispose|dispose)\]$/, '[Symbol.$1]') : name;
}

/**
 * A function stored under a computed key (`Api.prototype[verb] = async function …`, as axios makes
 * its `get` and `post`), which V8 names `Api.<computed>`, by the key it was called as: `Api.get`.
 */
function computedName(frame: CallSite): string | undefined {
  const inferred = frame.getFunctionName();
  if (inferred === null || !inferred.endsWith('<computed>')) return undefined;
  const method = frame.getMethodName();
  return method ? `${inferred.slice(0, -'<computed>'.length)}${method}` : undefined;
}

/**
 * A package's function stored as a method under another name (axios's `post` is a `function
 * httpMethod` its factory made), by the name the caller called it by, unless Node called it (a
 * timer's `_onTimeout`): the program's code says `.post(`, and the package's own name is nowhere
 * in it. V8 prints such a frame `Axios.httpMethod [as post]`.
 */
function calledMethodName(frame: CallSite, caller: CallSite | undefined): string | undefined {
  if (caller === undefined || isNodeFile(fileOf(caller)) || !isPackageFile(fileOf(frame))) return undefined;
  const method = frame.getMethodName();
  const own = frame.getFunctionName();
  // V8's own name for `exports.fail = async () => …` says the method already.
  return method && own && own !== method && !own.endsWith(`.${method}`) ? method : undefined;
}

/**
 * A function that is its module's export (`module.exports = async (…) => …`, as p-map's; an ES
 * module's unnamed `export default`), which V8 names `module.exports` or `default` (see
 * isExportName), by what the code calling it calls it (`pMap`, the name it was imported as).
 */
function exportedName(frame: CallSite, caller: CallSite | undefined): string | undefined {
  if (caller === undefined || !isExportName(frame) || isNodeFile(fileOf(caller))) return undefined;
  return calleeAt(position(caller)) || undefined;
}

const EXPORT_NAMES = new Set(['module.exports', 'exports.default', 'default']);

/** V8's name for a module's unnamed export; in TypeScript esbuild compiled, esbuild's (`pause_default` in pause.ts). */
function isExportName(frame: CallSite): boolean {
  const name = frame.getFunctionName() ?? '';
  return EXPORT_NAMES.has(name) || (name.endsWith('_default') && TS_FILE.test(fileOf(frame) ?? ''));
}

/**
 * '' for an unnamed function written as a call's argument, which V8 names after what follows it
 * (`pMap.concurrency` for `pMap(files, async (f) => …, { concurrency: 2 })`), or after the
 * variable an awaited `new` is assigned to (`v` for `const v = await new Promise(async (resolve)
 * => …)`): it has no name.
 */
function madeUpName(frame: CallSite, userCode: boolean): string | undefined {
  const inferred = frame.getFunctionName();
  if (!userCode || inferred === null || inferred === '' || frame.getMethodName() !== null) return undefined;
  const fnKey = functionKey(frame);
  if (!isArgumentAt(fnKey)) return undefined;
  return inferred.includes('.') || isUnnamedAt(fnKey) ? '' : undefined;
}

/**
 * A method of the user's its receiver does not hold under its name, called through `super.get()`
 * (V8 gives the receiver's class, which has a `get` of its own) or `method.apply(this, args)` (a
 * decorator's wrapper calling the method it replaced): by the class it is written in, `Repo.get`.
 */
function classMethodName(frame: CallSite, name: string): string {
  const type = className(frame.getTypeName());
  if (!isInstanceType(type) || type === 'Function') return name;
  const written = enclosingClassAt(functionKey(frame));
  return written ? `${written}.${name}` : name;
}

/** A class field's function, defined by a compiler's helper, that its receiver holds under the field's name. */
function isFieldValue(frame: CallSite): boolean {
  return frame.getMethodName() !== null && isClassFieldValueAt(functionKey(frame));
}

/**
 * A method called on a function (a class's static method) after that function, as V8 prints the
 * frame (`Store.open (file:line:column)`): the type name says only `Function`. V8 prints a static
 * private method (`#load`) without it; only code inside its class can call one, so a caller that
 * is a method names the class.
 */
function staticMethodName(frame: CallSite, name: string, caller: CallSite | undefined): string {
  const called = calledAs(frame);
  if (called.endsWith(`.${name}`) && !called.startsWith('Function.')) return called;
  if (!name.startsWith('#') || caller === undefined) return name;
  const callerName = caller.getFunctionName();
  if (callerName === null || callerName === '') return name;
  const callerType = caller.getTypeName();
  const callerCalled = calledAs(caller);
  const owner = callerType === 'Function' ? callerCalled.slice(0, -(callerName.length + 1)) : callerType;
  return owner && /^[\w$]+$/.test(owner) && callerCalled.endsWith(`.${callerName}`) ? `${owner}.${name}` : name;
}

/** A frame's function as V8 prints it, without `async ` and the place (`Store.open`). */
function calledAs(frame: CallSite): string {
  const text = String(frame);
  return text.slice(text.startsWith('async ') ? 6 : 0, text.indexOf(' ('));
}

/** "file:line:column", mapped back to the source when the file was transpiled (TypeScript). */
export function position(frame: CallSite): string {
  const made = evalPlace(frame);
  if (made !== undefined) return `${made.file}:${made.line}:${made.column}`; // the eval's own lines are no lines of the file
  const file = frame.getFileName() ?? '';
  const entry = sourceMapEntry(frame);
  const original = entry && typeof entry.originalLine === 'number' ? originalFile(file, entry) : undefined;
  if (original !== undefined) return `${original}:${entry!.originalLine! + 1}:${(entry!.originalColumn ?? 0) + 1}`;
  return `${file}:${frame.getLineNumber() ?? 0}:${frame.getColumnNumber() ?? 0}`; // else the transpiled position
}
