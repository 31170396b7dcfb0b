"""An asyncio.Queue with two producers and two consumers."""
import asyncio
import random


async def producer(queue, name, count):
    for i in range(count):
        await asyncio.sleep(0.05 + random.random() * 0.1)
        await queue.put(f"{name}-{i}")


async def consumer(queue, name):
    while True:
        item = await queue.get()
        await asyncio.sleep(0.08)
        print(f"{name} handled {item}")
        queue.task_done()


async def main():
    queue = asyncio.Queue()
    consumers = [asyncio.create_task(consumer(queue, f"consumer {c}")) for c in "AB"]
    await asyncio.gather(producer(queue, "p1", 4), producer(queue, "p2", 4))
    await queue.join()
    for task in consumers:
        task.cancel()


asyncio.run(main())
