"""P3: 300 coroutine functions of a program's size (25 lines, sleeps at three places), each run
once as a task: the tracer's work on first seeing a function's code, which a long-running
program pays once per function (no goal of an issue's)."""
import asyncio
import json
import resource
import sys
import time

FUNCTIONS = 300
# One function's source: enough statements between its awaits for its code to be a real one's.
SOURCE = '''
async def handler_{n}(request):
    items = [value * {n} for value in request["values"]]
    total = sum(items)
    if total > 1000:
        items = [value // 2 for value in items]
    await asyncio.sleep(0)
    names = {{str(value): value for value in items}}
    text = ", ".join(sorted(names))
    for key, value in list(names.items()):
        if value % 3 == 0:
            del names[key]
    await asyncio.sleep(0)
    summary = {{"count": len(names), "text": text[:40], "total": total}}
    try:
        checked = int(summary["count"]) + {n}
    except (TypeError, ValueError):
        checked = 0
    await asyncio.sleep(0)
    return checked + len(summary["text"])
'''

namespace = {"asyncio": asyncio}
# Compiled under this file's name, as a program's own code is.
exec(compile("".join(SOURCE.format(n=n) for n in range(FUNCTIONS)), __file__, "exec"), namespace)
handlers = [namespace["handler_%d" % n] for n in range(FUNCTIONS)]


async def main():
    request = {"values": list(range(20))}
    return sum(await asyncio.gather(*(asyncio.create_task(handler(request)) for handler in handlers)))


start = time.perf_counter()
result = asyncio.run(main())
wall_ms = (time.perf_counter() - start) * 1000
sys.stderr.write("BENCH %s\n" % json.dumps({"wallMs": wall_ms, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "result": result}))
