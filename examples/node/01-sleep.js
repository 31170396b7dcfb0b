// Sleeping: an async function that waits, then prints. One task, one wait on a timer.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sayAfter(ms, what) {
  await sleep(ms);
  console.log(what);
}

sayAfter(500, 'hello after half a second');
