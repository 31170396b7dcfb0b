// A loopback TCP echo server and three clients: connects and reads are what the clients wait for.
const net = require('node:net');
const { once } = require('node:events');

async function client(port, id) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`hello from client ${id}\n`);
  const [reply] = await once(socket, 'data');
  console.log(`client ${id} got: ${reply.toString().trim()}`);
  socket.end();
}

async function main() {
  const server = net.createServer((socket) => {
    socket.on('data', (data) => setTimeout(() => socket.write(data), 100));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await Promise.all([client(port, 1), client(port, 2), client(port, 3)]);
  server.close();
}

main();
