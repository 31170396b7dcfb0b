// A live workload for the timeline benchmark: a new async task every 5 ms for 3 s, each awaiting
// a short timer, so events stream in steadily while the run goes on.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function tick() {
  await sleep(2);
}

async function main() {
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    void tick();
    await sleep(5);
  }
}

main();
