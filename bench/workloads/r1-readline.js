// R1: for await over a readline interface reading a file of 200,000 lines (no goal of an issue:
// a common program whose every line is a step of Node's events.on iterator).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { report } = require('./report');

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-r1-')), 'lines.txt');
fs.writeFileSync(file, Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n'));

async function countLines() {
  let lines = 0;
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) lines += line ? 1 : 0;
  return lines;
}

const start = performance.now();
countLines().then((lines) => {
  report(start, lines);
  fs.rmSync(path.dirname(file), { recursive: true });
});
