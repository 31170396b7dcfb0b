"""What a task waits for: its await chain, walked when it suspends, and the words for it."""

import asyncio
import concurrent.futures
import gc
from types import AsyncGeneratorType, CoroutineType, GeneratorType

from .code import ASYNC_GENERATOR_STEPS, ASYNCIO, USER, _code_kinds, async_generator_of, callable_name, code_kind, coroutine_name, is_package_file, is_users, seconds, wrapped_coroutine

SLEEP0_LABEL = "sleep 0 s"


# Awaitables with no frame of their own (asyncio's C Future iterator): where await chains end.
_leaf_types = set()
# Awaitables that pass their send() on to a coroutine they hold (see wrapped_coroutine): chains go on in it.
_wrapping_types = set()


def _coroutine_wrapper_type():
    """The type of `coro.__await__()`: what `await obj` awaits when obj's __await__ hands out a
    coroutine's (aiohttp's `await session.get(…)`, aiosqlite's `await db.execute(…)`)."""
    async def probe():
        pass
    coro = probe()
    wrapper_type = type(coro.__await__())
    coro.close()
    return wrapper_type


_COROUTINE_WRAPPER = _coroutine_wrapper_type()


def coroutine_of(wrapper):
    """The coroutine a coroutine wrapper steps: held as its one reference, with no attribute for it."""
    for ref in gc.get_referents(wrapper):
        if type(ref) is CoroutineType:
            return ref
    return None


def walk_await_chain(coro, links):
    """Where a task's await chain ends, walked once per task step: (chain, users, nested,
    last_user, api, innermost). The lists of links that coroutine spans need, `chain` ([(awaitable,
    code)] from the task's coroutine down) and `users` (those in the user's code), are built only
    when `links`. `nested`: a coroutine of the user's own is awaited inside the task's (a span);
    `last_user`: the innermost awaitable in the user's code; `api`: the first inside asyncio, the
    API the task waits in; `innermost`: the code the chain ends in. Walked by code objects: reading
    a coroutine's frame makes a frame object for it (3.11+), and each asyncio.sleep() is a new one."""
    chain = [] if links else None
    users = [] if links else None
    nested = False
    last_user = api = innermost = None
    obj = coro
    first = True
    while obj is not None:  # locals, not attributes, in the loop: it runs on every task step
        kind = type(obj)
        if kind is CoroutineType:
            code, inner = obj.cr_code, obj.cr_await
        elif kind is GeneratorType:
            code, inner = obj.gi_code, obj.gi_yieldfrom
        elif kind in _leaf_types:
            break
        elif kind is _COROUTINE_WRAPPER:  # `await obj` whose __await__ gave a coroutine's: walk on in it
            obj = coroutine_of(obj)
            if obj is None:
                break
            code, inner = obj.cr_code, obj.cr_await
        elif kind in ASYNC_GENERATOR_STEPS:  # `async for` over an async generator: walk on inside it
            obj = async_generator_of(obj)
            if obj is None:
                break
            code, inner = obj.ag_code, obj.ag_await
        elif kind in _wrapping_types:
            obj = wrapped_coroutine(obj)
            if obj is None:
                break
            code, inner = obj.cr_code, obj.cr_await
        else:  # another awaitable with coroutine-like attributes (Cython, compiled code), or none
            frame = getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None)
            if frame is not None:
                code = frame.f_code
                inner = getattr(obj, "cr_await", None) if hasattr(obj, "cr_await") else getattr(obj, "gi_yieldfrom", None)
            else:
                wrapped = wrapped_coroutine(obj)
                if wrapped is None:
                    if not hasattr(obj, "cr_frame") and not hasattr(obj, "gi_frame"):
                        _leaf_types.add(kind)
                    break
                _wrapping_types.add(kind)  # aiohttp's request context manager: walk on in its coroutine
                obj = wrapped
                code, inner = obj.cr_code, obj.cr_await
        innermost = code
        if links:
            link = (obj, code)
            chain.append(link)
        entry = _code_kinds.get(id(code))
        kind = entry[1] if entry is not None and entry[0] is code else code_kind(code)
        if kind == USER:
            if not first:
                nested = True
            last_user = obj
            if links:
                users.append(link)
        elif kind == ASYNCIO and api is None:
            api = obj
        # (The rest of the standard library, contextlib's wrappers, is passed through.)
        first = False
        obj = inner
    return chain, users, nested, last_user, api, innermost


