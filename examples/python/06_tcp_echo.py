"""A loopback stream server and three clients, with start_server and open_connection."""
import asyncio


async def handle(reader, writer):
    data = await reader.readline()
    await asyncio.sleep(0.1)
    writer.write(data)
    await writer.drain()
    writer.close()


async def client(port, client_id):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"hello from client {client_id}\n".encode())
    reply = await reader.readline()
    print(f"client {client_id} got: {reply.decode().strip()}")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await asyncio.gather(*(client(port, i) for i in range(1, 4)))


asyncio.run(main())
