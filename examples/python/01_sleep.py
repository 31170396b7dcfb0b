"""Sleeping: a coroutine that waits, then prints."""
import asyncio


async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)


asyncio.run(say_after(0.5, "hello after half a second"))
