// `npm run bench` (last part): the .vsix's size, and how long the packaged extension takes to
// activate (from the activate call to its commands registered) in code-server. Prints; asserts nothing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureInstalled, installExtension, launchBrowser, ROOT, startCodeServer } from '../test/harness/codeServer.mjs';
import { runCommand } from '../test/e2e/workbench.mjs';

const WINDOWS = 3;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const vsix = path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);

const packaged = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8' });
if (packaged.status !== 0) throw new Error(packaged.stdout + packaged.stderr);

/** Every "Activated in N ms" line the extension logged under code-server's data folder. */
function activationTimes(dir) {
  const times = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.log')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8');
    for (const m of text.matchAll(/Activated in ([\d.]+) ms/g)) times.push(Number(m[1]));
  }
  return times;
}

ensureInstalled();
const extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-bench-ext-'));
installExtension(vsix, extensionsDir);
const server = await startCodeServer({ folder: path.join(ROOT, 'examples'), extensionsDir });
const browser = await launchBrowser();
let times = [];
try {
  for (let i = 0; i < WINDOWS; i++) {
    const page = await browser.newPage();
    await page.goto(`${server.url}?folder=${encodeURIComponent(path.join(ROOT, 'examples'))}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await runCommand(page, 'Tasklane: Export Trace'); // activates the extension (and says there is nothing to export)
    const deadline = Date.now() + 30_000;
    while (activationTimes(server.dataDir).length <= i && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await page.close();
  }
  times = activationTimes(server.dataDir).sort((a, b) => a - b);
} finally {
  await browser.close();
  await server.stop().catch(() => undefined);
  fs.rmSync(extensionsDir, { recursive: true, force: true });
}
const size = fs.statSync(vsix).size;
const warnings = (packaged.stdout + packaged.stderr).split('\n').filter((l) => /warning/i.test(l));
console.log('Tasklane package benchmark\n');
console.log(`${path.basename(vsix)}: ${(size / 1024).toFixed(1)} KB   goal < 300 KB`);
console.log(`vsce package warnings: ${warnings.length ? warnings.join(' | ') : 'none'}`);
console.log(`activation (activate → commands registered), ${times.length} fresh windows in code-server: median ${times[Math.floor(times.length / 2)]?.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms   goal < 50 ms`);
