// `npm test [tier…]`: type-checks, builds, then runs each test tier and prints its counts.
// Tiers: unit, runner, vscode, webview, e2e (all by default). A tier that cannot reach its
// VS Code or browser fails; none is skipped.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ALL = ['unit', 'runner', 'vscode', 'webview', 'e2e'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const tier of chosen) if (!ALL.includes(tier)) throw new Error(`unknown test tier ${tier}; tiers: ${ALL.join(', ')}`);

function step(title, command, args) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  const took = `${Math.round((Date.now() - started) / 1000)} s`;
  if (result.status !== 0) {
    console.error(`\n✘ ${title} failed (${took})`);
    process.exit(result.status ?? 1);
  }
  console.log(`■ ${title}: ${took}`);
}

const npx = (bin, ...args) => [process.execPath, [path.join(ROOT, 'node_modules', '.bin', bin), ...args]];
/** Other Node.js binaries the Node runner's suites run under as well: TASKLANE_NODES, paths, comma-separated (.ci/run fetches Node 24 and 26). */
const otherNodes = (process.env.TASKLANE_NODES ?? '').split(',').filter(Boolean);

function nodeVersion(node) {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`TASKLANE_NODES names ${node}, which does not start`);
  return result.stdout.trim();
}

function runnerTier() {
  step('runner tier', ...npx('mocha', '--config', 'test/runner/.mocharc.json'));
  // The suites run the CLI, the runner and each script under the Node running mocha.
  const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  for (const node of otherNodes) {
    step(`runner tier, the Node runner under Node ${nodeVersion(node)}`, node, [mocha, '--config', 'test/runner/.mocharc.json', '--ignore', 'out/test/runner/python/**']);
  }
}
step('type-check', ...npx('tsc', '--noEmit', '-p', '.'));
step('build', process.execPath, ['esbuild.config.mjs', '--tests']);
const tiers = {
  unit: () => step('unit tier', ...npx('mocha', '--config', 'test/unit/.mocharc.json')),
  runner: runnerTier,
  vscode: () => step('vscode tier', process.execPath, ['test/vscode/run.mjs']),
  webview: () => step('webview tier', ...npx('mocha', '--config', 'test/webview/.mocharc.json')),
  e2e: () => step('e2e tier', ...npx('mocha', '--config', 'test/e2e/.mocharc.json')),
};
for (const tier of chosen) tiers[tier]();
console.log(`\n✔ all tiers passed: ${chosen.join(', ')}`);
