// R2: 200,000 awaits of a .catch() chained on a settled promise, in a loop V8 optimizes (no goal
// of an issue's: optimized code shows only the `then` a `catch` calls).
const { report } = require('./report');

async function main() {
  const start = performance.now();
  const settled = Promise.resolve(1);
  let sum = 0;
  for (let i = 0; i < 200_000; i++) sum += await settled.catch(() => 0);
  report(start, sum);
}

main();
