// Runs the vscode test tier: the same mocha suite inside a real VS Code extension host, twice —
// on a trusted folder (everything but Restricted Mode) and on an untrusted one (only Restricted Mode).
// TASKLANE_VSCODE=electron uses desktop VS Code through @vscode/test-electron (VSCODE_EXECUTABLE,
// `code` on the PATH, or a download); TASKLANE_VSCODE=code-server uses code-server in Chromium.
// Without the variable: electron when `code` is on the PATH, code-server otherwise.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureInstalled, launchBrowser, ROOT, startCodeServer, testUrl } from '../harness/codeServer.mjs';

const SUITE = path.join(ROOT, 'out/test/vscode/suite/index.js');
const FOLDER = path.join(ROOT, 'test/fixtures');
/** A stand-in for the Python extension, which cannot be installed offline (see its package.json). */
const PYTHON_EXTENSION = path.join(ROOT, 'test/vscode/python-extension');

/** A new extensions folder with the Python extension's stand-in installed, as a user's would be. */
function extensionsWithPython() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-vscode-extensions-'));
  fs.cpSync(PYTHON_EXTENSION, path.join(dir, 'ms-python.python-0.0.1'), { recursive: true });
  return dir;
}

const RUNS = [
  { name: 'trusted folder', trust: true, env: { TASKLANE_TEST_GREP: 'Restricted Mode', TASKLANE_TEST_INVERT: '1' } },
  { name: 'Restricted Mode', trust: false, env: { TASKLANE_TEST_GREP: 'Restricted Mode' } },
];

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

function summarize(log) {
  const m = /vscode tier: (\d+) passing, (\d+) failing/.exec(log);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

async function runInCodeServer(run) {
  const logFile = path.join(os.tmpdir(), `tasklane-vscode-${process.pid}-${run.trust ? 't' : 'r'}.log`);
  fs.rmSync(logFile, { force: true });
  const untrustedCopy = run.trust ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-untrusted-'));
  if (untrustedCopy) fs.cpSync(FOLDER, untrustedCopy, { recursive: true });
  const folder = untrustedCopy ?? FOLDER;
  const extensionsDir = extensionsWithPython();
  const server = await startCodeServer({ trust: run.trust, extensionsDir, env: { ...run.env, TASKLANE_TEST_LOG: logFile } });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    // What the workbench and its webviews report, shown when a test fails (their consoles are the browser's).
    const browserErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') browserErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => browserErrors.push(`uncaught: ${err.message}`));
    const exit = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
    await page.goto(testUrl(server, { folder, extensionPath: ROOT, testsPath: SUITE }));
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('the extension tests did not finish within 5 minutes')), 300_000);
    });
    const code = await Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    process.stdout.write(log);
    if (!summarize(log)) throw new Error(`the extension host ran no tests (exit code ${code}); code-server said:\n${server.log().slice(-4000)}`);
    if (summarize(log).failed > 0) console.log(`\nThe browser's console reported:\n${browserErrors.slice(-40).join('\n') || 'nothing'}`);
    return { code, ...summarize(log) };
  } finally {
    await browser.close();
    await server.stop();
    if (untrustedCopy) fs.rmSync(untrustedCopy, { recursive: true, force: true });
    fs.rmSync(extensionsDir, { recursive: true, force: true });
    fs.rmSync(logFile, { force: true });
  }
}

async function runInElectron(run) {
  const { downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  const executable = process.env.VSCODE_EXECUTABLE ?? onPath('code') ?? (await downloadAndUnzipVSCode());
  const logFile = path.join(os.tmpdir(), `tasklane-vscode-${process.pid}-${run.trust ? 't' : 'r'}.log`);
  fs.rmSync(logFile, { force: true });
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-vscode-user-'));
  const extensionsDir = extensionsWithPython();
  const folder = run.trust ? FOLDER : fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-untrusted-'));
  if (!run.trust) fs.cpSync(FOLDER, folder, { recursive: true });
  const args = [folder, '--no-sandbox', '--disable-gpu-sandbox', '--disable-updates', '--skip-welcome', '--skip-release-notes',
    `--user-data-dir=${userData}`, `--extensions-dir=${extensionsDir}`,
    `--extensionDevelopmentPath=${ROOT}`, `--extensionTestsPath=${SUITE}`];
  if (run.trust) args.push('--disable-workspace-trust');
  const code = await new Promise((resolve) => {
    const child = spawn(executable, args, { env: { ...process.env, ...run.env, TASKLANE_TEST_LOG: logFile }, stdio: 'inherit' });
    child.on('exit', resolve);
  });
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  fs.rmSync(userData, { recursive: true, force: true });
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  if (!summarize(log)) throw new Error(`VS Code ran no tests (exit code ${code})`);
  return { code, ...summarize(log) };
}

const mode = process.env.TASKLANE_VSCODE ?? (onPath('code') ? 'electron' : 'code-server');
if (mode !== 'electron' && mode !== 'code-server') throw new Error(`TASKLANE_VSCODE must be electron or code-server, not ${mode}`);
if (mode === 'code-server') ensureInstalled();
console.log(`vscode tier: running the suite in ${mode === 'electron' ? 'desktop VS Code (@vscode/test-electron)' : 'code-server + Chromium'}`);
let passed = 0;
let failed = 0;
let bad = false;
for (const run of RUNS) {
  console.log(`\n${run.name}:`);
  const result = mode === 'electron' ? await runInElectron(run) : await runInCodeServer(run);
  passed += result.passed;
  failed += result.failed;
  if (result.code !== 0) bad = true;
}
console.log(`\nvscode tier (${mode}): ${passed} passing, ${failed} failing`);
process.exitCode = bad || failed > 0 ? 1 : 0;
