"""Tasks asyncio makes in a callback of its own for a caller elsewhere: the coroutine handed to
another thread's loop (run_coroutine_threadsafe), a server's handler for each connection. Each is
made by the task that asked for it, where it asked. And the calls run_in_executor hands to
another thread or process, and the child processes asyncio starts, which are tasks of kind io of
the task that made them."""

import asyncio.base_events
import asyncio.subprocess
import asyncio.threads
import contextvars
import json
import os
import re
import signal
import weakref
from threading import get_ident

from .awaits import code_of, frame_of
from .clock import perf_counter_ns
from .code import callable_name, coroutine_origin, describe_error, exception_of, is_library, user_site
from .owners import OWNER, set_owner

TO_THREAD_CODE = asyncio.threads.to_thread.__code__
GETADDRINFO_CODE = asyncio.base_events.BaseEventLoop.getaddrinfo.__code__
# asyncio's subprocess API a task waits in for a child process: to start, or to end.
SUBPROCESS_STARTS = frozenset((asyncio.subprocess.create_subprocess_exec.__code__, asyncio.subprocess.create_subprocess_shell.__code__))
SUBPROCESS_WAITS = SUBPROCESS_STARTS | {asyncio.subprocess.Process.wait.__code__, asyncio.subprocess.Process.communicate.__code__}


def handles_connection(frame):
    """Whether `frame` runs a protocol's code, where a server's handler tasks are made: its
    connection_made, one per connection (asyncio's stream server, aiohttp's RequestHandler), or a
    method of the protocol's, one per request as its data comes in (uvicorn's request cycle)."""
    return frame.f_code.co_name == "connection_made" or isinstance(frame.f_locals.get("self"), asyncio.BaseProtocol)


def connection_transport(frame):
    """The transport of the connection a protocol's code (`frame`, see handles_connection) serves."""
    arguments = frame.f_locals  # read once: each read syncs it (below 3.13) or makes it anew
    transport = arguments.get("transport")
    if transport is None:
        protocol = arguments.get("self")
        transport = getattr(protocol, "transport", None) or getattr(protocol, "_transport", None)
    return transport


def beneath_tls(transport):
    """The transport under a TLS layer's (a stream's or a protocol's over TLS), else None."""
    return getattr(getattr(transport, "_ssl_protocol", None), "_transport", None)


def given_context(func):
    """The context asyncio.to_thread runs its function in (`functools.partial(context.run, func)`),
    if `func` is that; else None."""
    run = getattr(func, "func", None)
    context = getattr(run, "__self__", None)
    return context if isinstance(context, contextvars.Context) and getattr(run, "__name__", "") == "run" else None


class ThreadsafeCall:
    """A run_coroutine_threadsafe() call, until the loop it was sent to makes its task: who called,
    where, and the id and name the task will have. The coroutine is held weakly: one never run
    must still be collected, and warned about, when it would be."""

    __slots__ = ("coro", "parent", "site", "_tl_ident", "_tl_name")

    def __init__(self, coro, parent, site, ident, name):
        self.coro = weakref.ref(coro)
        self.parent = parent
        self.site = site
        self._tl_ident = ident
        self._tl_name = name


class IoTask:
    """A task of kind io that no loop runs (a function run_in_executor or submit runs in another
    thread or process, a child process), as a wait for it leads to it."""

    __slots__ = ("_tl_ident", "_tl_name")

    def __init__(self, ident, name):
        self._tl_ident = ident
        self._tl_name = name


