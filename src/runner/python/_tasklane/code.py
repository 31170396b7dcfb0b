"""Where code comes from: the user's, or asyncio's and the runner's; sites, names and errors as the trace words them."""

import asyncio
import asyncio.base_events
import bisect
import builtins
import dis
import functools
import gc
import os
import re
import sys
import sysconfig
from inspect import CO_COROUTINE
from types import AsyncGeneratorType, CoroutineType, GeneratorType

ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
RUNNER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the runner and this package
TASKGROUPS_FILE = os.path.join(ASYNCIO_DIR, "taskgroups.py")  # 3.11+


def raised_through(error):
    """An error raised through a frame of the runner's (a stand-in's for create_task given no
    coroutine, the step hook's): its traceback without that frame's entry, the caller's. A bare
    `raise` after it adds none (3.11+: below that, a bare `raise` re-raises the traceback the
    frame caught)."""
    tb = error.__traceback__
    if tb is not None and tb.tb_frame is sys._getframe(1):
        error.__traceback__ = tb.tb_next


def _in_runner(tb):
    return tb.tb_frame.f_code.co_filename.startswith(RUNNER_DIR + os.sep)


def without_runner_entries(tb):
    """A traceback without the entries of the runner's frames. Below 3.11 a stand-in's frame stays
    in what it raises through (see raised_through); the traceback the program ends with is shown
    without it."""
    while tb is not None and _in_runner(tb):
        tb = tb.tb_next
    entry = tb
    while entry is not None:
        after = entry.tb_next
        while after is not None and _in_runner(after):
            after = after.tb_next
        entry.tb_next = after
        entry = after
    return tb


_absolute = {}
_code_kinds = {}

# What code is to the trace: the user's (third-party packages included, as node_modules are to the
# Node runner); asyncio's, the runner's or frozen (the APIs a wait is worded by); or the rest of
# the standard library, whose wrappers (contextlib's, unittest's) are part of no one's story, as
# Node's own modules are not.
USER, ASYNCIO, STDLIB = 0, 1, 2
_STDLIB_DIRS = tuple({os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "platstdlib")})


def absolute(filename):
    path = _absolute.get(filename)
    if path is None:
        path = _absolute[filename] = os.path.abspath(filename)
    return path


def file_kind(filename):
    """USER, ASYNCIO or STDLIB for a code object's file (see code_kind)."""
    if filename.startswith(ASYNCIO_DIR) or filename.startswith(RUNNER_DIR) or filename.startswith("<frozen"):
        return ASYNCIO
    if filename.startswith(_STDLIB_DIRS) and "site-packages" not in filename and "dist-packages" not in filename:
        return STDLIB
    return USER


def code_kind(code):
    """USER, ASYNCIO or STDLIB. Cached by the code object's identity: hashing a code object hashes
    its contents, about 450 ns on 3.12+, more than a step."""
    entry = _code_kinds.get(id(code))
    if entry is not None and entry[0] is code:
        return entry[1]
    kind = file_kind(code.co_filename)
    _code_kinds[id(code)] = (code, kind)
    return kind


def is_library(code):
    """Code of asyncio, of the runner or frozen: never the user's, and what waits are worded by."""
    return code_kind(code) == ASYNCIO


def is_users(code):
    """Code of the user's, not of the standard library (asyncio's included) or the runner."""
    return code_kind(code) == USER


_line_sites = {}


def line_site(frame):
    """file:line:1 of where a frame is now, cached by its instruction offset (working out the line
    from the offset, let alone formatting it, costs more than the task step)."""
    code = frame.f_code
    key = (id(code), frame.f_lasti)
    entry = _line_sites.get(key)
    if entry is None or entry[0] is not code:
        entry = _line_sites[key] = (code, "%s:%d:1" % (absolute(code.co_filename), frame.f_lineno))
    return entry[1]


# The code of the runner's step hook, set by hooks.install(): below it on the stack is the loop itself.
step_hook_code = None


