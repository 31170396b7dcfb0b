// A TypeScript project's import aliases, as tsc and tsx resolve them: `paths` in its tsconfig.json
// (`"@/*": ["src/*"]`) and `baseUrl`, through what it `extends`. A bare import from a TypeScript file
// that Node cannot find is looked up here (`@/lib/db` is src/lib/db.ts).
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

interface Aliases {
  /** Patterns with at most one `*`, and what each stands for (`*` in them replaced by its match). */
  paths: Record<string, string[]>;
  /** The folder `paths` targets are relative to: `baseUrl`, else the folder of the file that set `paths`. */
  pathsBase: string;
  /** `baseUrl`, resolved: a bare import may name a file under it. */
  baseUrl: string | undefined;
}

/** Where a bare import from a file under `tsconfig`'s project may be (absolute paths, extensions not added). */
export function aliasedPaths(specifier: string, tsconfig: string): string[] {
  const aliases = aliasesOf(tsconfig);
  if (aliases === undefined) return [];
  const out: string[] = [];
  const match = bestMatch(specifier, Object.keys(aliases.paths));
  if (match !== undefined) {
    for (const target of aliases.paths[match.pattern]) out.push(path.resolve(aliases.pathsBase, target.replace('*', match.star)));
  }
  if (aliases.baseUrl !== undefined) out.push(path.resolve(aliases.baseUrl, specifier));
  return out;
}

/** The pattern that matches `specifier` with the longest part before its `*` (an exact one first), as tsc picks it. */
function bestMatch(specifier: string, patterns: string[]): { pattern: string; star: string } | undefined {
  if (patterns.includes(specifier)) return { pattern: specifier, star: '' };
  let best: { pattern: string; star: string } | undefined;
  for (const pattern of patterns) {
    const star = pattern.indexOf('*');
    if (star < 0 || pattern.indexOf('*', star + 1) >= 0) continue;
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (specifier.length < prefix.length + suffix.length || !specifier.startsWith(prefix) || !specifier.endsWith(suffix)) continue;
    if (best === undefined || prefix.length > best.pattern.indexOf('*')) best = { pattern, star: specifier.slice(prefix.length, specifier.length - suffix.length) };
  }
  return best;
}

const cache = new Map<string, Aliases | undefined>();

function aliasesOf(tsconfig: string): Aliases | undefined {
  if (!cache.has(tsconfig)) cache.set(tsconfig, readAliases(tsconfig, new Set()));
  return cache.get(tsconfig);
}

/** `paths` and `baseUrl` as `tsconfig` sets them or inherits them; undefined when it sets neither, or cannot be read. */
function readAliases(tsconfig: string, seen: Set<string>): Aliases | undefined {
  if (seen.has(tsconfig)) return undefined; // a loop of extends
  seen.add(tsconfig);
  const config = readConfig(tsconfig);
  if (config === undefined) return undefined;
  const dir = path.dirname(tsconfig);
  let inherited: Aliases | undefined;
  for (const base of typeof config.extends === 'string' ? [config.extends] : Array.isArray(config.extends) ? config.extends : []) {
    const file = typeof base === 'string' ? baseConfigFile(base, dir) : undefined;
    inherited = (file && readAliases(file, seen)) || inherited;
  }
  const options = typeof config.compilerOptions === 'object' && config.compilerOptions !== null ? config.compilerOptions : {};
  const baseUrl = typeof options.baseUrl === 'string' ? path.resolve(dir, options.baseUrl) : inherited?.baseUrl;
  const ownPaths = isPaths(options.paths) ? options.paths : undefined;
  if (ownPaths === undefined && inherited === undefined && baseUrl === undefined) return undefined;
  return {
    paths: ownPaths ?? inherited?.paths ?? {},
    pathsBase: baseUrl ?? (ownPaths !== undefined ? dir : inherited?.pathsBase ?? dir),
    baseUrl,
  };
}

interface TsconfigFields {
  extends?: unknown;
  compilerOptions?: { paths?: unknown; baseUrl?: unknown };
}

/** A tsconfig file's fields; undefined for one that cannot be read (esbuild reports it as the file compiles). */
function readConfig(file: string): TsconfigFields | undefined {
  try {
    const config: unknown = JSON.parse(withoutComments(fs.readFileSync(file, 'utf8')));
    return typeof config === 'object' && config !== null ? config : undefined;
  } catch {
    return undefined;
  }
}

function isPaths(value: unknown): value is Record<string, string[]> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => Array.isArray(v) && v.every((t) => typeof t === 'string'));
}

/** The file an `extends` names: a path from the config's folder, or a package's (its tsconfig.json if it names no file). */
function baseConfigFile(base: string, dir: string): string | undefined {
  if (base.startsWith('.') || path.isAbsolute(base)) {
    const file = path.resolve(dir, base);
    return fs.existsSync(file) ? file : fs.existsSync(`${file}.json`) ? `${file}.json` : undefined;
  }
  const require = Module.createRequire(path.join(dir, 'tsconfig.json'));
  for (const request of [base, `${base}/tsconfig.json`]) {
    try {
      return require.resolve(request);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** A JSON string, matched first so that what looks like a comment or a comma inside one is left alone. */
const JSON_STRING = String.raw`("(?:[^"\\]|\\.)*")`;
const COMMENT = new RegExp(`${JSON_STRING}|//[^\n]*|/\\*[\\s\\S]*?\\*/`, 'g');
const TRAILING_COMMA = new RegExp(`${JSON_STRING}|,(\\s*[}\\]])`, 'g');

/** tsconfig.json's JSON with comments and trailing commas, as plain JSON. */
function withoutComments(text: string): string {
  return text.replace(COMMENT, (_, string?: string) => string ?? ' ').replace(TRAILING_COMMA, (_, string?: string, close?: string) => string ?? close ?? '');
}
