"""P2: the commonest loops of asyncio code, 100,000 coroutine calls awaited one after another,
20,000 asyncio.timeout() blocks around such a call, and 100,000 values from an async generator
(no goal of an issue's)."""
import asyncio
import json
import resource
import sys
import time


async def double(i):
    return i * 2


async def numbers(count):
    for i in range(count):
        yield i


async def main():
    total = 0
    for i in range(100_000):
        total += await double(i)
    for i in range(20_000):
        async with asyncio.timeout(1):
            total += await double(i)
    async for n in numbers(100_000):
        total += n
    return total


start = time.perf_counter()
result = asyncio.run(main())
wall_ms = (time.perf_counter() - start) * 1000
sys.stderr.write("BENCH %s\n" % json.dumps({"wallMs": wall_ms, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "result": result}))
