// W1: one million sequential awaits of a resolved promise, then Promise.all of 100,000 async calls.
const { report } = require('./report');

async function value(i) {
  return i;
}

async function main() {
  const start = performance.now();
  const resolved = Promise.resolve(1);
  let sum = 0;
  for (let i = 0; i < 1_000_000; i++) sum += await resolved;
  const all = await Promise.all(Array.from({ length: 100_000 }, (_, i) => value(i)));
  report(start, sum + all.length);
}

main();
