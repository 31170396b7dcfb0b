"""Coroutines awaited directly, not wrapped in a task: spans on their task's lane."""

import asyncio
import dis
import weakref

from .awaits import frame_of, project_link
from .code import coroutine_name, definition_site, describe_error, is_package_file, is_users, line_site
from .coroutine_watch import RESUME_WHERE, RESUMES_AFTER_YIELD, YIELDED
from .taskstate import cancelled_by

# The instructions a frame returns by: at any other, a finished coroutine's frame was left by an exception.
RETURNS = frozenset(dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap)


RETURNED = "returned"


def held_weakly(obj):
    """A span's coroutine, held weakly: one the program lets go of (an async generator an `async
    for` broke out of) is finalized as it is untraced, in its task's step and context (its
    `finally`, run by asyncio, sees the task's context variables), not as the tracer lets go."""
    try:
        return weakref.ref(obj)
    except TypeError:  # an awaitable of a type with no weak references
        return lambda: obj


def left_by(obj, frame):
    """How a coroutine left the frame it ran in: RETURNED, file:line:1 where it raised what left
    it, or None if it has not (it is suspended). Its frame, held since the span began, keeps its
    last instruction: so a coroutine whose caller caught what it raised, or one that caught a
    cancellation and returned, is told apart where sys.monitoring does not say (below 3.12); an
    async generator the program let go of (`obj` None) at a yield is suspended there. An
    async iterator's `__anext__` raising StopAsyncIteration has returned, as `async for` takes it."""
    if frame is None or frame_of(obj) is not None or frame.f_lasti < 0 or (obj is None and at_yield(frame)):
        return None
    if frame.f_code.co_code[frame.f_lasti] in RETURNS or frame.f_lasti in _iteration_ends(frame.f_code):
        return RETURNED
    return line_site(frame)


def at_yield(frame):
    """Whether the frame of an async generator the program let go of stopped at a yield (after it,
    3.13+): it was left suspended there, by an `async for` that broke out, not by an exception."""
    code = frame.f_code.co_code
    op = code[frame.f_lasti]
    return op == YIELD_VALUE or (op == RESUME and code[frame.f_lasti + 1] & RESUME_WHERE == RESUMES_AFTER_YIELD)


YIELD_VALUE = dis.opmap["YIELD_VALUE"]
RESUME = dis.opmap.get("RESUME")  # 3.11+


_iteration_ends_of = {}


def _iteration_ends(code):
    """The offsets of a code's `raise StopAsyncIteration` instructions (its name loaded last before
    the raise), worked out once per code object."""
    entry = _iteration_ends_of.get(id(code))
    if entry is None or entry[0] is not code:
        offsets, loaded = set(), None
        # Disassembling takes 0.5-1.5 ms on a long function: only where the name is used at all.
        for instruction in dis.get_instructions(code) if "StopAsyncIteration" in code.co_names else ():
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                loaded = instruction.argval
            elif instruction.opname == "RAISE_VARARGS" and loaded == "StopAsyncIteration":
                offsets.add(instruction.offset)
        entry = _iteration_ends_of[id(code)] = (code, frozenset(offsets))
    return entry[1]


class SpanRecorder:
    """The tracer's records of spans (a part of Tracer: it uses its enc, ids and sys.monitoring's times)."""

    def update_spans(self, state, users, chain, ns):
        """Coroutines awaited directly are spans on their task's lane, as tasks of kind coroutine."""
        keep = 0
        while keep < len(state._tl_spans) and keep < len(users) and state._tl_spans[keep][0]() is users[keep][0]:
            keep += 1
        # Coroutines left in a step that delivered a cancellation were cancelled (wait_for on 3.12+).
        self.close_spans(state, keep, ns, *(("cancelled", cancelled_by(state), "") if state._tl_cancelling else ()))
        if not state._tl_spans and len(users) > keep:
            state._tl_spans = []
        links = users[keep:]
        if not links:
            return
        frames = [frame_of(obj) for obj, _ in links]
        # Seen now, as the step ends; sys.monitoring (3.12+) saw when each started (or an async
        # generator span was resumed for an item) in the step. A span starts no later than one it
        # awaits, where its start was not seen: an async generator first a span now, resumed in
        # the step after yielding items in earlier ones (httpx's Response.aiter_raw).
        starts = [self.frame_times.get(frame, ns) for frame in frames]
        for i in range(len(starts) - 2, -1, -1):
            if starts[i + 1] < starts[i]:
                starts[i] = starts[i + 1]
        for link, frame, start in zip(links, frames, starts):
            obj, code = link
            ident = self.new_id()
            parent = state._tl_spans[-1][1] if state._tl_spans else state._tl_ident
            # Where the user's code awaited it, through asyncio's own frames if any (wait_for on 3.12+),
            # else where the task of asyncio's own coroutine that awaits it was made.
            index = chain.index(link) - 1
            while index >= 0 and not is_users(chain[index][1]):
                index -= 1
            # Awaited in a package: at the project's await of the package, if any, else a coroutine
            # of the project's (a framework's handler) at the coroutine, as a task is placed.
            project = project_link(chain[:index + 1])
            if project is not None:
                site = line_site(frame_of(project))
            elif index >= 0 and is_package_file(chain[index][1].co_filename) and not is_package_file(code.co_filename):
                site = definition_site(code)
            else:
                site = line_site(frame_of(chain[index][0])) if index >= 0 else getattr(state, "_tl_made_at", "")
            self.enc.task(start, ident, parent, "coroutine", coroutine_name(obj, code), site)
            state._tl_spans.append((held_weakly(obj), ident, frame))
            if self.watch_returns is not None and self.returns_watched.get(id(code)) is not code:
                self.returns_watched[id(code)] = code
                self.watch_returns(code)

    def close_spans(self, state, keep, ns, end_state="resolved", message="", site=""):
        """Ends spans from the innermost out: as `end_state` at `ns`, or, for a coroutine sys.monitoring
        saw leave in this step (3.12+), as it left then: returned, or raised (also when its caller
        caught what it raised), cancelled, or closed. Else one seen to have returned is resolved,
        and one that raised while its task goes on is rejected where it raised (what it raised is
        gone by then)."""
        while len(state._tl_spans) > keep:
            held, ident, frame = state._tl_spans.pop()
            obj = held()  # None once the program let go of it
            self.released_frames.append(frame)  # let go of outside the record lock (see step_hook)
            left = self.frame_times.get(frame)
            if left is None:
                how = left_by(obj, frame)
                if how is RETURNED:
                    self.enc.end(ns, ident, "resolved", "", "")
                elif how is not None and end_state == "resolved":
                    self.enc.end(ns, ident, "rejected", "", how)
                else:
                    self.enc.end(ns, ident, end_state, message, site)
                continue
            error = self.frame_errors.get(frame)
            if error is None or error is YIELDED or isinstance(error, (GeneratorExit, StopAsyncIteration)):  # (an async iterator's end)
                self.enc.end(left, ident, "resolved", "", "")
            elif isinstance(error, asyncio.CancelledError):
                self.enc.end(left, ident, "cancelled", cancelled_by(state), "")
            else:
                self.enc.end(left, ident, "rejected", *describe_error(error))
