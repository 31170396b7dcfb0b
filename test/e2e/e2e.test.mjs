// The packaged extension, installed into code-server like a user would, driven from a browser:
// open an example, run Tasklane: Run with Trace from the command palette, read the live panel.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureInstalled, installExtension, launchBrowser, ROOT, startCodeServer } from '../harness/codeServer.mjs';
import { openFile, reloadWindow, runCommand, tasklaneFrame, waitForStatus } from './workbench.mjs';

const OUTPUT = path.join(ROOT, 'test-output/e2e');
const EXAMPLES = path.join(ROOT, 'examples');
const FIXTURES = path.join(ROOT, 'test/fixtures');

/** Processes whose command line names `file`. */
function processesRunning(file) {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file);
    } catch {
      return false; // it ended while we looked
    }
  });
}

describe('e2e: the packaged .vsix in code-server, driven from Chromium', function () {
  let server;
  let browser;
  let extensionsDir;
  let vsix;

  before(async () => {
    ensureInstalled();
    const packaged = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(packaged.status, 0, packaged.stdout + packaged.stderr);
    vsix = path.join(ROOT, JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name + '-' + JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version + '.vsix');
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-e2e-ext-'));
    installExtension(vsix, extensionsDir);
    server = await startCodeServer({ folder: EXAMPLES, extensionsDir });
    browser = await launchBrowser();
    fs.mkdirSync(OUTPUT, { recursive: true });
  });

  /** A new page on `folder` that runs `file` with Tasklane: Run with Trace from the palette. */
  async function runInNewPage(folder, file, viewport) {
    const page = await browser.newPage({ viewport });
    await page.goto(`${server.url}?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await openFile(page, file);
    await runCommand(page, 'Tasklane: Run with Trace');
    return { page, frame: await tasklaneFrame(page) };
  }

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (extensionsDir) fs.rmSync(extensionsDir, { recursive: true, force: true });
  });

  it('installs the .vsix into VS Code', () => {
    assert.ok(fs.readdirSync(extensionsDir).some((d) => d.startsWith('tasklane.tasklane-')), 'the extension folder exists');
  });

  it('runs Tasklane: Run with Trace from the command palette and shows the run live', async () => {
    const { page, frame } = await runInNewPage(EXAMPLES, '03-promise-all.js', { width: 1400, height: 900 });
    await waitForStatus(frame, 'finished');
    const status = await frame.textContent('#status');
    assert.match(status, /exited with code 0/);
    const names = await frame.$$eval('#tasks tbody td.name', (cells) => cells.map((c) => c.textContent));
    assert.ok(names.includes('Promise.all ×3'), names.join(', '));
    assert.equal(names.filter((n) => n === 'fetchUser').length, 3);
    assert.ok(Number(await frame.getAttribute('#counts', 'data-tasks')) >= 8);
    const canvas = await frame.$('#timeline canvas');
    const size = await canvas.boundingBox();
    assert.ok(size.width > 300 && size.height > 100, 'the timeline canvas is laid out');
    await page.screenshot({ path: path.join(OUTPUT, 'run-with-trace.png') });

    // A task's creation site opens in the editor on its line (main() is called on line 14).
    await frame.click('#table-box summary');
    const mainRow = frame.locator('#tasks tbody tr', { has: frame.locator('td.name', { hasText: /^main$/ }) });
    await mainRow.locator('a').click();
    await page.locator('.statusbar-item', { hasText: /Ln 14, Col \d+/ }).first().waitFor({ timeout: 20_000 });
    await frame.click('#table-box summary');

    // A selected task and a zoomed view survive the panel being hidden behind another editor
    // (its webview is gone then: no retainContextWhenHidden) and shown again.
    await frame.focus('#timeline canvas');
    for (const key of ['ArrowDown', 'ArrowDown', '+', '+']) await frame.press('#timeline canvas', key);
    const viewOf = async (f) => ({ range: await f.textContent('#view-range'), selected: await f.textContent('#details dd') });
    const chosen = await viewOf(frame);
    assert.match(chosen.selected, /^#\d+ /, 'a task is selected');
    await runCommand(page, 'View: Focus Right Editor Group');
    await openFile(page, '01-sleep.js');
    await page.locator('.tab', { hasText: 'Tasklane: 03-promise-all.js' }).click();
    const shown = await tasklaneFrame(page);
    await waitForStatus(shown, 'finished');
    await shown.waitForFunction((text) => document.querySelector('#details dd')?.textContent === text, chosen.selected);
    assert.deepEqual(await viewOf(shown), chosen);

    // The filter, selection and zoom (the view state) and the trace survive a window reload.
    await shown.fill('#filter', 'fetchUser');
    const restored = await reloadWindow(page);
    await waitForStatus(restored, 'loaded');
    assert.equal(await restored.inputValue('#filter'), 'fetchUser');
    const again = await restored.$$eval('#tasks tbody td.name', (cells) => cells.map((c) => c.textContent));
    assert.equal(again.filter((n) => n === 'fetchUser').length, 3);
    await restored.waitForFunction((text) => document.querySelector('#details dd')?.textContent === text, chosen.selected);
    assert.deepEqual(await viewOf(restored), chosen);
    await page.screenshot({ path: path.join(OUTPUT, 'after-reload.png') });
    await page.close();
  });

  it('a long run shows a progress notification, and a window reload ends it but keeps its panel with what it traced', async () => {
    const { page, frame } = await runInNewPage(FIXTURES, 'hang.js', { width: 1400, height: 900 });
    await waitForStatus(frame, 'running');
    const toast = page.locator('.notification-toast', { hasText: 'Tasklane: tracing hang.js' });
    await toast.waitFor({ timeout: 20_000 });
    assert.match(await toast.textContent(), /\d+ tasks\. Cancel stops the run/);
    await page.screenshot({ path: path.join(OUTPUT, 'progress.png') });
    const hangScript = path.join(FIXTURES, 'node/hang.js');
    assert.ok(processesRunning(hangScript).length > 0, 'the script runs');

    const restored = await reloadWindow(page);
    await waitForStatus(restored, 'loaded');
    // The reload disposes the run's terminal (Stop: SIGTERM, which the runner reports when it is read
    // in time) and deactivates the extension (which records the run as killed): either comes first.
    assert.match(await restored.textContent('#status'), /ended by SIG(TERM|KILL)/);
    const names = await restored.$$eval('#tasks tbody td.name', (cells) => cells.map((c) => c.textContent));
    assert.ok(names.includes('waitForever'), names.join(', '));
    assert.deepEqual(processesRunning(hangScript), [], 'the reload ended the script');
    await page.close();
  });

  // The README's screenshots come from here: TASKLANE_UPDATE_SCREENSHOTS=1 copies them into media/.
  for (const [example, shot] of [['02-sequential-vs-concurrent.js', 'screenshot-node.png'], ['02_sequential_vs_concurrent.py', 'screenshot-python.png']]) {
    it(`draws the timeline of ${example} (the README's screenshot)`, async () => {
      const { page, frame } = await runInNewPage(EXAMPLES, example, { width: 1100, height: 640 });
      await waitForStatus(frame, 'finished');
      assert.match(await frame.textContent('#status'), /exited with code 0/);
      // The timeline alone, as big as the window allows.
      // (The workbench remembers its layout per folder, so look before toggling.)
      await page.locator('.tab', { hasText: 'Tasklane:' }).click();
      if (await page.locator('.part.sidebar').isVisible()) await runCommand(page, 'View: Toggle Maximize Editor Group');
      if (await page.locator('.part.panel').isVisible()) await page.keyboard.press('Control+J');
      await page.locator('.part.panel').waitFor({ state: 'hidden' });
      await frame.locator('#timeline canvas').click({ position: { x: 60, y: 70 } }); // select the first task
      await frame.waitForFunction(() => document.querySelector('#details dd') !== null);
      await page.mouse.move(1, 300); // no tooltip in the picture
      const file = path.join(OUTPUT, shot);
      await page.screenshot({ path: file });
      const png = fs.readFileSync(file);
      assert.equal(png.readUInt32BE(16), 1100, 'a full-width PNG');
      if (process.env.TASKLANE_UPDATE_SCREENSHOTS) {
        // To a palette of colours, as the screenshots are shipped: a third of the size, the package under its 300 KB.
        const quantized = spawnSync('pngquant', ['--quality', '85-98', '--speed', '1', '--strip', '--force', '--output', path.join(ROOT, 'media', shot), file]);
        assert.equal(quantized.status, 0, `pngquant (apt-get install pngquant) failed: ${quantized.error ?? quantized.stderr}`);
      }
      await page.close();
    });
  }
});
