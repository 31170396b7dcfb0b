// R3: 100,000 async calls awaited one after another in a loop, 100,000 values from an async
// generator in a for await, and 50,000 more through Readable.from (no goal of an issue's: the
// commonest loops of async code).
const { Readable } = require('node:stream');
const { report } = require('./report');

async function double(i) {
  return i * 2;
}

async function* numbers(count) {
  for (let i = 0; i < count; i++) yield i;
}

async function main() {
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < 100_000; i++) sum += await double(i);
  for await (const n of numbers(100_000)) sum += n;
  for await (const n of Readable.from(numbers(50_000))) sum += n;
  report(start, sum);
}

main();
