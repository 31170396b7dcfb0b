// The flood: ten million async resources (promises of async calls and awaits), in batches.
const { report } = require('./report');

async function leaf() {
  await null;
}

async function main() {
  const start = performance.now();
  let made = 0;
  while (made < 10_000_000) {
    await Promise.all(Array.from({ length: 10_000 }, leaf));
    made += 10_000 * 3; // per call: its promise, its await's promise, and the one Promise.all chains on it
  }
  report(start, made);
}

main();
