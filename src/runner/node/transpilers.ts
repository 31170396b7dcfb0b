// How one TypeScript file becomes JavaScript: with esbuild where it can be found (from the
// runner's package, the script's folder or the working folder), else with the project's own
// TypeScript compiler (`typescript` before 7, which has a JavaScript API), each with the project's
// tsconfig.json; failing as Node fails on a script that does not parse. With neither, a Node that
// strips types itself runs the TypeScript as it would untraced (see leftToNode).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

type Format = 'cjs' | 'esm';
type Transpile = (source: string, filename: string, format: Format) => string;

interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] };
}

/** What esbuild's build failure carries about each error. */
interface EsbuildError {
  text: string;
  location: { line: number; column: number; lineText: string } | null;
}

/** The parts of the TypeScript compiler's API used here. */
interface TypeScriptLike {
  transpileModule(input: string, options: { fileName: string; reportDiagnostics: boolean; compilerOptions: Record<string, unknown> }): { outputText: string; diagnostics?: TypeScriptDiagnostic[] };
  readConfigFile(file: string, read: (file: string) => string | undefined): { config?: unknown };
  parseJsonConfigFileContent(json: unknown, host: object, basePath: string): { options: Record<string, unknown> };
  flattenDiagnosticMessageText(text: unknown, newLine: string): string;
  sys: object & { readFile(file: string): string | undefined };
  ModuleKind: { CommonJS: number; ESNext: number };
  ScriptTarget: { ES2022: number };
  DiagnosticCategory: { Error: number };
}

interface TypeScriptDiagnostic {
  category: number;
  start?: number;
  messageText: unknown;
  file?: { text: string; getLineAndCharacterOfPosition(position: number): { line: number; character: number } };
}

let runnerDir: string | undefined;

/** Tells the loader thread where the runner lives, so esbuild resolves from there first. */
export function setRunnerDir(dir: string): void {
  runnerDir = dir;
}

/** The transpiler found (null: none), and the version of a `typescript` found without a JavaScript API. */
let transpiler: Transpile | null | undefined;
let typeScriptWithoutApi: string | undefined;

function transpilerNear(filename: string): Transpile | undefined {
  transpiler ??= loadTranspiler(filename) ?? null;
  return transpiler ?? undefined;
}

/** One file compiled with the project's compiler options (see esbuildTranspiler and typeScriptTranspiler). */
export function transpile(source: string, filename: string, format: Format): string {
  const compile = transpilerNear(filename);
  if (compile === undefined) throw new NoTranspiler(filename, typeScriptWithoutApi);
  return compile(source, filename, format);
}

/**
 * Whether the program's TypeScript is left to Node, which strips types itself (Node 22.18+ and
 * 23.6+, unless turned off), as it runs the script untraced: the runner finds nothing to compile
 * it with near `filename`.
 */
export function leftToNode(filename: string): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript) && transpilerNear(filename) === undefined;
}

/** Neither esbuild nor the TypeScript compiler can be found: said as Node says a script fails, without the runner's stack. */
export class NoTranspiler extends Error {
  constructor(filename: string, typeScriptVersion: string | undefined) {
    const found = typeScriptVersion === undefined ? '' : `, and the typescript found, ${typeScriptVersion}, has no JavaScript API to compile with (TypeScript 7 and later)`;
    super(`Tasklane needs esbuild or typescript to run TypeScript (${filename})${found}; install ${found ? 'esbuild' : 'one'} with "npm install --save-dev esbuild".`);
    this.name = 'Error';
    this.stack = `Error: ${this.message}`;
  }
}

function loadTranspiler(filename: string): Transpile | undefined {
  const esbuild = requireNear<EsbuildLike>('esbuild', filename);
  if (esbuild !== undefined) return esbuildTranspiler(esbuild);
  const typescript = requireNear<Partial<TypeScriptLike> & { version?: unknown }>('typescript', filename);
  if (typeof typescript?.transpileModule === 'function') return typeScriptTranspiler(typescript as TypeScriptLike);
  // TypeScript 7's package is a native compiler: what it exports is its version.
  if (typescript !== undefined) typeScriptWithoutApi = String(typescript.version ?? 'of unknown version');
  return undefined;
}

