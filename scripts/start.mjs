// `npm start`: builds, then opens VS Code with Tasklane loaded (development mode) on examples/.
// Desktop VS Code when `code` is on the PATH; otherwise a local code-server whose URL is printed.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureInstalled, ROOT, startCodeServer } from '../test/harness/codeServer.mjs';

const EXAMPLES = path.join(ROOT, 'examples');
const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const code = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).stdout.trim();
if (code && !process.env.TASKLANE_CODE_SERVER) {
  spawn(code, [`--extensionDevelopmentPath=${ROOT}`, EXAMPLES], { stdio: 'inherit', detached: true }).unref();
  console.log('Opened VS Code with Tasklane on examples/. Open a script and run "Tasklane: Run with Trace".');
} else {
  ensureInstalled();
  const port = Number(process.env.PORT ?? 8080);
  const server = await startCodeServer({ folder: EXAMPLES, port, trust: true });
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`]];
  const url = `${server.url}?folder=${encodeURIComponent(EXAMPLES)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  console.log(`\nVS Code (code-server) with Tasklane is running. Open this URL in a browser:\n\n  ${url}\n\nOpen a script in examples/ and run "Tasklane: Run with Trace" from the command palette (Ctrl+Shift+P). Ctrl+C stops the server.`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
