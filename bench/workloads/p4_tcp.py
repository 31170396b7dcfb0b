"""P4: W3 in Python, 50 asyncio stream connections on 127.0.0.1 exchanging 20,000 messages (400
echoed round trips each), each end of each a socket task whose reads are its runs (no goal of an
issue's)."""
import asyncio
import json
import resource
import sys
import time

CONNECTIONS = 50
ROUND_TRIPS = 400


async def echo(reader, writer):
    while data := await reader.read(100):
        writer.write(data)
    writer.close()


async def client(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = 0
    for _ in range(ROUND_TRIPS):
        writer.write(b"ping")
        await reader.read(100)
        replies += 1
    writer.close()
    await writer.wait_closed()
    return replies


async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    start = time.perf_counter()
    replies = await asyncio.gather(*(client(port) for _ in range(CONNECTIONS)))
    wall_ms = (time.perf_counter() - start) * 1000
    server.close()
    return wall_ms, sum(replies)


wall_ms, result = asyncio.run(main())
sys.stderr.write("BENCH %s\n" % json.dumps({"wallMs": wall_ms, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "result": result}))
