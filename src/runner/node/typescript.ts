// Runs TypeScript scripts: CommonJS files through a require hook, ES modules through module hooks
// in the program's thread (before Node 22.15, on Node's loader thread). Both transpile as
// transpilers.ts does (esbuild, else the project's TypeScript; with neither, Node's own type
// stripping runs them, untouched by the runner).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { withoutWarnings } from './nodeInternals';
import { leftToNode, NoTranspiler, transpile } from './transpilers';
import { compileModule, compiledCandidates, importCandidates, TS_FILE, typeScriptFormat } from './typeScriptImports';

/** The TypeScript files the runner compiled, as it compiled them: V8's positions in them are in that code. */
const compiledCode = new Map<string, string>();
/** Where the loader thread sends the ES modules it compiles (a CompiledModule each), read when asked. */
let compiledModules: MessagePort | undefined;
/** Whether this thread's TypeScript goes through the runner's hooks (rather than Node's own type stripping). */
let hooked = false;

/** An ES-module TypeScript file the loader thread compiled. */
export interface CompiledModule {
  filename: string;
  code: string;
}

/**
 * A TypeScript file's code as V8 runs it, `written` the file as written: as the runner compiled it,
 * or as Node stripped its types; undefined where neither is known.
 */
export function typeScriptAsRun(filename: string, written: () => string): string | undefined {
  for (let received; compiledModules && (received = receiveMessageOnPort(compiledModules)); ) {
    const { filename: compiled, code } = received.message as CompiledModule;
    compiledCode.set(compiled, code);
  }
  const compiled = compiledCode.get(filename);
  return compiled !== undefined || hooked ? compiled : strippedByNode(written());
}

/**
 * The code Node runs for TypeScript it strips itself: the same code as written with its types
 * blanked out (or, with --experimental-transform-types, transformed), by the same function Node
 * uses, already loaded as Node ran the file.
 */
function strippedByNode(code: string): string | undefined {
  const mode = (process.features as { typescript?: unknown }).typescript;
  const strip = (Module as { stripTypeScriptTypes?: (code: string, options: { mode: unknown; sourceMap: boolean }) => string }).stripTypeScriptTypes;
  if ((mode !== 'strip' && mode !== 'transform') || typeof strip !== 'function') return undefined;
  try {
    // ("stripTypeScriptTypes is an experimental feature": the program's stderr must not change.)
    // (Node transforms with a source map, which keeps the file's comments in the code.)
    return withoutWarnings(() => strip(code, { mode, sourceMap: mode === 'transform' }));
  } catch {
    return undefined; // a file Node could not strip did not run
  }
}

/** The internal task the loop lane shows while TypeScript is transpiled in the program's thread. */
const TRANSPILE_TASK = 'transpile TypeScript (Tasklane)';

/**
 * Lets TypeScript files load: in the main thread of a TypeScript script, and in each worker thread
 * it starts (whose files may be TypeScript too), `file` the thread's own. `ownWork` runs the
 * transpiler as the runner's own work: untraced, and not the script's time. `fail` is the main
 * thread's: it ends the program when the script itself does not parse, as Node would (a worker's
 * file that does not parse throws, and its Worker emits the error, as for JavaScript).
 */
export function registerTypeScript(ownWork: <T>(name: string, fn: () => T) => T, file: string, fail?: (error: Error) => never): void {
  ownWork(TRANSPILE_TASK, () => {
    if (!leftToNode(file)) hookTypeScript(ownWork, file, fail);
  });
}

function hookTypeScript(ownWork: <T>(name: string, fn: () => T) => T, file: string, fail?: (error: Error) => never): void {
  hooked = true;
  process.setSourceMapsEnabled(true);
  const extensions = (Module as unknown as { _extensions: Record<string, (m: { _compile(code: string, file: string): void }, file: string) => void> })._extensions;
  for (const ext of ['.ts', '.cts']) {
    extensions[ext] = (module, filename) => {
      const source = fs.readFileSync(filename, 'utf8');
      let code: string;
      try {
        code = ownWork(TRANSPILE_TASK, () => transpile(source, filename, 'cjs'));
      } catch (err) {
        // Thrown, Node would print the runner's line that threw it above the user's; a module the
        // script requires may be caught by it, so only the script's own is reported here.
        if ((err instanceof SyntaxError || err instanceof NoTranspiler) && fail && filename === path.resolve(file)) fail(err);
        throw err;
      }
      compiledCode.set(filename, code);
      module._compile(code, filename);
    };
  }
  resolveCompiledNames();
  const registerHooks = (Module as { registerHooks?: (hooks: ModuleHooks) => unknown }).registerHooks;
  if (typeof registerHooks === 'function') registerHooks(inThreadHooks(ownWork));
  else registerLoaderThread(file, fail);
}

type ResolveHook = (specifier: string, context: { parentURL?: string; conditions?: readonly string[] }) => { url: string };
type LoadHook = (url: string, context: { format?: string | null; conditions?: readonly string[] }) => { format?: string | null; source?: unknown };

