"""The Python flood: 200,000 asyncio tasks, each awaiting sleep(0) five times, in batches
(about 2.8 million events, past the default cap of 1,000,000)."""
import asyncio
import json
import resource
import sys
import time


async def task():
    for _ in range(5):
        await asyncio.sleep(0)


async def main():
    for _ in range(20):
        await asyncio.gather(*(asyncio.create_task(task()) for _ in range(10_000)))


start = time.perf_counter()
asyncio.run(main())
wall_ms = (time.perf_counter() - start) * 1000
sys.stderr.write("BENCH %s\n" % json.dumps({"wallMs": wall_ms, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "result": 200000}))