class OriginRecorder:
    """Who asked for such tasks (a part of Tracer: it uses its current task, lock and ids)."""

    def __init__(self):
        # id(coroutine) -> ThreadsafeCall until another thread's loop makes its task, and the
        # future run_coroutine_threadsafe handed out -> the same.
        self.threadsafe_calls = {}
        self.threadsafe_futures = weakref.WeakKeyDictionary()
        # The futures of run_in_executor and of a pool's submit in a task -> IoTask:
        # the future does not say what it runs.
        self.executor_calls = weakref.WeakKeyDictionary()
        # An asyncio future chained to a future done already (wrap_future of a pool's future that
        # has its result) -> that future: from 3.14 the chain completes it at once, in the loop's
        # thread, and keeps no callback that says what it follows (see awaits.future_origin).
        self.chained_to_done = weakref.WeakKeyDictionary()
        # Threads of thread pools running a run_in_executor or submit call now -> its task's id.
        self.executor_threads = {}
        # The transports of child processes -> their tasks (IoTask), and the future
        # each transport's start sets (create_subprocess_exec waits for it) -> the same.
        self.subprocesses = weakref.WeakKeyDictionary()
        self.subprocess_starts = weakref.WeakKeyDictionary()

    def caller(self):
        """The task asking, in the calling thread: its loop's task running now, or the
        run_in_executor call a thread of a thread pool runs (to_thread's function calling
        run_coroutine_threadsafe), else the server, socket or signal whose loop callback runs now,
        or the task that scheduled the one running now, else the script."""
        current = self.running_here()
        if current is not None:
            return current._tl_ident
        if self.io_task_running and get_ident() == self.main_thread:
            return self.io_task_running  # a server's, socket's or signal's callback (see ConnectionRecorder)
        return self.executor_threads.get(get_ident()) or OWNER.get(self.root)

    def on_threadsafe_call(self, coro, frame):
        """asyncio.run_coroutine_threadsafe(coro, loop) called by `frame`; returns what its future is
        noted with. The task is made later, in the loop's thread, with the id taken now: the caller
        may await the future before it is made."""
        with self.sink.lock:
            ident = self.new_id()
        call = ThreadsafeCall(coro, self.caller(), user_site(frame), ident, coroutine_origin(coro)[1])
        self.threadsafe_calls[id(coro)] = call
        return call

    def on_executor_call(self, func, frame):
        """loop.run_in_executor(executor, func, ...), called by `frame`: a task from now until its
        future is done (its function runs in a thread or process the trace does not follow), named
        by what runs, `to_thread blocking` when asyncio.to_thread asked. One asyncio makes for
        itself (`getaddrinfo localhost` for open_connection) is its own work, shown with asyncio's
        own tasks, and named by the waits it holds. Returns what executor_call_made is told."""
        code = frame.f_code
        internal = False
        if code is TO_THREAD_CODE:
            name = "to_thread %s" % callable_name(frame.f_locals.get("func"))
        elif code is GETADDRINFO_CODE:
            name, internal = "getaddrinfo %s" % frame.f_locals.get("host"), True
        else:
            name, internal = "run_in_executor %s" % callable_name(func), is_library(code)
        return self.start_executor_call(name, internal, frame)

    def on_pool_submit(self, func, frame):
        """A thread or process pool's submit(func, ...) called by `frame` in a task's step
        (run_in_executor's own call of it is that call's): a task as run_in_executor's is, `submit
        blocking`, which a wait for its future (`await asyncio.wrap_future(future)`) is for. None
        outside any task's step (a program using a pool without asyncio)."""
        if self.running_here() is None:
            return None
        return self.start_executor_call("submit %s" % callable_name(func), is_library(frame.f_code), frame)

    def start_executor_call(self, name, internal, frame):
        return self.start_io_task(name, self.caller(), user_site(frame), internal)

    def start_io_task(self, name, parent, site, internal=False):
        """A task of kind io (a call run elsewhere, a child process, a socket) starts now."""
        with self.sink.lock:
            ident = self.new_id()
            ns = perf_counter_ns()
            self.settle_current(ns)
            self.enc.task(ns, ident, parent, "io", name, site, internal)
        return IoTask(ident, name)

    def end_io_task(self, task, state, message, site=""):
        with self.sink.lock:
            ns = perf_counter_ns()
            self.settle_current(ns)
            self.enc.end(ns, task._tl_ident, state, message, site)

    def end_io_task_as(self, future, task):
        """`task` ends as its `future` did: cancelled, rejected with its error, or resolved."""
        if future.cancelled():
            self.end_io_task(task, "cancelled", "")
        elif exception_of(future) is not None:
            self.end_io_task(task, "rejected", *describe_error(exception_of(future)))
        else:
            self.end_io_task(task, "resolved", "")

    def in_pool_thread(self, call, func):
        """`func` as a thread of a thread pool runs it for `call`: what it asks for there is the
        call's, a loop callback it schedules (`loop.call_soon_threadsafe(future.set_result, x)`)
        included, which runs in a copy of the context it was scheduled from (see owners.py): so the
        call is named as the owner of that context, or of to_thread's own copy of its caller's."""
        threads = self.executor_threads
        ident = call._tl_ident
        context = given_context(func)
        if context is not None:
            context.run(set_owner, ident)

        def run_as_call(*args, **kwargs):
            thread = get_ident()
            threads[thread] = ident
            owner = set_owner(ident)
            try:
                return func(*args, **kwargs)
            finally:
                OWNER.reset(owner)
                threads.pop(thread, None)

        run_as_call._tl_runs_call = True  # a pool's submit() given it is the call's, no call of its own
        return run_as_call

    def on_future_chained(self, source, destination):
        """asyncio chained `destination` to `source` (wrap_future, run_in_executor): noted where
        `source` is done already (see chained_to_done)."""
        if isinstance(destination, asyncio.Future) and source.done():
            self.chained_to_done[destination] = source

    def executor_call_made(self, call, future):
        """The call noted by on_executor_call or on_pool_submit handed out `future`: its end is the
        call's (in a callback of the loop's, or of the pool's thread for submit's own future)."""
        self.executor_calls[future] = call
        future.add_done_callback(lambda done: self.end_executor_call(done, call))

    def executor_call_failed(self, call, error):
        """run_in_executor or submit raised (the executor shut down): the call's task ends with the error."""
        self.end_io_task(call, "rejected", *describe_error(error))

    def end_executor_call(self, future, call):
        """The future of a run_in_executor or submit call is done (in a callback of the loop's, or
        of the pool's thread, which would report anything raised here on the program's stderr)."""
        if self.sink.broken:
            return
        try:
            self.end_io_task_as(future, call)
        except Exception:
            pass

    def on_subprocess(self, transport, started, frame):
        """asyncio started a child process (create_subprocess_exec or _shell; `frame` made its
        transport, which sets the future `started` once its pipes are connected): a task of the
        task running now until the child exits, named by its command as the Node runner names one
        (`child process sh -c "exit 3"`)."""
        child = self.subprocesses[transport] = self.start_io_task(child_process_name(transport._proc.args), self.caller(), user_site(frame))
        if isinstance(started, asyncio.Future):
            self.subprocess_starts[started] = child

    def child_process_awaited(self, api, waiter):
        """The child process's task a wait in asyncio's subprocess API is for (`api`'s code being
        one of SUBPROCESS_WAITS): the one create_subprocess_exec or _shell is starting, or the
        Process whose wait() or communicate() it is."""
        if waiter is not None and code_of(api) in SUBPROCESS_STARTS:
            return self.subprocess_starts.get(waiter) if isinstance(waiter, asyncio.Future) else None
        process = frame_of(api).f_locals.get("self")
        return self.subprocesses.get(getattr(process, "_transport", None))

    def end_subprocess(self, transport):
        """asyncio is done with the child process of `transport`: it has exited and its pipes have
        closed, as a Node child process ends at its 'close' (its pipes' last data comes after the
        exit). In a callback of the loop's, the child's last run."""
        child = self.subprocesses.get(transport)
        returncode = transport._returncode
        if child is None or returncode is None or self.sink.broken:
            return
        if returncode < 0:
            try:
                outcome = ("cancelled", "killed by %s" % signal.Signals(-returncode).name)
            except ValueError:
                outcome = ("cancelled", "killed by signal %d" % -returncode)
        else:
            outcome = ("resolved" if returncode == 0 else "rejected", "exit code %d" % returncode)
        self.end_io_task(child, *outcome)

    def asked_by(self, coro, frame, serving):
        """(parent id, site, id or None) of a task made for a caller elsewhere (`frame` made it;
        `serving`: in a protocol's code, see handles_connection), else None."""
        call = self.threadsafe_calls.pop(id(coro), None)
        if call is not None and call.coro() is coro:
            return call.parent, call.site, call._tl_ident
        if serving:
            # The transport of the connection knows its server; over TLS, the transport under it does.
            transport = connection_transport(frame)
            server = getattr(transport, "_server", None)
            if server is None:
                server = getattr(beneath_tls(transport), "_server", None)
            asked = self.servers.get(server) if server is not None else None  # see ConnectionRecorder
            if asked is not None:
                return asked[0]._tl_ident, asked[1], None
        return None


MAX_COMMAND_CHARS = 80
PLAIN_WORD = re.compile(r"^[\w@%+=:,./-]+$")


def child_process_name(args):
    """`child process python3 -c "print(1)"`: Popen's args (a shell's command line is run by sh -c),
    the program by its file name, words that need it quoted, cut at MAX_COMMAND_CHARS."""
    words = ["sh", "-c", args] if isinstance(args, (str, bytes)) else list(args)
    shown = []
    for i, word in enumerate(words):
        word = os.fsdecode(word) if isinstance(word, (bytes, os.PathLike)) else str(word)
        if i == 0:
            word = os.path.basename(word)
        shown.append(word if PLAIN_WORD.match(word) else json.dumps(word, ensure_ascii=False))
    command = " ".join(shown)
    if len(command) > MAX_COMMAND_CHARS:
        command = command[:MAX_COMMAND_CHARS - 1] + "\u2026"
    return "child process " + command
