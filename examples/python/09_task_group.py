"""asyncio.TaskGroup (Python 3.11+): tasks that live and die together.

The first group waits for both downloads. In the second, one download fails: the group cancels
the one still running and raises, and the timeline shows who cancelled whom.
"""
import asyncio


async def download(name, seconds, fail=False):
    await asyncio.sleep(seconds)
    if fail:
        raise ConnectionError(f"{name}: connection reset")
    return name


async def main():
    async with asyncio.TaskGroup() as group:
        first = group.create_task(download("a.txt", 0.1))
        second = group.create_task(download("b.txt", 0.2))
    print("downloaded", first.result(), second.result())

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(download("c.txt", 0.1, fail=True))
            group.create_task(download("d.txt", 1.0))
    except* ConnectionError as errors:
        print("failed:", *[str(e) for e in errors.exceptions])


asyncio.run(main())
