// One build for every bundle: the extension host, the CLI, the runner injected into user
// programs, and (later) the webview. `node esbuild.config.mjs [--watch] [--production]`.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: production ? false : 'linked', minify: production, logLevel: 'warning', legalComments: 'none' };
const node = { ...common, platform: 'node', target: 'node18', format: 'cjs' };

const builds = [
  { ...node, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...common, platform: 'browser', target: 'chrome114', format: 'iife', entryPoints: { webview: 'media/webview/main.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { webview: 'media/webview/style.css' }, outdir: 'dist' },
  // The runner runs inside user programs: self-contained, no source maps to confuse their stacks.
  { ...node, sourcemap: false, entryPoints: { bootstrap: 'src/runner/node/bootstrap.ts' }, outdir: 'dist/runner' },
  { ...node, sourcemap: false, format: 'esm', entryPoints: { 'esm-loader': 'src/runner/node/esm-loader.ts' }, outdir: 'dist/runner', outExtension: { '.js': '.mjs' } },
];

// Tests are bundled one file each into out/, so mocha runs plain JavaScript.
function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(dir, f));
}
if (process.argv.includes('--tests')) {
  builds.push({ ...node, sourcemap: 'inline', entryPoints: [...testFiles('test/unit'), ...testFiles('test/runner'), ...testFiles('test/webview')], outdir: 'out', outbase: '.', external: ['mocha', 'vscode', 'playwright-core', 'esbuild', 'typescript'] });
  builds.push({ ...node, sourcemap: 'inline', entryPoints: ['test/vscode/suite/index.ts'], outdir: 'out', outbase: '.', external: ['mocha', 'vscode'] });
}

if (process.argv.includes('--bench')) {
  builds.push({ ...node, entryPoints: ['bench/engine.ts', 'bench/webview.ts', 'bench/flood.ts', 'bench/instructions.ts', 'bench/floor-recorder.ts'], outdir: 'out', outbase: '.', external: ['playwright-core', 'mocha'] });
}

// The Python runner ships as source: it runs in the user's own interpreter. (Python's bytecode
// caches stay out: the runner writes none of its own, and a stale copy is removed with the rest.)
fs.rmSync('dist/runner/python', { recursive: true, force: true });
fs.cpSync('src/runner/python', 'dist/runner/python', { recursive: true, filter: (from) => !from.includes('__pycache__') });

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
