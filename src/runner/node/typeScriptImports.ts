// What an import or require() of TypeScript means, for the runner's require hooks and its module
// hooks, whichever way those run: on Node's loader thread (module.register(), esm-loader.ts) or in
// the program's thread (module.registerHooks()).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nearestTsconfig, transpile } from './transpilers';
import { aliasedPaths } from './tsconfigPaths';

export const TS_FILE = /\.(ts|mts|cts)$/;

/** Node's errors for an import it cannot find (an alias may look like a package's name, or `#` import). */
const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT', 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_PACKAGE_IMPORT_NOT_DEFINED', 'ERR_INVALID_MODULE_SPECIFIER']);

/**
 * What else to try for an import that failed with `err` from the module `parentURL`: from a
 * TypeScript module, the .ts file a `.js` name compiles from, or where the project's aliases put
 * a bare name; nothing (the error stands) from any other module, or for another error.
 */
export function importCandidates(specifier: string, parentURL: string | undefined, err: unknown): string[] {
  const code = (err as { code?: string } | undefined)?.code;
  const parent = parentURL ?? '';
  if (!NOT_FOUND.has(code ?? '') || !parent.startsWith('file:') || !TS_FILE.test(parent)) return [];
  if (specifier.startsWith('./') || specifier.startsWith('../')) return typeScriptFiles(specifier);
  const files = new Set(compiledCandidates(specifier, fileURLToPath(parent)).flatMap((file) => [file, ...typeScriptFiles(file)]));
  return [...files].map((file) => pathToFileURL(file).href);
}

/** How a module URL the hooks load is TypeScript: an ES module they compile, a .cts file Node loads as CommonJS, or none. */
export function typeScriptFormat(url: string): 'module' | 'commonjs' | undefined {
  if (!url.startsWith('file:') || !TS_FILE.test(url)) return undefined;
  return url.endsWith('.cts') ? 'commonjs' : 'module';
}

/** An ES-module TypeScript file compiled, for `typeScriptFormat`'s 'module'. */
export function compileModule(url: string): { filename: string; code: string } {
  const filename = fileURLToPath(url);
  return { filename, code: transpile(fs.readFileSync(filename, 'utf8'), filename, 'esm') };
}

/**
 * The files a TypeScript import may mean, as tsc and tsx read it: `./lib` is lib.ts (or lib.mts,
 * lib.cts, lib/index.ts), and `./lib.js` the lib.ts it compiles to.
 */
export function typeScriptFiles(specifier: string): string[] {
  const js = /\.(m|c)?js$/.exec(specifier);
  if (js) return [`${specifier.slice(0, -js[0].length)}.${js[1] ?? ''}ts`];
  if (/\.[a-z]+$/i.test(specifier)) return [];
  return [`${specifier}.ts`, `${specifier}.mts`, `${specifier}.cts`, `${specifier}/index.ts`];
}

/**
 * What an import Node could not find from the TypeScript file `from` may mean: the .ts file a
 * relative `.js` name compiles from, or where the project's aliases put a bare name (each as
 * written, then as the .ts file a `.js` name compiles from).
 */
export function compiledCandidates(specifier: string, from: string): string[] {
  if (/^\.\.?\//.test(specifier)) return /\.(m|c)?js$/.test(specifier) ? typeScriptFiles(specifier) : [];
  if (path.isAbsolute(specifier) || /^[a-z]+:/i.test(specifier)) return [];
  const tsconfig = nearestTsconfig(path.dirname(from));
  if (tsconfig === undefined) return [];
  return aliasedPaths(specifier, tsconfig).flatMap((file) => [file, ...(/\.(m|c)?js$/.test(file) ? typeScriptFiles(file) : [])]);
}
