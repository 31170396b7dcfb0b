"""Where the tracer meets asyncio: the loop's Handle._run, BaseEventLoop.create_task, the add()
of asyncio's registry of tasks or Task.__init__ (a task made with asyncio.Task itself),
create_future and run_in_executor, a thread or process pool's submit, _chain_future (wrap_future's),
run_coroutine_threadsafe, Server.__init__ and close, a socket's transport (made and its connection
lost) and connect, a signal handler's adding and removal, a child process's transport (made and exited),
Task.cancel, asyncio.timeout() and Timeout.reschedule (3.11+), _set_running_loop (to notice a loop
that is not asyncio's), and on 3.12+ sys.monitoring (coroutine_watch) for when the user's
coroutines start and return."""

import asyncio
import asyncio.base_events
import asyncio.base_subprocess
import asyncio.events
import asyncio.futures
import asyncio.tasks
import functools
import os
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

from . import code as code_module
from .clock import perf_counter_ns
from .code import ASYNCIO_DIR, CO_COROUTINE, raised_through
from .combinators import GATHERING_FUTURE
from .connections import DATAGRAM_TRANSPORT, PIPE_TRANSPORTS, SELECTOR_LOOP, SOCKET_TRANSPORT, UNIX_LOOP, fd_watch_name, signal_name
from .coroutine_watch import watch_coroutines
from .imports import after_import, forget_imports
from .making import EAGER_TASKS
from .taskstate import STATE_SLOTS


class Patches:
    """asyncio's attributes the runner stands in for, each with what it was, to put back in a forked
    child. A stand-in function keeps the name, docstring and module of what it replaces."""

    def __init__(self):
        self.saved = []

    def set(self, owner, name, value):
        original = getattr(owner, name)
        if callable(value) and not isinstance(value, type) and callable(original):
            value = functools.update_wrapper(value, original)
        self.saved.append((owner, name, original))
        setattr(owner, name, value)

    def restore(self):
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)


