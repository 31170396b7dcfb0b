// Starts a local code-server (VS Code for the browser) and a headless Chromium to drive it.
// Used by the vscode and e2e test tiers and by `npm start` where desktop VS Code is absent.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const CACHE_DIR = process.env.TASKLANE_CACHE ?? path.join(os.homedir(), '.cache/tasklane');
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_ENTRY = path.join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs code-server and Chromium on first use (Debian packages need root or sudo). */
export function ensureInstalled() {
  const result = spawnSync('bash', [path.join(ROOT, 'scripts/install-test-deps.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('Installing code-server and Chromium failed; see the output above.');
  if (!fs.existsSync(CODE_SERVER_ENTRY)) throw new Error(`code-server is missing at ${CODE_SERVER_ENTRY}`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}`);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server on 127.0.0.1 with its own user data and extensions folders.
 * Returns { url, port, stop(), log() }.
 */
export async function startCodeServer({ folder, trust = true, extensionsDir, env = {}, port } = {}) {
  port ??= await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-cs-'));
  extensionsDir ??= path.join(dataDir, 'extensions');
  const settingsDir = path.join(dataDir, 'User');
  fs.mkdirSync(settingsDir, { recursive: true });
  fs.writeFileSync(path.join(settingsDir, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false, 'workbench.enableExperiments': false, 'security.workspace.trust.startupPrompt': 'never',
    'git.openRepositoryInParentFolders': 'never', 'git.enabled': false,
  }));
  const args = [CODE_SERVER_ENTRY, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--user-data-dir', dataDir, '--extensions-dir', extensionsDir];
  if (trust) args.push('--disable-workspace-trust');
  if (folder) args.push(folder);
  let output = '';
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (Date.now() >= deadline) throw new Error(`code-server did not start within 60 s:\n${output}`);
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    dataDir,
    log: () => output,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Installs a .vsix into an extensions folder with code-server's own CLI. */
export function installExtension(vsix, extensionsDir) {
  const result = spawnSync(process.execPath, [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--install-extension', vsix], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`code-server could not install ${vsix}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** The workbench URL that runs an extension test module inside code-server's extension host. */
export function testUrl(server, { folder, extensionPath, testsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionPath)], ['extensionTestsPath', remote(testsPath)]];
  return `${server.url}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
