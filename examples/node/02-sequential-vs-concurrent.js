// Sequential awaits take 1 + 2 s; starting both first and awaiting after takes 2 s.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sayAfter(ms, what) {
  await sleep(ms);
  console.log(what);
}

async function sequential() {
  await sayAfter(1000, 'sequential: hello');
  await sayAfter(2000, 'sequential: world');
}

async function concurrent() {
  const first = sayAfter(1000, 'concurrent: hello');
  const second = sayAfter(2000, 'concurrent: world');
  await first;
  await second;
}

async function main() {
  console.time('sequential');
  await sequential();
  console.timeEnd('sequential');
  console.time('concurrent');
  await concurrent();
  console.timeEnd('concurrent');
}

main();
