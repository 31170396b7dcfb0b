// R5: 20,000 values through a stream/promises pipeline with an async generator between its ends
// (no goal of an issue's: the pipeline's pump and the generator it pulls run for no task).
const { pipeline } = require('node:stream/promises');
const { Readable, Writable } = require('node:stream');
const { report } = require('./report');

const VALUES = 20_000;

async function main() {
  const start = performance.now();
  let written = 0;
  await pipeline(
    Readable.from((function* numbers() { for (let i = 0; i < VALUES; i++) yield i; })()),
    async function* double(source) { for await (const x of source) yield x * 2; },
    new Writable({ objectMode: true, write(value, _encoding, done) { written++; done(); } }),
  );
  report(start, written);
}

main();
