// Module loader hooks (run on Node's loader thread, where Node has no module.registerHooks()) that
// let ES-module TypeScript files load.
import { MessagePort } from 'node:worker_threads';
import { setRunnerDir } from './transpilers';
import { compileModule, importCandidates, typeScriptFormat } from './typeScriptImports';
import { warmUpTranspiler, type CompiledModule, type LoaderData } from './typescript';

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

/** An import Node cannot find from a TypeScript module: a .ts file it compiles from, or an alias of the project's (see importCandidates). */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    for (const candidate of importCandidates(specifier, context.parentURL, err)) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next one
      }
    }
    throw err;
  }
}

type NextLoad = (url: string, context: LoadContext) => Promise<{ format: string; source: unknown; shortCircuit?: boolean }>;

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<{ format: string; source: unknown; shortCircuit?: boolean }> {
  const format = typeScriptFormat(url);
  if (format === undefined) return nextLoad(url, context);
  if (format === 'commonjs') return nextLoad(url, { ...context, format });
  const compiled = compileModule(url);
  for (const thread of registeredThreads) thread.postMessage(compiled satisfies CompiledModule);
  return { format, source: compiled.code, shortCircuit: true };
}