def project_link(links):
    """The innermost of `links` ([(awaitable, code)] outermost first) in the project's own code,
    not asyncio's nor an installed package's; None if none is."""
    for obj, code in reversed(links):
        if is_users(code) and not is_package_file(code.co_filename):
            return obj
    return None


# Where each kind of awaitable keeps its frame and its code.
_FRAME_AND_CODE = {
    CoroutineType: ("cr_frame", "cr_code"),
    GeneratorType: ("gi_frame", "gi_code"),
    AsyncGeneratorType: ("ag_frame", "ag_code"),
}


def frame_of(awaitable):
    """The frame of a coroutine, generator, async generator or coroutine-like awaitable in an await chain."""
    attributes = _FRAME_AND_CODE.get(type(awaitable))
    if attributes is not None:
        return getattr(awaitable, attributes[0])
    return getattr(awaitable, "gi_frame", None) or getattr(awaitable, "cr_frame", None)


def code_of(awaitable):
    attributes = _FRAME_AND_CODE.get(type(awaitable))
    return getattr(awaitable, attributes[1]) if attributes is not None else frame_of(awaitable).f_code


# An async comprehension runs as a coroutine of its own below 3.12 (`[x async for x in agen()]`):
# part of the function it is written in, no call of the user's.
_COMPREHENSIONS = frozenset(("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"))


def span_links(chain, users, task_name):
    """The user's coroutines awaited inside the task's own, outermost first. A package's wrapper
    coroutine that a task runs (anyio's run() and task groups) is not shown, and the task is named
    after the function it wraps: that function's coroutine, awaited by the wrapper, is the task's
    own too, no span under it of its own name."""
    links = users[1:] if users and users[0] is chain[0] else users
    if (links and len(chain) > 1 and links[0] is chain[1] and is_package_file(chain[0][1].co_filename)
            and coroutine_name(*links[0]) == task_name):
        links = links[1:]
    if any(code.co_name in _COMPREHENSIONS for _, code in links):
        links = [link for link in links if link[1].co_name not in _COMPREHENSIONS]
    return links


# asyncio's helpers that hand out a bare future, known by the done callback they put on it: what
# the wait is for, and the callback's variable that holds the future it follows (by name: 3.14's
# shield also holds the task that called it).
EXECUTOR_FUTURE = "concurrent.futures.Future"
FUTURE_ORIGINS = {
    "_chain_future.<locals>._call_check_cancel": (EXECUTOR_FUTURE, "source"),  # run_in_executor, wrap_future
    "shield.<locals>._outer_done_callback": ("shield", "inner"),
}


def future_origin(future):
    """(label, inner future) for a future an asyncio helper made and the task awaits directly:
    run_in_executor's says what it stands for, shield's leads to the task it shields, and
    wrap_future's to the concurrent future it follows (run_coroutine_threadsafe's)."""
    for callback, _ in getattr(future, "_callbacks", None) or ():
        origin = FUTURE_ORIGINS.get(getattr(callback, "__qualname__", ""))
        if origin is None:
            continue
        label, held_as = origin
        names = getattr(getattr(callback, "__code__", None), "co_freevars", ())
        cells = dict(zip(names, getattr(callback, "__closure__", None) or ()))
        try:
            value = cells[held_as].cell_contents
        except (KeyError, ValueError):  # no such variable, or an empty cell
            return label, None
        if isinstance(value, (asyncio.Future, concurrent.futures.Future)) and value is not future:
            return label, value
        return label, None
    return "", None


# asyncio's inner coroutines that a task waits in, and the private types whose methods it waits
# in (3.13's `async for … in as_completed(…)`), by the API the user called.
INNER_API_NAMES = {"_wait_for_one": "as_completed"}
INNER_API_TYPES = {"_AsCompletedIterator": "as_completed"}


WAIT_FOR_CODE = asyncio.tasks.wait_for.__code__


def wait_for_call(api):
    """(what asyncio.wait_for was given, its timeout) where a task waits in it, `api` being the
    first of asyncio's coroutines in the task's await chain; None elsewhere, or with no timeout.
    From 3.12 it awaits what it was given itself, inside an asyncio.timeout() block; before, it
    runs that as a task of its own and waits for the task: its `fut` either way."""
    if api is None or code_of(api) is not WAIT_FOR_CODE:
        return None
    locals_ = frame_of(api).f_locals
    timeout = locals_.get("timeout")
    return (locals_.get("fut"), timeout) if isinstance(timeout, (int, float)) else None


