// A small HTTP service and its clients. Each fetch and http.get is a task of its own, named by
// the request it makes (`fetch GET 127.0.0.1:…/users/2`), ending with its status; the server's
// handler for each request is named after it (`GET /users/2`).
const http = require('node:http');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = http.createServer(async (req, res) => {
  const id = Number(req.url.split('/').pop());
  if (![1, 2, 3].includes(id)) {
    res.statusCode = 404;
    res.end('no such user');
    return;
  }
  await sleep(50 * id); // a slow lookup
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ id, name: `user ${id}` }));
});

// http.get promisified by hand, as older code does: the await waits for the request.
function getText(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    }).on('error', reject);
  });
}

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const users = await Promise.all([1, 2, 3].map(async (id) => (await fetch(`${base}/users/${id}`)).json()));
  console.log(users.map((user) => user.name).join(', '));
  console.log(await getText(`${base}/users/9`));
  server.close();
}

main();
