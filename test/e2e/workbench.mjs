// Driving the VS Code workbench in a browser: quick open, the command palette, the Tasklane webview.

/** The frame of the Tasklane webview (webview content lives in nested iframes). */
export async function tasklaneFrame(page, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      try {
        if (await frame.$('#counts')) return frame;
      } catch {
        // frame navigated away while we looked
      }
    }
    await page.waitForTimeout(200);
  }
  throw new Error('the Tasklane panel did not appear');
}

/**
 * Opens a quick input with `key`, types `text` and waits for a row showing `row`, then picks it.
 * Just after the workbench appears, extensions' commands may not be listed yet, and a view taking
 * focus (a terminal, a webview, a file's editor) can close the quick input as it opens: then it is
 * closed and opened again until the row shows up.
 */
async function pick(page, key, text, row, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await page.keyboard.press(key);
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 5_000 });
      await input.fill(text, { timeout: 5_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: 5_000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
}

/** Runs a command from the palette. */
export async function runCommand(page, title, timeoutMs = 60_000) {
  await pick(page, 'Control+Shift+P', `>${title}`, title, timeoutMs);
}

export async function openFile(page, name) {
  await pick(page, 'Control+P', name, name);
  await page.locator('.tab.active', { hasText: name }).waitFor();
  // Run with Trace acts on the active text editor: wait until the opened file's editor has focus.
  await page.locator('.editor-group-container.active .monaco-editor.focused').waitFor();
}

/** Waits until the Tasklane panel in `frame` says its run is in `status` (#status's data-status). */
export async function waitForStatus(frame, status, timeout = 60_000) {
  await frame.waitForFunction((s) => document.querySelector('#status')?.getAttribute('data-status') === s, status, { timeout });
}

/**
 * Developer: Reload Window (which shuts the workbench down properly, saving editors and webview
 * state) and waits for the Tasklane panel to come back; resolves with its frame.
 */
export async function reloadWindow(page) {
  const reloaded = page.waitForEvent('load');
  await runCommand(page, 'Developer: Reload Window');
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return tasklaneFrame(page);
}
