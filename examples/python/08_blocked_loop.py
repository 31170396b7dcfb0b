"""CPU work blocks the event loop: the ticker cannot tick while crunch() runs."""
import asyncio
import time


async def ticker():
    for i in range(10):
        await asyncio.sleep(0.02)
        print(f"tick {i}")


async def crunch():
    await asyncio.sleep(0.05)
    end = time.perf_counter() + 0.2
    n = 0
    while time.perf_counter() < end:
        n += 1
    print(f"crunched {n} times, holding the loop for 200 ms")


async def main():
    await asyncio.gather(ticker(), crunch())


asyncio.run(main())
