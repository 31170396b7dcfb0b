// W3: 50 TCP connections on 127.0.0.1 exchanging 20,000 messages (400 echoed round trips each).
const net = require('node:net');
const { once } = require('node:events');
const { report } = require('./report');

const CONNECTIONS = 50;
const ROUND_TRIPS = 400;

async function client(port) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  let replies = 0;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const reply = once(socket, 'data');
    socket.write('ping');
    await reply;
    replies++;
  }
  socket.end();
  return replies;
}

async function main() {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const start = performance.now();
  const replies = await Promise.all(Array.from({ length: CONNECTIONS }, () => client(server.address().port)));
  report(start, replies.reduce((a, b) => a + b, 0));
  server.close();
}

main();
