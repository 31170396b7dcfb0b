// Module loader hooks (run on Node's loader thread) that let ES-module TypeScript files load.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setRunnerDir, transpile, TS_FILE, typeScriptFiles } from './typescript';

export function initialize(data: { runnerDir?: string } | undefined): void {
  if (typeof data?.runnerDir === 'string') setRunnerDir(data.runnerDir);
}

interface LoadContext {
  format?: string;
}
interface ResolveContext {
  parentURL?: string;
}
type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if ((code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_UNSUPPORTED_DIR_IMPORT') || !relative || !TS_FILE.test(context.parentURL ?? '')) throw err;
    for (const candidate of typeScriptFiles(specifier)) {
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
  if (!url.startsWith('file:') || !TS_FILE.test(url)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const format = url.endsWith('.cts') ? 'commonjs' : 'module';
  if (format === 'commonjs') return nextLoad(url, { ...context, format });
  const source = transpile(fs.readFileSync(filename, 'utf8'), filename, 'esm');
  return { format, source, shortCircuit: true };
}
