// R6: 1,500 async calls started in one run and awaited together, each setting a 5 ms timer, as a
// small script does once (no goal of an issue's): code the tracer has not seen yet, where each new
// place reads the stack and the tracer's own code still runs unoptimized. A fresh process per run.
const { report } = require('./report');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchOne(i) {
  await sleep(5);
  return i;
}

const start = performance.now();
Promise.all(Array.from({ length: 1500 }, (_, i) => fetchOne(i))).then((done) => report(start, done.length));
