import * as assert from 'node:assert/strict';
import type { PanelState } from '../../src/shared/protocol';
import { closeBrowser, openWebview, type WebviewHarness } from './harness';

after(closeBrowser);

const HOSTILE = '<img src=x onerror="window.__pwned=1">\u202Egnp.exe\u0007';
/** How the webview shows it: the markup as text, the bidi override and the bell as U+FFFD. */
const SHOWN = '<img src=x onerror="window.__pwned=1">\uFFFDgnp.exe\uFFFD';

function state(overrides: Partial<PanelState> = {}): PanelState {
  return {
    title: 'sequential.js', status: 'finished', statusText: 'The program exited with code 0 after 316.1 ms.', taskCount: 3, hiddenCount: 0, eventCount: 44, duration: 316_100, restoreFile: '',
    tasks: [
      { id: 1, name: 'sequential.js', kind: 'script', parent: 0, site: '', created: 0, ended: 316_100, running: 49_000, waiting: 0, state: 'resolved' },
      { id: 2, name: 'main', kind: 'async', parent: 1, site: '/w/sequential.js:12:1', created: 4_300, ended: 315_100, running: 1_400, waiting: 308_600, state: 'resolved' },
      { id: 3, name: HOSTILE, kind: 'async', parent: 2, site: '/w/sequential.js:8:9', created: 5_000, ended: 111_800, running: 5_500, waiting: 101_600, state: `rejected: ${HOSTILE}` },
    ],
    ...overrides,
  };
}

describe('webview in headless Chromium: the accessible summary', () => {
  let view: WebviewHarness;
  beforeEach(async () => {
    view = await openWebview();
  });
  afterEach(() => view.close());

  it('says it is ready as soon as it loads', async () => {
    await view.waitForSent((m) => m.type === 'ready');
    assert.deepEqual(view.sent[0], { type: 'ready' });
  });

  it('shows the run’s state, counts and tasks from a state message', async () => {
    await view.post({ type: 'state', state: state() });
    await view.page.waitForSelector('#tasks tbody tr', { state: 'attached' });
    assert.equal(await view.page.textContent('#status'), 'The program exited with code 0 after 316.1 ms.');
    assert.equal(await view.page.getAttribute('#counts', 'data-tasks'), '3');
    assert.equal(await view.page.getAttribute('#counts', 'data-events'), '44');
    const names = await view.page.$$eval('#tasks tbody td.name', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(names, ['sequential.js', 'main', SHOWN]);
  });

  it('shows hostile names as inert text', async () => {
    await view.post({ type: 'state', state: state() });
    await view.page.waitForSelector('#tasks tbody tr', { state: 'attached' });
    assert.equal(await view.page.$$eval('img', (imgs) => imgs.length), 0, 'no element was created from the name');
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    const row = await view.page.textContent('tr[data-task-id="3"] td.state');
    assert.equal(row, `rejected: ${SHOWN}`);
    const text = await view.page.evaluate(() => document.body.textContent ?? '');
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u202a-\u202e\u2066-\u2069]/, 'no control or bidi character reaches the page');
  });

  it('asks the host to open a creation site when its link is clicked', async () => {
    await view.post({ type: 'state', state: state() });
    await view.page.click('#table-box summary');
    await view.page.click('tr[data-task-id="2"] a');
    assert.deepEqual(await view.waitForSent((m) => m.type === 'openSite'), { type: 'openSite', site: '/w/sequential.js:12:1' });
  });

  it('ignores messages that are not state updates', async () => {
    await view.post({ type: 'state', state: state() });
    await view.page.evaluate(() => window.postMessage({ type: 'evil', html: '<b>x</b>' }, '*'));
    await view.page.evaluate(() => window.postMessage('not even an object', '*'));
    await view.page.waitForSelector('#tasks tbody tr', { state: 'attached' });
    assert.equal(await view.page.getAttribute('#counts', 'data-tasks'), '3');
  });
});
