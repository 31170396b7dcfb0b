// A live workload for the timeline benchmark at the rate the panel must keep up with: about
// 100,000 events a second for 3 s. Every 5 ms it starts 24 tasks, each awaiting three setImmediates
// (with its runs, awaits and the immediates it makes, a task is about two dozen events).
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function worker() {
  for (let i = 0; i < 3; i++) await tick();
}

const until = Date.now() + 3000;
const timer = setInterval(() => {
  if (Date.now() >= until) return clearInterval(timer);
  for (let i = 0; i < 24; i++) void worker();
}, 5);
