// W2: 10,000 concurrent tasks, each awaiting five zero-delay timers.
const { report } = require('./report');

async function task() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

const start = performance.now();
Promise.all(Array.from({ length: 10_000 }, task)).then((done) => report(start, done.length));
