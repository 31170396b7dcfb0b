"""Ctrl+C under asyncio.run (Python 3.11+): press it in the script's terminal while it works.

asyncio.run cancels the main task, whose TaskGroup cancels the workers; each cleans up before it
goes, and main returns. The timeline marks where SIGINT came and says who cancelled whom. (If you
do not press it, the script sends itself one after 3 seconds.)
"""
import asyncio
import os
import signal


async def worker(name, every):
    try:
        while True:
            await asyncio.sleep(every)
            print(name, "working")
    finally:
        await asyncio.sleep(0.2)  # closing what it has open
        print(name, "cleaned up")


async def main():
    asyncio.get_running_loop().call_later(3, os.kill, os.getpid(), signal.SIGINT)  # as Ctrl+C would
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(worker("fetcher", 0.5))
            group.create_task(worker("indexer", 0.8))
            print("working: press Ctrl+C to stop")
    except asyncio.CancelledError:
        print("stopped")  # and returns: asyncio.run ends as usual


asyncio.run(main())