def awaiter_of(chain, api):
    """The innermost awaitable of the project's own above `api` in a task's await chain (see
    walk_await_chain): the one whose line awaited that API (from 3.12 wait_for awaits a coroutine
    of the user's inside it, whose own line is not the wait_for's)."""
    for at, (obj, _) in enumerate(chain):
        if obj is api:
            return project_link(chain[:at])
    return None


def given_label(given, waiter):
    """An awaitable handed to an asyncio API (wait_for), in words: a coroutine of the user's by
    its name, one of asyncio's as a wait in it is named ("Queue.get", "sleep 0.5 s"), the next
    value of an async generator (`wait_for(anext(agen), 1)`) by the generator's name."""
    if type(given) in ASYNC_GENERATOR_STEPS:
        agen = async_generator_of(given)
        if agen is not None:
            return coroutine_name(agen, agen.ag_code)
    if type(given) is not CoroutineType:
        return type(given).__name__ if given is not None else ""
    if is_users(given.cr_code):
        return coroutine_name(given, given.cr_code)
    api = walk_await_chain(given, False)[4]
    return wait_label(api, waiter) if api is not None else coroutine_name(given, given.cr_code)


def asyncio_wait_label(locals_):
    """asyncio.wait as called: "wait ×3", "wait ×3 FIRST_COMPLETED", "wait ×3, timeout 0.5 s"."""
    futures = locals_.get("fs")
    label = "wait ×%d" % len(futures) if hasattr(futures, "__len__") else "wait"
    when = locals_.get("return_when")
    if when in (asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION):
        label += " " + when
    timeout = locals_.get("timeout")
    if isinstance(timeout, (int, float)):
        label += ", timeout %s s" % seconds(timeout)
    return label


def _primitive_codes():
    """The code of asyncio's waits on a synchronisation primitive: an Event, Condition, Lock,
    Semaphore, Barrier or Queue (and `async with` on a lock, which waits in what __aenter__ awaits)."""
    methods = [
        asyncio.Event.wait, asyncio.Condition.wait, asyncio.Condition.wait_for, asyncio.Lock.acquire,
        asyncio.Lock.__aenter__, asyncio.Semaphore.acquire, asyncio.Queue.get, asyncio.Queue.put, asyncio.Queue.join,
    ]
    barrier = getattr(asyncio, "Barrier", None)  # 3.11+
    if barrier is not None:
        methods.append(barrier.wait)
    return frozenset(method.__code__ for method in methods)


PRIMITIVE_CODES = _primitive_codes()


def awaits_primitive(coro, api):
    """Whether `coro` itself awaits `api`, the first of asyncio's coroutines in a task's await chain,
    and that is a wait on a synchronisation primitive (PRIMITIVE_CODES)."""
    return getattr(coro, "cr_await", None) is api and code_of(api) in PRIMITIVE_CODES


def wait_label(api, waiter):
    """What a task waits for, in asyncio's words: the asyncio API its code called."""
    if api is not None:
        name = code_of(api).co_name
        if name in INNER_API_NAMES:
            return INNER_API_NAMES[name]
        if name == "__aenter__" and type(api) is CoroutineType and type(api.cr_await) is CoroutineType:
            # `async with lock:` waits in what __aenter__ awaits: Lock.acquire, Semaphore.acquire.
            api = api.cr_await
            name = api.cr_code.co_name
        if name == "sleep":
            # sleep(0) yields without a future; reading a frame's locals costs more than its step.
            return SLEEP0_LABEL if waiter is None else "sleep %s s" % seconds(frame_of(api).f_locals.get("delay", 0))
        locals_ = frame_of(api).f_locals
        owner = locals_.get("self")
        if type(owner).__name__ in INNER_API_TYPES:
            return INNER_API_TYPES[type(owner).__name__]
        if name == "wait_for" and owner is None:  # asyncio.wait_for with no timeout (see wait_for_call)
            return "wait_for"
        if name == "wait" and owner is None:  # asyncio.wait, not Condition.wait or Event.wait
            return asyncio_wait_label(locals_)
        if name == "to_thread" and owner is None:
            return "to_thread %s" % callable_name(locals_.get("func"))
        if isinstance(owner, asyncio.AbstractEventLoop):
            return "loop." + name  # as the program calls it (loop.sock_recv), not by the loop's class
        return "%s.%s" % (type(owner).__name__, name) if owner is not None else name
    if waiter is None:
        return "yield"
    return type(waiter).__name__
