// One of three tasks fails; Promise.allSettled shows each outcome.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function work(id) {
  await sleep(100 * id);
  if (id === 2) throw new Error(`task ${id} failed`);
  return id;
}

async function main() {
  const results = await Promise.allSettled([work(1), work(2), work(3)]);
  for (const r of results) console.log(r.status, r.status === 'fulfilled' ? r.value : r.reason.message);
}

main();
