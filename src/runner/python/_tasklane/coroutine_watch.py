"""Python 3.12+: sys.monitoring times the user's coroutines, when each starts and, once it is a
span, returns, at a cost only to the coroutines that need it."""

import gc
import sys
from inspect import CO_ASYNC_GENERATOR

from .clock import perf_counter_ns
from .code import CO_COROUTINE, is_users


# A coroutine started this many times without ever being a span (it returns without suspending,
# as most helpers do) stops reporting its starts; should one suspend after all, its span is timed
# by the step it is seen in, and its starts report again from then on.
QUIET_AFTER_STARTS = 1000
# An async generator iterated with `async for` is a span too, from its first start.
CO_COROUTINE_OR_ASYNC_GENERATOR = CO_COROUTINE | CO_ASYNC_GENERATOR
# In frame_errors: the frame of an async generator's span yielded an item (asynccontextmanager's
# body yields to its `async with`), where its span ends if its task then no longer awaits it.
YIELDED = object()
# What an async generator yields for an item, as sys.monitoring sees it (an await yields its future).
ITEM_TYPE_NAME = "async_generator_wrapped_value"
# RESUME's argument, low bits: where the frame resumes (1: after a yield; 2, 3: in an await).
RESUMES_AFTER_YIELD, RESUME_WHERE = 1, 3
# A step that calls coroutines by the hundred thousand without awaiting (a loop of `await f(x)`
# where f never suspends) would keep every frame it started until the step ends.
PRUNE_FRAME_TIMES_AT = 4096
# sys.getrefcount of a frame nothing else holds, in prune_returned's loop: the dict's key, the
# list's item, the loop's name and getrefcount's own argument (a live coroutine holds one more).
RETURNED_FRAME_REFS = 4


def prune_returned(frame_times):
    """Forgets the frames of coroutines that have returned: only `frame_times` holds them, and no
    span needs their start (a span's own frame is held by its task's spans)."""
    for frame in list(frame_times):
        if sys.getrefcount(frame) <= RETURNED_FRAME_REFS:
            del frame_times[frame]


MONITORING_TOOLS = (4, 3)  # ids no standard tool claims (debugger 0, coverage 1, profiler 2, optimizer 5)


