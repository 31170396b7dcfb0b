// R4: 5,000 fs.promises.readFile of small files, one after another (no goal of an issue's: Node's
// steps inside each call after its first are the helper's own, read from the site cache).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { report } = require('./report');

const FILES = 20;
const READS = 5_000;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-r4-'));
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir, `${i}.txt`), `line ${i}\n`);
  const start = performance.now();
  let total = 0;
  for (let i = 0; i < READS; i++) total += (await fs.promises.readFile(path.join(dir, `${i % FILES}.txt`), 'utf8')).length;
  report(start, total);
  fs.rmSync(dir, { recursive: true, force: true });
}

main();
