// CPU work blocks the event loop: the ticker cannot tick while crunch() runs.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function ticker() {
  for (let i = 0; i < 10; i++) {
    await sleep(20);
    console.log(`tick ${i}`);
  }
}

async function crunch() {
  await sleep(50);
  const end = Date.now() + 200;
  let n = 0;
  while (Date.now() < end) n++;
  console.log(`crunched ${n} times, holding the loop for 200 ms`);
}

Promise.all([ticker(), crunch()]);
