// R7: an HTTP service and its client on 127.0.0.1, 1,500 rounds of three requests at once, each on
// a connection of its own and answered from a file read (no goal of an issue's): the callbacks of
// sockets and HTTP parsers, and an await of Promise.all, every round.
const fs = require('node:fs/promises');
const http = require('node:http');
const { report } = require('./report');

const ROUNDS = 1500;
const server = http.createServer(async (req, res) => {
  const body = await fs.readFile(__filename, 'utf8');
  res.setHeader('connection', 'close');
  res.end(String(body.length));
});
const agent = new http.Agent({ keepAlive: false });

function get(port) {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
}

server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) await Promise.all([get(port), get(port), get(port)]);
  report(start, ROUNDS);
  server.close();
});