def watch_coroutines(tracer):
    """Python 3.12+: sys.monitoring times when the user's coroutines start (PY_START) and, for
    those that became spans, return (PY_RETURN) or are left by an exception (PY_UNWIND, which also
    says what it was), so a span covers the time its coroutine ran, not the task steps it was seen
    in (a coroutine that computes 100 ms before its first await holds those 100 ms). Every other function stops reporting after its first start (DISABLE), and so
    does a coroutine that has only started tasks so far (a task's first step times its start), or
    that QUIET_AFTER_STARTS starts have never made a span.
    Returns the function that stops it (None where there is no sys.monitoring or no free tool id)."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return None
    tool = next((t for t in MONITORING_TOOLS if monitoring.get_tool(t) is None), None)
    if tool is None:
        return None  # both taken by the program's own tools: spans are timed by the steps they are seen in
    events, disable = monitoring.events, monitoring.DISABLE
    frame_times = tracer.frame_times
    frame_errors = tracer.frame_errors
    getframe = sys._getframe
    # By id(code), as returns_watched is (hashing a code object hashes its contents).
    span_codes = {}
    task_codes = {}  # started only as tasks' own coroutines so far: their PY_START is disabled
    starts = {}  # id(code) -> starts seen of a coroutine that has never been a span
    quiet_codes = {}  # never a span in their first QUIET_AFTER_STARTS starts: their PY_START is disabled
    prune_at = PRUNE_FRAME_TIMES_AT
    # The garbage collector closes the coroutines of a task the program dropped, and each frame
    # left is reported: noted, a frame would keep what it held (from 3.15, the task) until another
    # collection.
    collecting = False

    def on_collection(phase, info):
        nonlocal collecting
        collecting = phase == "start"

    def on_start(code, offset):
        nonlocal prune_at
        try:
            if not code.co_flags & CO_COROUTINE_OR_ASYNC_GENERATOR or not is_users(code):
                return disable
            current = tracer.current
            if current is not None:
                frame = getframe(1)
                key = id(code)
                if span_codes.get(key) is not code:
                    if frame is current._tl_coro.cr_frame:
                        task_codes[key] = code
                        return disable
                    seen = starts.get(key, 0)
                    if seen >= QUIET_AFTER_STARTS:
                        del starts[key]
                        quiet_codes[key] = code
                        return disable
                    starts[key] = seen + 1
                frame_times[frame] = perf_counter_ns()
                if len(frame_times) >= prune_at:
                    prune_returned(frame_times)
                    prune_at = max(PRUNE_FRAME_TIMES_AT, 2 * len(frame_times))
        except Exception:
            pass
        return None

    def on_return(code, offset, value):
        try:
            if tracer.current is not None and not collecting:
                frame_times[getframe(1)] = perf_counter_ns()
        except Exception:
            pass

    # An async generator's span codes only, at its items: an await that suspends yields and
    # resumes too, but its task's step ends with the span awaited (such a place stops reporting).
    def on_yield(code, offset, value):
        try:
            if type(value).__name__ != ITEM_TYPE_NAME:
                return disable
            if tracer.current is not None and not collecting:
                frame = getframe(1)
                frame_times[frame] = perf_counter_ns()
                frame_errors[frame] = YIELDED
        except Exception:
            pass
        return None

    def on_resume(code, offset):
        # Asked for the next item (or, asynccontextmanager's, to leave): a span from here if it waits.
        try:
            if code.co_code[offset + 1] & RESUME_WHERE != RESUMES_AFTER_YIELD:
                return disable
            if tracer.current is not None and not collecting:
                frame = getframe(1)
                frame_times[frame] = perf_counter_ns()
                frame_errors.pop(frame, None)
        except Exception:
            pass
        return None

    def on_unwind(code, offset, exception):
        # A global event (every frame an exception leaves): the span's codes only.
        try:
            if span_codes.get(id(code)) is code and tracer.current is not None and not collecting:
                frame = getframe(1)
                frame_times[frame] = perf_counter_ns()
                frame_errors[frame] = exception
        except Exception:
            pass

    def watch_span(code):
        if not span_codes:
            # Only once there are spans: a frame left by an exception costs a call from now on.
            monitoring.set_events(tool, events.PY_START | events.PY_UNWIND)
        span_codes[id(code)] = code
        monitoring.set_local_events(tool, code, events.PY_RETURN | (events.PY_YIELD | events.PY_RESUME if code.co_flags & CO_ASYNC_GENERATOR else 0))
        if task_codes.pop(id(code), None) is code or quiet_codes.pop(id(code), None) is code:
            # Its starts were switched off while it only started tasks, or had never been a span
            # (QUIET_AFTER_STARTS). This turns back on every start switched off (of every tool):
            # each reports once more and is switched off again.
            monitoring.restart_events()

    def stop():
        tracer.watch_returns = None
        if on_collection in gc.callbacks:
            gc.callbacks.remove(on_collection)
        monitoring.set_events(tool, 0)
        for code in span_codes.values():
            monitoring.set_local_events(tool, code, 0)
        monitoring.free_tool_id(tool)

    monitoring.use_tool_id(tool, "tasklane")
    monitoring.register_callback(tool, events.PY_START, on_start)
    monitoring.register_callback(tool, events.PY_RETURN, on_return)
    monitoring.register_callback(tool, events.PY_UNWIND, on_unwind)
    monitoring.register_callback(tool, events.PY_YIELD, on_yield)
    monitoring.register_callback(tool, events.PY_RESUME, on_resume)
    monitoring.set_events(tool, events.PY_START)
    gc.callbacks.append(on_collection)
    tracer.watch_returns = watch_span
    return stop