/** module.registerHooks()'s hooks: synchronous, in the thread that registers them, for import() and require() alike. */
interface ModuleHooks {
  resolve(specifier: string, context: Parameters<ResolveHook>[1], nextResolve: ResolveHook): ReturnType<ResolveHook>;
  load(url: string, context: Parameters<LoadHook>[1], nextLoad: LoadHook): ReturnType<LoadHook> & { shortCircuit?: boolean };
}

/**
 * ES-module TypeScript compiled in the program's own thread (Node 22.15 and later, where
 * module.register() and its loader thread are on their way out), as the loader thread would. These
 * hooks see require() too, which they leave to the require hooks above (Module._extensions,
 * resolveCompiledNames).
 */
function inThreadHooks(ownWork: <T>(name: string, fn: () => T) => T): ModuleHooks {
  const required = (context: { conditions?: readonly string[] }): boolean => context.conditions?.includes('require') === true;
  return {
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if (required(context)) throw err;
        for (const candidate of importCandidates(specifier, context.parentURL, err)) {
          try {
            return nextResolve(candidate, context);
          } catch {
            // try the next one
          }
        }
        throw err;
      }
    },
    load(url, context, nextLoad) {
      const format = required(context) ? undefined : typeScriptFormat(url);
      if (format === undefined) return nextLoad(url, context);
      if (format === 'commonjs') return nextLoad(url, { ...context, format });
      const { filename, code } = ownWork(TRANSPILE_TASK, () => compileModule(url));
      compiledCode.set(filename, code);
      return { format, source: code, shortCircuit: true };
    },
  };
}

/** ES-module TypeScript compiled by module.register() hooks on Node's loader thread (esm-loader.ts), which sends back each module it compiles. */
function registerLoaderThread(file: string, fail?: (error: Error) => never): void {
  const loader = path.join(__dirname, 'esm-loader.mjs');
  // The transpiler's first build starts it (esbuild's service, some 80 ms; the TypeScript compiler
  // loads, some 500): started as the hooks register, before the trace's run, it does not show as
  // the script holding its loop while the first module loads. A worker's file loads through them too.
  const warmUp = fail === undefined || loadsAsModule(file);
  if (!fs.existsSync(loader)) return;
  const channel = new MessageChannel();
  channel.port1.unref(); // read only when asked, never waited on
  compiledModules = channel.port1;
  const data: LoaderData = { runnerDir: __dirname, warmUp, compiledModules: channel.port2 };
  Module.register(pathToFileURL(loader).href, { data, transferList: [channel.port2] });
}

/** What the loader hooks are told as they start. */
export interface LoaderData {
  runnerDir: string;
  /** Start the transpiler at once: a module will load through the hooks soon. */
  warmUp: boolean;
  /** Where to send each module compiled (a CompiledModule), which the thread's stack reading asks about (functionSource). */
  compiledModules: MessagePort;
}

/** Whether Node loads a TypeScript script as an ES module: an .mts file, or a .ts file of a `"type": "module"` package. */
function loadsAsModule(file: string): boolean {
  if (file.endsWith('.mts')) return true;
  if (!file.endsWith('.ts')) return false;
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false; // Node fails on it itself
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/** Starts the transpiler with a build of one line; one that fails leaves the failure to the first module's build. */
export function warmUpTranspiler(): void {
  try {
    transpile('export const ready: boolean = true;\n', path.join(process.cwd(), 'warm-up.ts'), 'esm');
  } catch {
    // reported as the first module loads
  }
}

/**
 * A worker thread of a TypeScript program: lets its file load if it is TypeScript, once Node starts
 * to run it (which file is known no sooner). A JavaScript worker's start costs nothing more; a
 * TypeScript one's hooks and esbuild's start are the runner's own work.
 */
export function registerTypeScriptForWorker(ownWork: <T>(name: string, fn: () => T) => T): void {
  const internals = Module as unknown as { runMain: (this: unknown, main?: string, ...rest: unknown[]) => unknown };
  const runMain = internals.runMain;
  internals.runMain = function (main, ...rest) {
    internals.runMain = runMain;
    if (typeof main === 'string' && TS_FILE.test(main)) registerTypeScript(ownWork, main);
    return runMain.call(this, main, ...rest);
  };
}

type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;

/**
 * `require('./lib.js')` in a TypeScript file means the lib.ts it compiles to, as with tsc; and a bare
 * name Node cannot find may be an alias of the project's tsconfig.json (`@/lib/db`, see tsconfigPaths).
 */
function resolveCompiledNames(): void {
  const internals = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request, parent, ...rest) {
    try {
      return resolveFilename.call(this, request, parent, ...rest);
    } catch (err) {
      const from = parent?.filename;
      if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND' || typeof from !== 'string' || !TS_FILE.test(from)) throw err;
      for (const candidate of compiledCandidates(request, from)) {
        try {
          return resolveFilename.call(this, candidate, parent, ...rest);
        } catch {
          // try the next one
        }
      }
      throw err;
    }
  };
}