_near_sites = {}


def user_site(frame):
    """file:line:column of the first frame outside asyncio and the runner; "" when asyncio made
    the task in a callback of the loop's own (a start_server handler for a new connection): the
    user's frame below that is only where the loop was started. Cached when the answer comes from
    `frame` or the one below (asyncio.create_task called from the user's code), by both frames'
    code and offset: walking costs a task more than its record."""
    back = frame.f_back
    key = (id(frame.f_code), frame.f_lasti, id(back.f_code), back.f_lasti) if back is not None else None
    entry = _near_sites.get(key)
    if entry is not None and entry[0] is frame.f_code and entry[1] is back.f_code:
        return entry[2]
    site, depth = walk_to_user_site(frame)
    if key is not None and depth <= 1:
        _near_sites[key] = (frame.f_code, back.f_code, site)
    return site


def is_package_file(filename):
    """An installed package's file (site-packages), not the project's own: user code, but a site
    in it is shown at the project's call of the package, as a debugger's ignore list would."""
    return _PACKAGE_DIR in filename or _DIST_PACKAGE_DIR in filename


_PACKAGE_DIR = os.sep + "site-packages" + os.sep
_DIST_PACKAGE_DIR = os.sep + "dist-packages" + os.sep


def definition_site(code):
    """file:line:1 of where a function is defined."""
    return "%s:%d:1" % (absolute(code.co_filename), code.co_firstlineno)


def walk_to_user_site(frame):
    """user_site() walked, with how many frames below `frame` it looked: the first user frame, or
    below an installed package's the first of the project's (if any before the loop's own code)."""
    depth = 0
    package_site = ""
    while frame is not None:
        code = frame.f_code
        if code is step_hook_code:
            break
        if is_users(code):
            if not is_package_file(code.co_filename):
                return line_site(frame), depth
            package_site = package_site or line_site(frame)
        frame = frame.f_back
        depth += 1
    if package_site:
        package_only_sites.add(package_site)
    return package_site, depth


# Sites user_site() answered with a package's line, none of the project's being on the stack.
package_only_sites = set()


