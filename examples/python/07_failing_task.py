"""One of three tasks fails; gather(return_exceptions=True) shows each outcome."""
import asyncio


async def work(task_id):
    await asyncio.sleep(0.1 * task_id)
    if task_id == 2:
        raise RuntimeError(f"task {task_id} failed")
    return task_id


async def main():
    results = await asyncio.gather(work(1), work(2), work(3), return_exceptions=True)
    for result in results:
        print(result)


asyncio.run(main())
