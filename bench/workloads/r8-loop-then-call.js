// R8: 2,000 rounds of a `for await` over a 50-line file by readline, then an fs.promises.stat at
// the same point of the run as the loop's steps (no goal of an issue's): a place in the site cache
// that answers two ways, the loop's step and the call after it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { report } = require('./report');

const file = path.join(os.tmpdir(), `tasklane-r8-${process.pid}.txt`);
fs.writeFileSync(file, Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n'));

async function main() {
  const start = performance.now();
  let lines = 0;
  for (let round = 0; round < 2000; round++) {
    for await (const _ of readline.createInterface({ input: fs.createReadStream(file) })) lines++;
    await fs.promises.stat(file);
  }
  report(start, lines);
  fs.rmSync(file);
}

main();
