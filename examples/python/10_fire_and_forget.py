"""Fire and forget: asyncio holds a task only weakly, so a task the program keeps no reference
to, waiting for something nothing else holds, is garbage-collected before it finishes. Keep a
reference until it is done, as the set below does (asyncio's documentation advises it)."""
import asyncio
import gc

background_tasks = set()


async def wait_for_signal(event, name):
    await event.wait()
    print(f"{name} got the signal")


async def main():
    kept_signal, lost_signal = asyncio.Event(), asyncio.Event()
    kept = asyncio.create_task(wait_for_signal(kept_signal, "kept"), name="kept")
    background_tasks.add(kept)
    kept.add_done_callback(background_tasks.discard)
    asyncio.create_task(wait_for_signal(lost_signal, "lost"), name="lost")  # no reference kept
    del lost_signal  # from here only the lost task's own coroutine holds its event
    await asyncio.sleep(0.1)
    gc.collect()  # a collection comes sooner or later; here, now
    kept_signal.set()
    await asyncio.sleep(0.1)


asyncio.run(main())