function requireNear<T>(name: string, filename: string): T | undefined {
  const here = runnerDir ?? (typeof __dirname === 'string' ? __dirname : process.cwd());
  for (const from of [here, path.dirname(filename), process.cwd()]) {
    try {
      return Module.createRequire(path.join(from, 'noop.js'))(name) as T;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/**
 * A build of the one file, not a transform: esbuild reads a tsconfig file, and follows its
 * `extends`, only in a build. Its compiler options change the code (`experimentalDecorators`
 * makes legacy decorators, which compile otherwise as the standard ones and fail).
 */
function esbuildTranspiler(esbuild: EsbuildLike): Transpile {
  return (source, filename, format) => {
    const dir = path.dirname(filename);
    try {
      return esbuild.buildSync({
        stdin: { contents: source, loader: 'ts', sourcefile: filename, resolveDir: dir }, tsconfig: nearestTsconfig(dir),
        // The source map names the file relative to the working directory, and Node reads that
        // relative to the file: from the file's own folder, its stacks name the file where it is.
        absWorkingDir: dir, define: format === 'cjs' ? importMetaOf(filename) : undefined,
        write: false, bundle: false, format, sourcemap: 'inline', target: `node${process.versions.node}`, logLevel: 'silent',
      }).outputFiles[0].text;
    } catch (err) {
      const first = (err as { errors?: EsbuildError[] }).errors?.[0];
      if (first === undefined) throw err;
      const where = first.location;
      throw syntaxError(first.text, filename, where && { line: where.line, column: where.column, text: where.lineText });
    }
  };
}

/**
 * What `import.meta` tells a module of itself, for a TypeScript file written as an ES module and run
 * as CommonJS (`new Worker(new URL('./worker.ts', import.meta.url))`): esbuild leaves it empty there.
 */
function importMetaOf(filename: string): Record<string, string> {
  return {
    'import.meta.url': JSON.stringify(pathToFileURL(filename).href),
    'import.meta.filename': JSON.stringify(filename),
    'import.meta.dirname': JSON.stringify(path.dirname(filename)),
  };
}

/**
 * The TypeScript compiler's transpileModule, with the compiler options of the project's
 * tsconfig.json (and what it extends), but for what Node needs: its module format, a target it
 * runs as written (an ES5 target would turn async functions into generators), an inline source map.
 */
function typeScriptTranspiler(ts: TypeScriptLike): Transpile {
  const projects = new Map<string, Record<string, unknown>>();
  const optionsOf = (tsconfig: string | undefined): Record<string, unknown> => {
    if (tsconfig === undefined) return {};
    let options = projects.get(tsconfig);
    if (options === undefined) {
      // The project's files are not listed: a folder of thousands would be walked for nothing.
      const host = { ...ts.sys, readDirectory: () => [] };
      options = ts.parseJsonConfigFileContent(ts.readConfigFile(tsconfig, (file) => ts.sys.readFile(file)).config ?? {}, host, path.dirname(tsconfig)).options;
      projects.set(tsconfig, options);
    }
    return options;
  };
  return (source, filename, format) => {
    const compilerOptions = {
      ...optionsOf(nearestTsconfig(path.dirname(filename))),
      module: format === 'cjs' ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext, moduleResolution: undefined, verbatimModuleSyntax: false,
      target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: false, sourceMap: false, declaration: false, noEmit: false,
    };
    const { outputText, diagnostics = [] } = ts.transpileModule(source, { fileName: filename, reportDiagnostics: true, compilerOptions });
    // Only the file's own errors: the project's options may not suit the one file (`paths` without `baseUrl`).
    const failure = diagnostics.find((d) => d.category === ts.DiagnosticCategory.Error && d.file !== undefined && d.start !== undefined);
    if (failure?.file !== undefined && failure.start !== undefined) {
      const { line, character } = failure.file.getLineAndCharacterOfPosition(failure.start);
      throw syntaxError(ts.flattenDiagnosticMessageText(failure.messageText, '\n'), filename, { line: line + 1, column: character, text: failure.file.text.split(/\r?\n/)[line] ?? '' });
    }
    return outputText;
  };
}

const tsconfigs = new Map<string, string | undefined>();

/** The tsconfig.json in `dir` or the nearest folder above it, as tsc finds a project's. */
export function nearestTsconfig(dir: string): string | undefined {
  if (tsconfigs.has(dir)) return tsconfigs.get(dir);
  const here = path.join(dir, 'tsconfig.json');
  const parent = path.dirname(dir);
  const found = fs.existsSync(here) ? here : parent === dir ? undefined : nearestTsconfig(parent);
  tsconfigs.set(dir, found);
  return found;
}

/**
 * A compiler's failure as Node reports a script that does not parse: where, the line with a caret
 * under the spot (`column` from 0), and `SyntaxError: …`, instead of the compiler's own stack.
 */
function syntaxError(message: string, filename: string, where: { line: number; column: number; text: string } | null): SyntaxError {
  const error = new SyntaxError(message);
  if (where) error.stack = `${filename}:${where.line}\n${where.text}\n${' '.repeat(where.column)}^\n\n${error.name}: ${message}\n    at ${filename}:${where.line}:${where.column + 1}`;
  return error;
}