def seconds(value):
    """A duration as a label shows it: three significant digits, whole seconds from 100 up
    ("0.0845", "5", "120"); random delays would otherwise read 0.0845123."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "%d" % round(value) if 100 <= value < 1e15 else "%.3g" % value


# The instructions a coroutine suspends at: one per await, async for and async with (twice).
SUSPENDS = frozenset(dis.opmap[name] for name in ("YIELD_VALUE", "YIELD_FROM") if name in dis.opmap)


def awaits_at_one_place(code):
    """Whether a coroutine's own code suspends at one instruction only (`for ...: await
    asyncio.sleep(0)`): wherever it waits, it waits there. Read from the opcodes themselves (every
    other byte; co_code has its caches zeroed): dis.get_instructions takes 0.5-1.5 ms on a long
    function, which the loop lane would show as idle."""
    opcodes = code.co_code[0::2]
    return sum(opcodes.count(opcode) for opcode in SUSPENDS) == 1


# What a name awaited is loaded by: a variable (LOAD_FAST_BORROW from 3.14), then its attributes.
_NAME_LOADS = frozenset(("LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_CHECK", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF"))
_awaited_names = {}  # id(code) -> (code, offsets of its GET_AWAITABLE instructions, the name each awaits or "")


def awaited_name(frame):
    """The variable or attribute a coroutine suspended in `frame` awaits, as written (`await
    client.reply`: "client.reply"); "" where it awaits anything else (a call's result). Read from
    the code's instructions, once for each code object (dis takes up to a millisecond or so)."""
    code = frame.f_code
    entry = _awaited_names.get(id(code))
    if entry is None or entry[0] is not code:
        entry = _awaited_names[id(code)] = (code, *_names_awaited(code))
    # The await under way is the last to begin at or before the frame's instruction.
    at = bisect.bisect_right(entry[1], frame.f_lasti) - 1
    return entry[2][at] if at >= 0 else ""


def _names_awaited(code):
    offsets, names = [], []
    instructions = list(dis.get_instructions(code))
    for index, instruction in enumerate(instructions):
        if instruction.opname != "GET_AWAITABLE":
            continue
        start = index - 1
        while start >= 0 and instructions[start].opname == "LOAD_ATTR":
            start -= 1
        loaded = instructions[start] if start >= 0 else None
        name = ""
        if loaded is not None and loaded.opname in _NAME_LOADS:
            name = ".".join(str(step.argval) for step in instructions[start:index])
        offsets.append(instruction.offset)
        names.append(name)
    return offsets, names


def code_name(code):
    """A function as the user wrote it: `fetch`, `Client.fetch` (3.11+), `limited` for one nested in `main`."""
    return unnested(getattr(code, "co_qualname", code.co_name))


def coroutine_name(coro, code):
    """What a coroutine runs, as code_name says it; below 3.11, where code objects do not know their
    class, from the coroutine's own qualname (`Client.fetch`, not `fetch`)."""
    return unnested(getattr(code, "co_qualname", None) or getattr(coro, "__qualname__", None) or code.co_name)


def unnested(qualname):
    """`main.<locals>.limited` as `limited`: the function that defines it is not part of its name."""
    return qualname.rpartition("<locals>.")[2]


def callable_name(func):
    """A function as the user wrote it: `blocking`, `Client.fetch`, `<lambda>` (a partial by what it wraps)."""
    while isinstance(func, functools.partial):
        func = func.func
    return unnested(getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or type(func).__name__)


def coroutine_code(coro):
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        if type(coro) in ASYNC_GENERATOR_STEPS:
            agen = async_generator_of(coro)
            return agen.ag_code if agen is not None else None
        inner = wrapped_coroutine(coro)
        code = inner.cr_code if inner is not None else None
    return code


def _async_generator_step_types():
    """The types of `agen.asend(...)` and `agen.athrow(...)` (which `agen.aclose()` is too): what
    `async for` awaits, and what asyncio's finalizer of an async generator left unfinished runs."""
    async def probe():
        yield
    agen = probe()
    steps = (agen.asend(None), agen.athrow(GeneratorExit))
    for step in steps:
        step.close()
    return tuple(type(step) for step in steps)


ASEND, ATHROW = _async_generator_step_types()
ASYNC_GENERATOR_STEPS = {ASEND, ATHROW}


def async_generator_of(step):
    """The async generator an asend/athrow awaitable steps. It has no attribute for it, but it
    holds it as one of its references."""
    for ref in gc.get_referents(step):
        if type(ref) is AsyncGeneratorType:
            return ref
    return None


def wrapped_coroutine(obj):
    """The coroutine run by an awaitable that is a coroutine by the Coroutine ABC and passes its
    send() on to one (aiohttp's request context manager, session.get(url), its `_coro`), if any."""
    try:
        inner = getattr(obj, "_coro", None)
    except Exception:  # a __getattr__ of the program's that fails
        return None
    return inner if type(inner) is CoroutineType else None


def handed_site(coro):
    """Where the project's coroutine function is defined whose coroutine a package's wrapper
    coroutine, not yet started, was handed to run (an argument, or an argument's `_coro`: anyio's
    TaskHandle, whose `_run_coro` each task of a task group runs); else None."""
    frame = getattr(coro, "cr_frame", None)
    try:
        values = list(frame.f_locals.values()) if frame is not None else ()
    except Exception:  # a frame's locals that cannot be read
        return None
    for value in values:
        inner = value if type(value) is CoroutineType else wrapped_coroutine(value)
        if inner is not None:
            code = inner.cr_code
            return definition_site(code) if is_users(code) and not is_package_file(code.co_filename) else None
    return None


def is_awaitable_wrapper(code):
    """asyncio's coroutine that runs an awaitable that is no coroutine as a task: ensure_future's,
    so gather's and wait_for's (`gather(Request(a), Request(b))` of objects with an `__await__`)."""
    return code.co_name == "_wrap_awaitable" and code.co_filename.startswith(ASYNCIO_DIR)


def awaitable_name(coro):
    """What a task of asyncio's awaitable wrapper runs, by name: a generator-based coroutine by its
    function's, another awaitable by its class's (`Request`); None once the task has run."""
    frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
    try:
        awaitable = frame.f_locals.get("awaitable") if frame is not None else None
    except Exception:  # a frame's locals that cannot be read
        return None
    if awaitable is None:
        return None
    return awaitable.__qualname__ if isinstance(awaitable, GeneratorType) else type(awaitable).__qualname__


_coroutine_origins = {}


def coroutine_origin(coro):
    """(code, name, whether asyncio's or the runner's, whether only they start tasks of it) of a
    task's coroutine, cached by the code object's identity: worked out anew, they cost a task more
    than its record."""
    code = coro.cr_code if type(coro) is CoroutineType else coroutine_code(coro)
    entry = _coroutine_origins.get(id(code))
    if entry is None or entry[0] is not code:
        library = code is not None and is_library(code)
        name = coroutine_name(coro, code) if code is not None else None
        if library and id(code) in _event_loop_coroutines():
            name = "loop." + code.co_name  # as the program calls it (loop.shutdown_asyncgens), not by the loop's class
        entry = _coroutine_origins[id(code)] = (code, name, library, library and tasks_only_asyncio_starts(code))
    if type(coro) is ATHROW and entry[1] is not None:
        # asyncio's task closing an async generator an `async for` left (agen.aclose()): its
        # finally runs there, as the generator's, not as an unnamed "Task-7".
        return (code, entry[1] + ".aclose", entry[2], entry[3])
    return entry


def tasks_only_asyncio_starts(code):
    """asyncio's own coroutines that asyncio alone runs as tasks: private ones (a subprocess's
    `_read_stream`) and the event loop's methods (`shutdown_asyncgens`, started by asyncio.run). A
    public one (`sleep`, `to_thread`, `Queue.get`, `Server.serve_forever`) run as a task was the
    user's to start."""
    return (
        not code.co_filename.startswith(ASYNCIO_DIR)
        or id(code) in _event_loop_coroutines()
        or any(part.startswith("_") for part in code_name(code).split("."))
    )


_loop_coroutines = None


def _event_loop_coroutines():
    """The ids of the code of every coroutine method of asyncio's event loop classes (kept alive
    by the classes). By class, not file: base_events.py also holds Server, whose serve_forever
    the user runs as a task."""
    global _loop_coroutines
    if _loop_coroutines is None:
        codes = set()
        classes = [asyncio.base_events.BaseEventLoop]
        while classes:
            cls = classes.pop()
            classes.extend(cls.__subclasses__())
            for value in vars(cls).values():
                code = getattr(value, "__code__", None)
                if code is not None and code.co_flags & CO_COROUTINE and code.co_filename.startswith(ASYNCIO_DIR):
                    codes.add(id(code))
        _loop_coroutines = codes
    return _loop_coroutines


def given_name_of(task):
    """task.get_name(), or None where the program's Task class fails to give a string (its get_name()
    raises): the task is then named as one left with asyncio's default name."""
    try:
        name = task.get_name()
    except Exception:
        return None
    return name if isinstance(name, str) else None


def task_name(given_name, coroutine_name, module=None):
    """A task's name: the one it was given, or for asyncio's default ("Task-7"; "None" for a task
    of eager_task_factory on 3.13.0, which passes name=None on) its coroutine's; so too for the
    name anyio gives every task, its function's `module` and qualified name (`__main__.worker`)."""
    if coroutine_name is None:
        return given_name
    if given_name.startswith("Task-") or given_name == "None":
        return coroutine_name
    if module and given_name.startswith(module + ".") and unnested(given_name[len(module) + 1:]) == coroutine_name:
        return coroutine_name
    # The same of a function of the script's run in a wrapper coroutine of the library's (anyio's
    # run() and task groups): the script's module is no part of what the user calls it; nor is
    # a library's module of what it calls its own functions.
    if given_name.startswith("__main__."):
        return unnested(given_name[len("__main__."):])
    if "." in given_name:
        return function_named(given_name) or given_name
    return given_name


def function_named(given_name):
    """The function a task is named after as anyio names every task, by its module and qualified
    name (`anyio._core._sockets.connect_tcp.<locals>.try_connect`, `asyncio.tasks.sleep`), by its
    own name (`try_connect`); None for a name that is no such path (`jobs.worker`, given by hand).
    The module is one imported, the longest such prefix; the rest a local function's path, or one
    found in it."""
    name = _functions_named.get(given_name, False)
    if name is False:
        name = _function_named(given_name)
        if len(_functions_named) < MAX_FUNCTION_NAMES:
            _functions_named[given_name] = name
    return name


_functions_named = {}
MAX_FUNCTION_NAMES = 4096


def _function_named(given_name):
    parts = given_name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:split]))
        if module is None:
            continue
        qualname = ".".join(parts[split:])
        if "<locals>" in qualname:
            return unnested(qualname)
        found = module
        for part in parts[split:]:  # through the namespaces' own entries: a module's __getattr__ may import
            found = getattr(found, "__dict__", {}).get(part)
        return unnested(qualname) if callable(found) and getattr(found, "__qualname__", None) == qualname else None
    return None


def tell(message):
    """Says `message` (one line of the runner's) on the program's stderr, as the process began with it."""
    stderr = sys.__stderr__
    if stderr is not None:
        stderr.write("tasklane: %s\n" % message)
        stderr.flush()


def served_request(coro):
    """The HTTP request a server's task serves, as `GET /users/1`: one an ASGI server runs (uvicorn's
    request cycle keeps the request's `scope` on the object whose method the task runs), or one
    given to the coroutine as its `request` (aiohttp's _handle_request); else None."""
    frame = getattr(coro, "cr_frame", None)
    if frame is None:
        return None
    arguments = frame.f_locals
    try:
        scope = getattr(arguments.get("self"), "scope", None)
        if isinstance(scope, dict) and scope.get("type") in ("http", "websocket"):
            method, path = (scope.get("method") if scope["type"] == "http" else "WebSocket"), scope.get("path")
        else:
            request = arguments.get("request")
            method, path = getattr(request, "method", None), getattr(request, "path", None)
    except Exception:  # a property of the program's that fails: no request to name it by
        return None
    if not isinstance(method, str) or not isinstance(path, str) or not HTTP_METHOD.match(method):
        return None
    return "%s %s" % (method, path)


HTTP_METHOD = re.compile(r"^(?:[A-Z]+|WebSocket)$")


def coroutine_module(coro):
    """The module a coroutine's function is in, while it has a frame; else None."""
    frame = getattr(coro, "cr_frame", None)
    return frame.f_globals.get("__name__") if frame is not None else None


def renamed_task_name(given_name, coro):
    """task_name for a task named after it was made (Task.set_name; create_task(name=…) below 3.12)."""
    return task_name(given_name, coroutine_origin(coro)[1], coroutine_module(coro))


def task_group_of(frame):
    """The TaskGroup whose create_task made a task (`frame` called loop.create_task), if any."""
    code = frame.f_code
    if code.co_name == "create_task" and code.co_filename == TASKGROUPS_FILE:
        return frame.f_locals.get("self")
    return None


# How many causes deep, and how many grouped exceptions, an end message tells (Python prints them
# all; a lane's label has less room).
MAX_CAUSES = 3
MAX_MEMBERS = 3


def headline(exc):
    """`ValueError: bad input` as a traceback's last line says it; the type alone with no message."""
    try:
        text = str(exc)
    except Exception:  # the program's __str__ raised: its type says what it is
        text = ""
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def members_of(exc):
    """The exceptions an ExceptionGroup groups (a TaskGroup's, one for each failed task), as an end
    message tells them: " [ValueError: fetch 4 failed]"; "" for an exception grouping none."""
    try:
        members = exc.exceptions if isinstance(exc, getattr(builtins, "BaseExceptionGroup", ())) else ()
        told = [headline(member) for member in members[:MAX_MEMBERS]]
        more = len(members) - len(told)
    except Exception:  # its class hides them (a __getattribute__ that raises)
        return ""
    if not told:
        return ""
    return " [%s%s]" % ("; ".join(told), "; …%d more" % more if more else "")


def is_remote_traceback(cause):
    """Whether an exception's cause is the traceback a process pool's worker sent with it, as text
    (concurrent.futures.process._RemoteTraceback): where it was raised, not why."""
    kind = type(cause)
    return kind.__name__ == "_RemoteTraceback" and kind.__module__ == "concurrent.futures.process"


_REMOTE_FRAME = re.compile(r'^  File "(.+)", line (\d+), in ', re.M)


def remote_site(exc):
    """file:line:1 of the user's innermost frame in the traceback a process pool's worker sent
    with `exc`, or ""."""
    try:
        cause = exc.__cause__
        text = cause.tb if is_remote_traceback(cause) else None
    except Exception:
        return ""
    if not isinstance(text, str):
        return ""
    sites = [(name, line) for name, line in _REMOTE_FRAME.findall(text) if file_kind(name) == USER]
    own = [entry for entry in sites if not is_package_file(entry[0])]
    name, line = (own or sites or [("", "")])[-1]
    return "%s:%s:1" % (absolute(name), line) if name else ""


def causes_of(exc):
    """The chain a traceback prints above the exception, as an end message tells it: " (caused by
    OSError: disk full)" for `raise … from`, " (while handling KeyError: 'id')" for one raised in
    an except block; "" with none. A CancelledError is no cause: asyncio.timeout raises its
    TimeoutError from the cancellation by which it stopped the wait, its mechanism, not a reason;
    nor is a process pool's worker's traceback (see remote_site)."""
    told = []
    seen = {id(exc)}
    try:
        while len(told) < MAX_CAUSES:
            cause = exc.__cause__
            how = "caused by"
            if cause is None and not exc.__suppress_context__:
                cause, how = exc.__context__, "while handling"
            if cause is None or id(cause) in seen or isinstance(cause, asyncio.CancelledError) or is_remote_traceback(cause):
                break
            seen.add(id(cause))
            told.append("%s %s" % (how, headline(cause)))
            exc = cause
    except Exception:  # its class hides them (a __getattribute__ that raises): what was read so far stands
        pass
    return " (%s)" % "; ".join(told) if told else ""


def exception_of(future):
    """A done future's exception, read without marking it retrieved: future.exception() would
    silence asyncio's "exception was never retrieved" report, which the program prints untraced."""
    try:
        return future._exception
    except AttributeError:  # a future type without asyncio's attribute
        return future.exception()


def describe_error(exc):
    message = headline(exc) + members_of(exc) + causes_of(exc)
    site = package_site = ""
    try:
        tb = exc.__traceback__
    except Exception:  # its class hides it (a __getattribute__ that raises): where it was raised is not known
        tb = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_users(code):
            where = "%s:%d:1" % (absolute(code.co_filename), tb.tb_lineno)
            if is_package_file(code.co_filename):
                package_site = where
            else:
                site = where
        tb = tb.tb_next
    # Raised in a process pool's worker: where, in the worker's code, rather than where it was re-raised.
    return message, remote_site(exc) or site or package_site
