// Module loader hooks (run on Node's loader thread) that let ES-module TypeScript files load.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setRunnerDir, transpile } from './typescript';

export function initialize(data: { runnerDir?: string } | undefined): void {
  if (typeof data?.runnerDir === 'string') setRunnerDir(data.runnerDir);
}

interface LoadContext {
  format?: string;
}
type NextLoad = (url: string, context: LoadContext) => Promise<{ format: string; source: unknown; shortCircuit?: boolean }>;

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<{ format: string; source: unknown; shortCircuit?: boolean }> {
  if (!url.startsWith('file:') || !/\.(ts|mts|cts)$/.test(url)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const format = url.endsWith('.cts') ? 'commonjs' : 'module';
  if (format === 'commonjs') return nextLoad(url, { ...context, format });
  const source = transpile(fs.readFileSync(filename, 'utf8'), filename, 'esm');
  return { format, source, shortCircuit: true };
}
