// `npm start` without desktop VS Code: the code-server it starts serves a workbench with Tasklane
// loaded from the working tree, where Run with Trace on an example opens the live panel.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort, launchBrowser, ROOT } from '../harness/codeServer.mjs';
import { openFile, runCommand, tasklaneFrame, waitForStatus } from './workbench.mjs';

describe('e2e: npm start serves VS Code with Tasklane on examples/', function () {
  let start;
  let browser;

  after(async () => {
    await browser?.close();
    if (start && start.exitCode === null) {
      start.kill('SIGTERM');
      await new Promise((r) => start.once('exit', r));
    }
  });

  it('prints a URL whose workbench runs an example with tracing', async () => {
    const port = await freePort();
    start = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], { cwd: ROOT, env: { ...process.env, PORT: String(port), TASKLANE_CODE_SERVER: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    const url = await new Promise((resolve, reject) => {
      start.stdout.on('data', (d) => {
        output += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(output);
        if (m) resolve(m[1]);
      });
      start.on('exit', (code) => reject(new Error(`npm start exited (${code}) before printing a URL:\n${output}`)));
    });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await openFile(page, '01_sleep.py');
    await runCommand(page, 'Tasklane: Run with Trace');
    const frame = await tasklaneFrame(page);
    await waitForStatus(frame, 'finished');
    const names = await frame.$$eval('#tasks tbody td.name', (cells) => cells.map((c) => c.textContent));
    assert.ok(names.includes('say_after'), names.join(', '));
  });
});
