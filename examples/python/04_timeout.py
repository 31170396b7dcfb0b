"""asyncio.wait_for gives up on a slow coroutine and cancels it."""
import asyncio


async def slow_operation():
    await asyncio.sleep(5)
    return "finished"


async def main():
    try:
        print(await asyncio.wait_for(slow_operation(), timeout=0.3))
    except asyncio.TimeoutError:
        print("gave up after 0.3 s")


asyncio.run(main())
