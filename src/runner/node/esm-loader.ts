// Module loader hooks (run on Node's loader thread) that let ES-module TypeScript files load.
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessagePort } from 'node:worker_threads';
import { setRunnerDir, transpile } from './transpilers';
import { compiledCandidates, TS_FILE, typeScriptFiles, warmUpTranspiler, type CompiledModule, type LoaderData } from './typescript';

/**
 * The threads that registered these hooks, each told of every module compiled: a thread's loads
 * are not told apart here, and a module's code is the same whichever thread loads it.
 */
const registeredThreads = new Set<MessagePort>();

export function initialize(data: Partial<LoaderData> | undefined): void {
  if (typeof data?.runnerDir === 'string') setRunnerDir(data.runnerDir);
  const thread = data?.compiledModules;
  if (thread instanceof MessagePort) {
    thread.unref();
    thread.once('close', () => registeredThreads.delete(thread));
    registeredThreads.add(thread);
  }
  if (data?.warmUp === true) warmUpTranspiler();
}

interface LoadContext {
  format?: string;
}
interface ResolveContext {
  parentURL?: string;
}
type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;

/** Node's errors for an import it cannot find (an alias may look like a package's name, or `#` import). */
const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT', 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_PACKAGE_IMPORT_NOT_DEFINED', 'ERR_INVALID_MODULE_SPECIFIER']);

/** An import Node cannot find from a TypeScript module: a .ts file it compiles from, or an alias of the project's (see compiledCandidates). */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const parent = context.parentURL ?? '';
    if (!NOT_FOUND.has(code ?? '') || !parent.startsWith('file:') || !TS_FILE.test(parent)) throw err;
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    const candidates = relative ? typeScriptFiles(specifier) : aliasedUrls(specifier, fileURLToPath(parent));
    for (const candidate of candidates) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next one
      }
    }
    throw err;
  }
}
/** Where the project's aliases put a bare import, as URLs: an alias names a file as an import would, without the extension an ES module's import needs. */
function aliasedUrls(specifier: string, from: string): string[] {
  const files = new Set(compiledCandidates(specifier, from).flatMap((file) => [file, ...typeScriptFiles(file)]));
  return [...files].map((file) => pathToFileURL(file).href);
}

type NextLoad = (url: string, context: LoadContext) => Promise<{ format: string; source: unknown; shortCircuit?: boolean }>;

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<{ format: string; source: unknown; shortCircuit?: boolean }> {
  if (!url.startsWith('file:') || !TS_FILE.test(url)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const format = url.endsWith('.cts') ? 'commonjs' : 'module';
  if (format === 'commonjs') return nextLoad(url, { ...context, format });
  const source = transpile(fs.readFileSync(filename, 'utf8'), filename, 'esm');
  for (const thread of registeredThreads) thread.postMessage({ filename, code: source } satisfies CompiledModule);
  return { format, source, shortCircuit: true };
}
