"""Awaiting coroutines one after another takes 1 + 2 s; create_task runs them concurrently in 2 s."""
import asyncio
import time


async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)


async def main():
    started = time.perf_counter()
    await say_after(1, "sequential: hello")
    await say_after(2, "sequential: world")
    print(f"sequential took {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    task1 = asyncio.create_task(say_after(1, "concurrent: hello"))
    task2 = asyncio.create_task(say_after(2, "concurrent: world"))
    await task1
    await task2
    print(f"concurrent took {time.perf_counter() - started:.1f} s")


asyncio.run(main())