def install(tracer):
    original_run = asyncio.events.Handle._run
    original_create_task = asyncio.base_events.BaseEventLoop.create_task
    original_run_in_executor = asyncio.base_events.BaseEventLoop.run_in_executor
    run_in_executor_code = original_run_in_executor.__code__
    original_pool_submit = ThreadPoolExecutor.submit
    original_run_coroutine_threadsafe = asyncio.tasks.run_coroutine_threadsafe
    original_server_init = asyncio.base_events.Server.__init__
    original_server_close = asyncio.base_events.Server.close
    original_socket_init = SOCKET_TRANSPORT.__init__
    original_datagram_init = DATAGRAM_TRANSPORT.__init__
    original_sock_connect = SELECTOR_LOOP._sock_connect
    original_sock_connected = SELECTOR_LOOP._sock_connect_cb
    original_chain_future = asyncio.futures._chain_future
    original_set_running_loop = asyncio.events._set_running_loop
    main_thread = threading.main_thread().ident
    going_threaded = threading.Lock()
    base_task = asyncio.tasks.Task

    def create_task(self, coro, *args, **kwargs):
        # A task factory's task may run its first step in here (an eager one, 3.12+): what that
        # step makes is its (Tracer.eager_parent).
        factory = self._task_factory is not None
        nests = factory and EAGER_TASKS
        made_ns = None
        if nests:
            made_ns = perf_counter_ns()
            tracer.creating += 1
        try:
            task = original_create_task(self, coro, *args, **kwargs)
        except BaseException as error:
            raised_through(error)
            if nests and tracer.creating == 1:
                tracer.reserved_idents.clear()  # no eager task made in this call is reported now
            raise
        finally:
            if nests:
                tracer.creating -= 1
        try:
            if self._debug:
                drop_own_frame(task)
            if tracer.steps_by_thread is None and threading.get_ident() != main_thread:
                go_threaded()  # asyncio.run() in a thread makes its task before its loop runs
            # Named by asyncio ("Task-7"), which 3.12+ spells out only when asked (on_task_created).
            unnamed = not factory and kwargs.get("name") is None
            tracer.on_task_created(task, coro, sys._getframe(1), unnamed, made_ns)
        except Exception:
            pass
        return task

    def run_coroutine_threadsafe(coro, loop):
        try:
            call = tracer.on_threadsafe_call(coro, sys._getframe(1))
        except Exception:
            call = None
        try:
            future = original_run_coroutine_threadsafe(coro, loop)
        except BaseException as error:
            raised_through(error)
            raise
        try:
            if call is not None:
                tracer.threadsafe_futures[future] = call
        except Exception:
            pass
        return future

    # A server made by loop.create_server (asyncio.start_server's), in the step of the task that
    # asked for it: a plain method, where a stand-in for the coroutine function start_server would
    # no longer be one to inspect.iscoroutinefunction (below 3.12), or show in its tracebacks.
    def server_init(self, *args, **kwargs):
        original_server_init(self, *args, **kwargs)
        try:
            tracer.on_server_made(self, sys._getframe(1))
        except Exception:
            pass

    def server_close(self):
        original_server_close(self)
        try:
            tracer.on_server_closed(self)
        except Exception:
            pass

    # A connection's socket transport, made in create_connection (in the step of the task that
    # asked) or for a connection a server accepted; and its end, a callback of the loop's.
    def socket_init(self, loop, sock, protocol, waiter=None, *args, **kwargs):
        original_socket_init(self, loop, sock, protocol, waiter, *args, **kwargs)
        try:
            tracer.on_socket_made(self, waiter, self._server, sys._getframe(1))
        except Exception:
            pass

    # The transport of a pipe connected (connect_read_pipe, connect_write_pipe), in the step of the task that asked.
    def making_pipe_transport(original_make):
        def make(self, pipe, protocol, waiter=None, extra=None):
            transport = original_make(self, pipe, protocol, waiter, extra)
            try:
                tracer.on_pipe_connected(transport, waiter, sys._getframe(1))
            except Exception:
                pass
            return transport

        return make

    # A loop callback the program has the loop run on each of some event until it removes it: a
    # signal's handler (loop.add_signal_handler; loop.close() removes each), a file descriptor's
    # reader or writer (loop.add_reader): its Handle, by `key` (the signal, the descriptor), is a
    # task named `name_of(key)`, of the task adding it (or the script), until removed or replaced.
    def adding_watch(original_add, handle_of, name_of):
        def add(self, key, callback, *args):
            before = handle_of(self, key)
            try:
                original_add(self, key, callback, *args)
            except BaseException as error:
                raised_through(error)
                raise
            try:
                frame = sys._getframe(1)
                if not frame.f_code.co_filename.startswith(ASYNCIO_DIR):  # (not asyncio's own: sock_sendfile's writer)
                    tracer.on_watch_added(handle_of(self, key), before, name_of(key), frame)
            except Exception:
                pass

        return add

    def removing_watch(original_remove, handle_of):
        def remove(self, key):
            before = handle_of(self, key)
            try:
                return original_remove(self, key)
            except BaseException as error:
                raised_through(error)
                raise
            finally:
                try:
                    if before is not None and handle_of(self, key) is not before:
                        tracer.on_watch_removed(before, "removed")
                except Exception:
                    pass

        return remove

    def signal_handler_of(loop, sig):
        try:
            return loop._signal_handlers.get(sig)
        except Exception:  # (an unhashable sig, which asyncio's own check words)
            return None

    def fd_watch_of(event):
        def handle_of(loop, fd):
            try:
                return loop._selector.get_key(fd).data[event]
            except Exception:  # (not watched; a closed loop's selector; no descriptor, which asyncio's own check words)
                return None

        return handle_of

    # The connect of sock_connect (create_connection's), which sets `fut` once connected: at once,
    # or in a callback of the loop's.
    def sock_connect(self, fut, sock, address):
        try:
            tracer.on_connect(fut, sock, address, sys._getframe(1))
        except Exception:
            pass
        try:
            return original_sock_connect(self, fut, sock, address)
        finally:
            if fut.done():
                tracer.on_connect_done(fut)  # (which raises nothing)

    def sock_connected(self, fut, *args, **kwargs):
        try:
            return original_sock_connected(self, fut, *args, **kwargs)
        finally:
            if fut.done():
                tracer.on_connect_done(fut)  # (which raises nothing)

    def noting_connection_lost(original_call_connection_lost):
        def call_connection_lost(self, exc):
            try:
                original_call_connection_lost(self, exc)
            finally:
                try:
                    tracer.on_connection_lost(self, exc)
                except Exception:
                    pass

        return call_connection_lost

    # A datagram endpoint's transport (create_datagram_endpoint's), made in the step of the task that asked.
    def datagram_init(self, loop, sock, protocol, address=None, waiter=None, *args, **kwargs):
        original_datagram_init(self, loop, sock, protocol, address, waiter, *args, **kwargs)
        try:
            tracer.on_socket_made(self, waiter, None, sys._getframe(1))
        except Exception:
            pass

    # Every event loop calls it as it starts and stops running, uvloop's too: one that is not
    # asyncio's own runs its tasks where the other hooks do not see them. A loop running outside
    # the main thread may run steps while another loop does: from then on steps are kept by thread.
    def set_running_loop(loop):
        original_set_running_loop(loop)
        if loop is None:
            try:
                tracer.on_loop_stopped()
            except Exception:
                pass
            return
        try:
            if not isinstance(loop, asyncio.base_events.BaseEventLoop):
                tracer.on_foreign_loop(loop)
            elif threading.get_ident() == main_thread:
                tracer.on_loop_started()
            elif tracer.steps_by_thread is None:
                go_threaded()
        except Exception:
            pass

    def go_threaded():
        """Loops may run in several threads from now on: steps are kept by thread, each loop on a lane of its own."""
        with going_threaded:  # two threads may start their first loops at once
            if tracer.steps_by_thread is None:
                patches.set(asyncio.events.Handle, "_run", tracer.threaded_step_hook(step_hook, main_thread))

    subprocess_type = asyncio.base_subprocess.BaseSubprocessTransport
    original_subprocess_init = subprocess_type.__init__

    # The transport of a child process asyncio starts, made in the step of the task that asked.
    def subprocess_init(self, *args, **kwargs):
        try:
            original_subprocess_init(self, *args, **kwargs)
        except BaseException as error:
            raised_through(error)
            raise
        try:
            tracer.on_subprocess(self, kwargs.get("waiter", args[8] if len(args) > 8 else None), sys._getframe(1))
        except Exception:
            pass

    def run_in_executor(self, executor, func, *args):
        try:
            call = tracer.on_executor_call(func, sys._getframe(1))
            # A thread pool's thread runs it (the loop's default executor, made on first use, is
            # one): what the function asks of a loop from there is the call's. A process pool's
            # function stays as given, to be pickled.
            pool = executor if executor is not None else self._default_executor
            runs = tracer.in_pool_thread(call, func) if pool is None or isinstance(pool, ThreadPoolExecutor) else func
        except Exception:
            call, runs = None, func
        return started_as(call, original_run_in_executor, self, executor, runs, *args)

    def submitted(start, pool, fn, args, kwargs, in_thread):
        """A pool's submit(fn, ...) as a call of its own when a task's step makes it (on_pool_submit):
        a thread pool's thread runs fn for the call, a process pool's gets fn as given, to be pickled.
        run_in_executor's function, passed through a subclass's submit() or not, is that call's."""
        call, runs = None, fn
        try:
            caller = sys._getframe(2)
            if caller.f_code.co_name == "submit" and caller.f_back is not None:
                caller = caller.f_back  # through a pool subclass's own submit(), to what called that
            if not getattr(fn, "_tl_runs_call", False) and caller.f_code is not run_in_executor_code:
                call = tracer.on_pool_submit(fn, caller)
                if call is not None and in_thread:
                    runs = tracer.in_pool_thread(call, fn)
        except Exception:
            call, runs = None, fn
        return started_as(call, start, pool, runs, *args, **kwargs)

    def pool_submit(self, fn, /, *args, **kwargs):
        return submitted(original_pool_submit, self, fn, args, kwargs, True)

    def patch_process_pool(module):
        original_submit = module.ProcessPoolExecutor.submit

        def process_pool_submit(self, fn, /, *args, **kwargs):
            return submitted(original_submit, self, fn, args, kwargs, False)

        patches.set(module.ProcessPoolExecutor, "submit", process_pool_submit)

    def chain_future(source, destination):
        try:
            original_chain_future(source, destination)
        except BaseException as error:
            raised_through(error)
            raise
        try:
            tracer.on_future_chained(source, destination)
        except Exception:
            pass

    def started_as(call, start, *args, **kwargs):
        """The future start(*args, **kwargs) hands out, as the task of `call` (None: untraced)."""
        try:
            future = start(*args, **kwargs)
        except BaseException as error:
            if call is not None:
                try:
                    tracer.executor_call_failed(call, error)
                except Exception:
                    pass
            raised_through(error)
            raise
        try:
            if call is not None:
                tracer.executor_call_made(call, future)
        except Exception:
            pass
        return future

    # A task the program makes itself, asyncio.Task(coro) (as Home Assistant makes eager tasks),
    # which no loop.create_task reports, is seen as it is made: by asyncio's registry of live
    # tasks, a WeakSet its Task adds each task to (3.9-3.13; its add() is replaced on the set
    # itself, as the Task's C code calls it by name: a class of its own would slow every lookup in
    # it), else by the Task's __init__ (3.14 keeps asyncio's Task and its subclasses in a list of
    # each thread's instead, gh-128002, and the WeakSet holds only other tasks).
    registry = getattr(asyncio.tasks, "_scheduled_tasks", None)  # 3.12+
    if registry is None:
        registry = getattr(asyncio.tasks, "_all_tasks", None)
    registry_sees_tasks = type(registry) is weakref.WeakSet and sys.version_info < (3, 14)
    module_at = getattr(sys, "_getframemodulename", None)

    def made_directly(task):
        """Reports a task the program's code made itself; called from the function asyncio.Task's
        construction called (two frames below this one is the code that made the task)."""
        # Made by asyncio's own code (loop.create_task, its task factories, its Python Task), or
        # by a task factory loop.create_task called: create_task reports it.
        if module_at is not None:  # 3.12+: no frame object made for the common case
            maker, below = module_at(2), module_at(3)
        else:
            frame = sys._getframe(2)
            maker = frame.f_globals.get("__name__")
            below = frame.f_back.f_globals.get("__name__") if frame.f_back is not None else None
        if maker == CREATE_TASK_MODULE or below == CREATE_TASK_MODULE or str(maker).startswith("asyncio."):
            return
        frame = sys._getframe(2)
        if not made_in_create_task(frame, original_create_task.__code__):
            tracer.on_task_made_directly(task, frame)

    registered = None
    if registry_sees_tasks:
        keep, pending, commit, on_lost = registry.data.add, registry._pending_removals, registry._commit_removals, registry._remove

        def registered(task):
            # WeakSet.add's own body: no call more for every task made.
            if pending:
                commit()
            keep(weakref.ref(task, on_lost))
            try:
                made_directly(task)
            except Exception:
                pass

    class Task(base_task):
        """asyncio's Task, noting who cancels it, names set while it lives, and its end if the
        garbage collector takes it pending (same name, so reprs are unchanged), and carrying what
        the tracer keeps of it (see Tracer.follow)."""

        __slots__ = STATE_SLOTS

        def set_name(self, value):
            super().set_name(value)
            try:
                tracer.on_rename(self)
            except Exception:
                pass

        def cancel(self, *args, **kwargs):
            try:
                tracer.on_cancel(self, args[0] if args else kwargs.get("msg"))
            except Exception:
                pass
            return super().cancel(*args, **kwargs)

        def __del__(self):
            try:
                if self._tl_ident:  # followed, and pending (a task never followed has none: raises)
                    tracer.on_destroyed(self)
            except Exception:
                pass
            super().__del__()

        if not registry_sees_tasks:

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                try:
                    drop_own_frame(self)  # before loop.create_task drops its own, the last
                    # One an eager start ran to its end is not followed, as asyncio does not
                    # register it either below 3.14.
                    if not self.done():
                        made_directly(self)
                except Exception:
                    pass

    tracer.cancel_noting_type = Task
    tracer.task_types[Task] = True  # its tasks carry their state (Tracer.follow)

    Task.__qualname__ = base_task.__qualname__
    Task.__module__ = base_task.__module__

    base_future = asyncio.futures.Future

    def noting_wake(resolve):
        """Future.set_result or set_exception, telling the tracer which task's code resolved it."""

        def resolve_noted(self, value):
            callbacks = self._callbacks  # the tasks waiting for it, handed to the loop as it resolves
            try:
                resolve(self, value)
            except BaseException as error:
                raised_through(error)
                raise
            if callbacks:
                try:
                    tracer.on_wake(callbacks)
                except Exception:
                    pass

        return functools.update_wrapper(resolve_noted, resolve)

    class Future(base_future):
        """asyncio's Future as loop.create_future makes it (a Queue's getter, an Event's or a
        Lock's waiter), telling the tracer which task resolves it (same name, so reprs are unchanged)."""

        __slots__ = ()
        set_result = noting_wake(base_future.set_result)
        set_exception = noting_wake(base_future.set_exception)

    Future.__qualname__ = base_future.__qualname__
    Future.__module__ = base_future.__module__

    def create_future(self):
        return Future(loop=self)

    timeouts_module = getattr(asyncio, "timeouts", None)  # 3.11+
    timeout_type = getattr(timeouts_module, "Timeout", None)
    original_timeout = getattr(timeouts_module, "timeout", None)
    original_reschedule = timeout_type.reschedule if timeout_type is not None else None

    # asyncio.timeout(delay): its Timeout knows only when it is due, not the delay as written.
    def timeout(delay):
        manager = original_timeout(delay)
        try:
            tracer.on_timeout_made(manager, delay)
        except Exception:
            pass
        return manager

    # Timeout.reschedule, called as an asyncio.timeout() block is entered and when its deadline moves.
    def reschedule(self, when):
        try:
            original_reschedule(self, when)
        except BaseException as error:
            raised_through(error)
            raise
        try:
            tracer.on_timeout_set(self, sys._getframe(1))
        except Exception:
            pass

    # TaskGroup._abort (3.11+), as the group cancels its tasks: in its owner's step it tells how the
    # group ends, which its state no longer does once it has exited (3.14 clears it).
    group_type = getattr(asyncio, "TaskGroup", None)
    original_group_abort = getattr(group_type, "_abort", None)

    def group_abort(self):
        try:
            tracer.on_group_abort(self)
        except Exception:
            pass
        return original_group_abort(self)

    # TaskGroup.__aenter__ (3.11+): the group is shown where `async with` opened it, though its task
    # is only made with its first member. A plain function handing back the coroutine: no frame of
    # the runner's in the program's await chain.
    original_group_enter = getattr(group_type, "__aenter__", None)

    def group_enter(self):
        try:
            # Through a subclass's own __aenter__ calling this one, to its `async with`.
            frame = sys._getframe(1)
            while frame.f_back is not None and frame.f_code.co_name == "__aenter__" and frame.f_locals.get("self") is self:
                frame = frame.f_back
            self._tasklane_site = code_module.user_site(frame)
        except Exception:
            pass
        return original_group_enter(self)

    # A gather's future, as gather() makes it: the gather is shown where your code called it (an
    # inner one given to another at its own line, one awaited later where it was made).
    original_gathering_init = GATHERING_FUTURE.__init__

    def gathering_init(self, *args, **kwargs):
        original_gathering_init(self, *args, **kwargs)
        try:
            self._tasklane_site = code_module.user_site(sys._getframe(1))
        except Exception:
            pass

    step_hook = tracer.step_hook(original_run)
    code_module.step_hook_code = step_hook.__code__
    patches = Patches()
    patches.set(asyncio.events.Handle, "_run", step_hook)
    patches.set(asyncio.base_events.BaseEventLoop, "create_task", create_task)
    patches.set(asyncio.base_events.BaseEventLoop, "run_in_executor", run_in_executor)
    patches.set(ThreadPoolExecutor, "submit", pool_submit)
    after_import("concurrent.futures.process", patch_process_pool)
    patches.set(asyncio.base_events.BaseEventLoop, "create_future", create_future)
    patches.set(asyncio.futures, "_chain_future", chain_future)
    for module in (asyncio.tasks, asyncio):  # the module's name and the package's, which is the one most use
        patches.set(module, "run_coroutine_threadsafe", run_coroutine_threadsafe)
    for module in (asyncio.events, asyncio):
        patches.set(module, "_set_running_loop", set_running_loop)
    patches.set(asyncio.base_events.Server, "__init__", server_init)
    patches.set(asyncio.base_events.Server, "close", server_close)
    patches.set(SOCKET_TRANSPORT, "__init__", socket_init)
    patches.set(DATAGRAM_TRANSPORT, "__init__", datagram_init)
    # (The datagram one's calls super(); a child process's is called once it has exited and its pipes have closed.)
    for transport_type in (SOCKET_TRANSPORT, DATAGRAM_TRANSPORT, subprocess_type, *PIPE_TRANSPORTS):
        patches.set(transport_type, "_call_connection_lost", noting_connection_lost(transport_type._call_connection_lost))
    patches.set(SELECTOR_LOOP, "_sock_connect", sock_connect)
    patches.set(SELECTOR_LOOP, "_sock_connect_cb", sock_connected)
    if UNIX_LOOP is not SELECTOR_LOOP:  # (Windows' loops take no signal handlers, nor pipes)
        for make in ("_make_read_pipe_transport", "_make_write_pipe_transport"):
            patches.set(UNIX_LOOP, make, making_pipe_transport(getattr(UNIX_LOOP, make)))
        patches.set(UNIX_LOOP, "add_signal_handler", adding_watch(UNIX_LOOP.add_signal_handler, signal_handler_of, signal_name))
        patches.set(UNIX_LOOP, "remove_signal_handler", removing_watch(UNIX_LOOP.remove_signal_handler, signal_handler_of))
    for event, (add, remove) in enumerate((("add_reader", "remove_reader"), ("add_writer", "remove_writer"))):
        handle_of = fd_watch_of(event)
        patches.set(SELECTOR_LOOP, add, adding_watch(getattr(SELECTOR_LOOP, add), handle_of, fd_watch_name(event)))
        patches.set(SELECTOR_LOOP, remove, removing_watch(getattr(SELECTOR_LOOP, remove), handle_of))
    patches.set(GATHERING_FUTURE, "__init__", gathering_init)
    patches.set(subprocess_type, "__init__", subprocess_init)
    # The public name too: `type(task) is asyncio.Task` holds as untraced, and a program's own Task
    # subclass is the tracer's subclass's, so its cancel() is seen as well.
    for module in (asyncio.tasks, asyncio):
        patches.set(module, "Task", Task)
    if registered is not None:
        patches.set(registry, "add", registered)
    if hasattr(asyncio.tasks, "eager_task_factory"):  # 3.12+
        # asyncio made it from its own Task class: its tasks would not note who cancels them.
        eager_task_factory = asyncio.tasks.create_eager_task_factory(Task)
        for module in (asyncio.tasks, asyncio):
            patches.set(module, "eager_task_factory", eager_task_factory)
    if original_group_abort is not None:
        patches.set(group_type, "_abort", group_abort)
    if original_group_enter is not None:
        patches.set(group_type, "__aenter__", group_enter)
    if timeout_type is not None:
        for module in (timeouts_module, asyncio):
            patches.set(module, "timeout", timeout)
        patches.set(timeout_type, "reschedule", reschedule)
    stop_watching = None
    try:
        stop_watching = watch_coroutines(tracer)
    except Exception:
        pass  # the hooks above are in place; spans are then timed by the steps they are seen in

    def untraced_child():
        """A forked child (os.fork, a process pool's worker) runs untraced: the trace is the
        parent's (the sink lets go of it in the child, see Sink.detach)."""
        try:
            forget_imports()
            patches.restore()
            if stop_watching is not None:
                stop_watching()
        except Exception:
            pass

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=untraced_child)


# The module of loop.create_task, which the task registry looks for below a task being made.
CREATE_TASK_MODULE = asyncio.base_events.__name__
# How far below a task made by the program's code create_task is looked for: a task factory may
# make its tasks through helpers of its own (create_task -> factory -> helper -> asyncio.Task).
FACTORY_DEPTH = 8


def made_in_create_task(frame, create_task_code):
    """Whether loop.create_task (whose code is `create_task_code`) called the task factory that
    made the task in `frame`, through plain functions: create_task reports the task then. A
    coroutine on the way is a task's step run inside create_task (an eager task's first), whose
    own tasks are the program's. Only for tasks the program's own code makes, so a walk of frames
    costs no task of create_task's."""
    for _ in range(FACTORY_DEPTH):
        if frame is None or frame.f_code.co_flags & CO_COROUTINE:
            return False
        frame = frame.f_back
        if frame is not None and frame.f_code is create_task_code:
            return True
    return False


def drop_own_frame(task):
    """In debug mode a task keeps where it was made ("created at" in asyncio's warnings): where
    the program made it, so not a frame of this file's stand-ins on top."""
    source = task._source_traceback
    if source and source[-1].filename == __file__:
        del source[-1]
