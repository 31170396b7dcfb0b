import * as assert from 'node:assert/strict';
import { LOAD_ATTEMPTS, LoadWatchdog } from '../../src/panel/loadWatchdog';

const TIMEOUT_MS = 10;
/** Long enough for any timer the watchdog may have set to have fired. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 4));

function watched(): { dog: LoadWatchdog; said: string[]; next: () => Promise<string> } {
  const said: string[] = [];
  let wake: (() => void) | undefined;
  const say = (what: string): void => {
    said.push(what);
    wake?.();
  };
  const dog = new LoadWatchdog({ reload: (attempt) => say(`reload ${attempt}`), giveUp: () => say('give up') }, TIMEOUT_MS);
  const next = (): Promise<string> => {
    const count = said.length;
    return new Promise((resolve) => {
      wake = () => said.length > count && resolve(said[count]);
    });
  };
  return { dog, said, next };
}

describe('LoadWatchdog', () => {
  it('loads a shown webview that says nothing again, up to its attempts, then gives up and stops', async () => {
    const { dog, said, next } = watched();
    dog.shown();
    for (let attempt = 2; attempt <= LOAD_ATTEMPTS; attempt++) assert.equal(await next(), `reload ${attempt}`);
    assert.equal(await next(), 'give up');
    dog.shown();
    await settle();
    assert.equal(said.at(-1), 'give up', 'nothing more once it gave up');
    assert.equal(said.length, LOAD_ATTEMPTS);
    dog.dispose();
  });

  it('leaves a webview that says it is ready in time alone', async () => {
    const { dog, said } = watched();
    dog.shown();
    dog.ready();
    dog.shown();
    await settle();
    assert.deepEqual(said, []);
  });

  it('waits only while the panel is shown, and counts attempts afresh after a load', async () => {
    const { dog, said, next } = watched();
    dog.shown();
    dog.hidden();
    await settle();
    assert.deepEqual(said, [], 'a hidden webview does not load');
    dog.shown();
    assert.equal(await next(), 'reload 2');
    dog.ready();
    dog.hidden();
    dog.shown();
    assert.equal(await next(), 'reload 2', 'shown again, its new document gets every attempt');
    dog.dispose();
  });
});
