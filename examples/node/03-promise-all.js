// Promise.all runs three fetches at once and waits for all of them.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchUser(id) {
  await sleep(100 * id);
  return { id, name: `user ${id}` };
}

async function main() {
  const users = await Promise.all([fetchUser(1), fetchUser(2), fetchUser(3)]);
  console.log(users.map((u) => u.name).join(', '));
}

main();
