// A live flood for the timeline benchmark: 100 long-lived tasks, each awaiting setImmediate
// over and over, so events pour in on a fixed set of lanes.
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function worker() {
  for (let i = 0; i < 1000; i++) await tick();
}

Promise.all(Array.from({ length: 100 }, worker));
