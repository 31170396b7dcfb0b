// Ctrl+C: press it in the script's terminal while it works. Its SIGINT listener aborts the
// workers' sleeps; each cleans up before it goes. The timeline marks where SIGINT came, and its
// listener's task is what woke them. (If you do not press it, the script sends itself one after
// 3 seconds.)
const { setTimeout: sleep } = require('node:timers/promises');

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

async function worker(name, every) {
  try {
    for (;;) {
      await sleep(every, undefined, { signal: stop.signal });
      console.log(`${name} working`);
    }
  } catch (error) {
    if (error.name !== 'AbortError') throw error;
    await sleep(200); // closing what it has open
    console.log(`${name} cleaned up`);
  }
}

const selfInterrupt = setTimeout(() => process.kill(process.pid, 'SIGINT'), 3000); // as Ctrl+C would
stop.signal.addEventListener('abort', () => clearTimeout(selfInterrupt));
console.log('working: press Ctrl+C to stop');
Promise.all([worker('fetcher', 500), worker('indexer', 800)]).then(() => console.log('stopped'));
