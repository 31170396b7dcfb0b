"""The task model's recorder, made of its parts (steps.py: each step a run and the wait or end that
follows it; making.py, waits.py, spans.py, combinators.py, origins.py), and what it records of the
loop and the program as a whole: its loops starting and stopping, cancellations, signals, the end."""

import asyncio
import functools
import os
import sys
from threading import Thread, get_ident

from .clock import perf_counter_ns
from .code import ASYNCIO_DIR, describe_error, exception_of, is_library, is_users, line_site, tell
from .combinators import GATHERING_FUTURE, CombinatorRecorder, group_name
from .creation import CreationPoints
from .frames import LanedEncoder, varint_value
from .lanes import LoopLanes
from .connections import ConnectionRecorder
from .origins import OriginRecorder
from .making import TaskMaker
from .owners import OWNER, set_owner
from .spans import SpanRecorder
from .steps import NOT_IDLE, StepRecorder
from .taskstate import TaskState, cancelled_by, init_state, let_go
from .waits import WaitRecorder

RUN_UNTIL_COMPLETE_CODE = asyncio.base_events.BaseEventLoop.run_until_complete.__code__
# Handle._run's own code (the step hook stands in for it, and runs it for a callback of no task's).
HANDLE_RUN_CODE = asyncio.events.Handle._run.__code__
DESTROYED_PENDING = "Task was destroyed but it is pending!"  # asyncio's words, as it logs it
# The code of TaskGroup._abort (3.11+), which cancels the group's tasks.
TASK_GROUP_ABORT = getattr(getattr(getattr(asyncio, "TaskGroup", None), "_abort", None), "__code__", None)
# The code of a gather's cancel(), which cancels its children.
GATHER_CANCEL = GATHERING_FUTURE.cancel.__code__


def is_asyncios_protocol(obj):
    """An asyncio protocol of asyncio's own (streams', subprocesses'), not a program's."""
    return isinstance(obj, asyncio.BaseProtocol) and type(obj).__module__.startswith("asyncio.")


class Tracer(StepRecorder, TaskMaker, WaitRecorder, SpanRecorder, CombinatorRecorder, OriginRecorder, ConnectionRecorder):
    def __init__(self, sink, script, name=None):
        """`script`: the program's path, or the module `python -m` would run; `name`: the script
        task's name (the file's, unless given)."""
        WaitRecorder.__init__(self)
        OriginRecorder.__init__(self)
        ConnectionRecorder.__init__(self)
        self.sink = sink
        self.enc = sink.enc
        t0 = perf_counter_ns()
        self.enc.last_ns = t0  # times are perf_counter_ns() readings; the trace counts from here
        self.next_id = 2
        # The classes of the tasks followed (only their instances are looked up): True where the
        # task carries its state (the tracer's Task class, see follow), else False.
        self.task_types = {}
        self.foreign_tasks = {}  # task -> TaskState of a task that cannot carry it (see follow)
        # Inside how many loop.create_task calls with a task factory the program is (3.12+,
        # hooks.install): above 0 while a task is made, an eager task's first step runs there.
        self.creating = 0
        # Ids given to eager tasks before their own record, as parents of tasks their first step
        # made: task -> id, until the task's create_task reports it (hooks.install lets go of them
        # if it raises instead).
        self.reserved_idents = {}
        self.destroyed = []  # (ns, id, span ids) of tasks collected pending while a record was being written
        self.current = None  # the task whose step runs now, as the loop lane shows it
        self.handling_signal = None  # the name of the signal whose handler runs now (signals.py)
        self.callback = None  # the Handle of a plain callback running now (step_hook), for on_wake
        self.io_task_running = 0  # the id of the server, socket, pipe, child process, signal or descriptor watch whose callback that is, if any
        # Thread ident -> the task whose step runs there, once an event loop runs outside the main
        # thread (see threaded_step_hook): loops in several threads have a step each at once.
        self.steps_by_thread = None
        self.main_thread = get_ident()  # the one loop's, until then
        self.cancel_noting_type = None  # the Task class whose cancel() the tracer sees (install)
        self.root = 1
        self.idle_since = NOT_IDLE
        # When a coroutine of the user's started or returned in the step running now, by its frame
        # (Python 3.12+, from sys.monitoring; see watch_coroutines): a span's exact start and end.
        self.frame_times = {}
        # The exception that left a span's frame in the step running now, by its frame, or YIELDED for
        # an async generator's that yielded an item then (3.12+): its frame_times entry says when.
        self.frame_errors = {}
        # The frames of spans closed in a step, let go of as it ends (see step_hook).
        self.released_frames = []
        self.watch_returns = None  # asks for a span's code to be timed at every start and return (3.12+)
        self.returns_watched = {}  # id(code) -> code: hashing a code object hashes its contents
        self.foreign_loops = set()  # the kinds of event loop not asyncio's own that ran, as named to the user
        self.creation_points = CreationPoints()
        self.sleep0_sites = {}  # (id(code), offset) -> (code, site, the end of a sleep(0) wait record there, whether the code awaits only there)
        self.fixed_sleep_sites = {}  # id(code) -> that entry, for a coroutine that awaits at one place only
        sink.before_flush = self.write_pending
        with sink.lock:
            self.enc.start(script, os.getcwd())
            self.enc.task(t0, self.root, 0, "script", name or os.path.basename(script), "")
            self.enc.run(t0, self.root)

    def running_here(self):
        """The task whose step runs in the calling thread, if any (with one loop, it is the main
        thread's: another thread runs none of its steps)."""
        steps = self.steps_by_thread
        if steps is None:
            return self.current if get_ident() == self.main_thread else None
        return steps.get(get_ident())

    def follow(self, task, *state):
        """Sets the task's state (init_state's arguments) up on the task itself (the tracer's Task
        class has slots for it, others may take attributes), so the tracer keeps no task: a pending
        task the program drops is garbage-collected as untraced, and asyncio says so as it would.
        A task of a type that takes no attributes (a task factory's own) is kept, with a TaskState,
        in foreign_tasks until it ends. Returns the state."""
        try:
            init_state(task, *state)
            carries = True
        except (AttributeError, TypeError):
            task_state = self.foreign_tasks[task] = TaskState(*state)
            carries = False
        self.task_types[type(task)] = carries
        return task if carries else task_state

    def forget(self, task):
        """The task has ended: its state is let go of."""
        if self.task_types.get(type(task)):
            let_go(task)
        else:
            self.foreign_tasks.pop(task, None)

    def state_of(self, obj):
        """The state of `obj` (itself, or its TaskState) if it is a task the tracer follows and
        that has not ended, else None (whatever `obj` is)."""
        carries = self.task_types.get(type(obj))
        if carries is None:
            return None
        if carries:
            return obj if getattr(obj, "_tl_ident", 0) else None
        return self.foreign_tasks.get(obj)

    def on_wake(self, callbacks):
        """A future made by loop.create_future (a Queue's getter, an Event's or a Lock's waiter) is
        being resolved: the tasks waiting for it (`callbacks`, its done callbacks) are woken by the
        task running now, if any (a put, set() or release() in its step), or by the task that has
        just ended, in a done callback of its (asyncio.wait's, as_completed's, a TaskGroup's), or by
        the task that scheduled a callback of the program's that resolves it."""
        waker = self.running_here()
        by = waker._tl_ident if waker is not None else self.callback_waker()
        if not by or self.sink.broken:
            return
        for callback, _context in callbacks:
            state = self.state_of(getattr(callback, "__self__", None))
            if state is None or state is waker or state._tl_ident == by:
                continue
            with self.sink.lock:
                ns = perf_counter_ns()
                self.settle_current(ns)
                self.enc.await_by(ns, state._tl_ident, by, "")

    def callback_waker(self):
        """The id of the task a plain callback running now wakes others for, else 0: the task whose
        done callback it is (it has just ended), or the task that scheduled it, if the callback is
        the program's (a function of its own, or a public method it handed over: `loop.call_later(1,
        event.set)`, a signal handler's `stop.set`), which asyncio runs in a copy of that task's
        context (see owners.py), or the run_in_executor call whose function scheduled it from its
        thread (see in_pool_thread). Not asyncio's own callbacks (private functions), and in one
        thread's loop only: with loops in several threads, a callback is not known to be this
        thread's."""
        handle = self.callback
        if handle is None or self.steps_by_thread is not None:
            return 0
        if self.io_task_running:
            return self.io_task_running
        args = handle._args
        ended = self.ident_of_ended(args[0]) if len(args) == 1 else 0
        if ended:
            return ended
        return self.callback_owner(handle)

    def callback_owner(self, handle, handed=True):
        """The id of the task that scheduled the loop callback of `handle` (the script, outside any
        task), if the callback is the program's (see callback_waker; its code, unless `handed`, not a
        method of asyncio's it handed over, `event.set`), else 0."""
        callback = handle._callback
        if type(callback) is functools.partial:  # `call_soon(partial(tick, loop))`, a signal handler's `partial(ask_exit, signame)`
            callback = callback.func
        code = getattr(getattr(callback, "__func__", callback), "__code__", None)
        if code is not None and is_users(code):
            # Scheduled outside any task (`loop.call_soon(tick)` before `loop.run_forever()`): the script's.
            return handle._context.get(OWNER, self.root)
        if not handed:
            return 0
        bound_to = getattr(callback, "__self__", None)
        # A public method handed over (`event.set`), not one of asyncio's own protocols', which
        # asyncio schedules itself (a child process's pipe_data_received, in the context of the
        # task that connected the pipes, long ended).
        handed_over = bound_to is not None and not getattr(callback, "__name__", "_").startswith("_") and not is_asyncios_protocol(bound_to)
        return handle._context.get(OWNER, 0) if handed_over else 0

    def run_program_callback(self, original_run, handle):
        """Runs a plain loop callback (no task's step). One of the program's own code (`call_soon(f)`,
        `call_later(1, f)`, a done callback it added) is a run of the task that scheduled it, whose
        wait goes on after it (as a Node task's `.then` callback), so that one computing for long
        holds the loop on the timeline and is a long block; a server's, socket's, pipe's, child
        process's, signal handler's or descriptor watch's callback is a run of its task (see
        ConnectionRecorder). (One loop only: with loops in several threads a callback is not known
        to be this thread's, as for callback_waker.)"""
        # (Not in a loop run inside a task's step, nest_asyncio's: that step holds the loop.)
        owner = io_task = 0
        try:
            if self.steps_by_thread is None and self.current is None and not self.sink.broken:
                task = self.io_task_of_callback(handle)
                if task is not None:
                    owner = io_task = task._tl_ident
                    context = handle._context  # (a copy of asyncio's for this callback alone)
                    if context.get(OWNER) != io_task:
                        context.run(set_owner, io_task)  # what it schedules (data_received's call_soon) is the task's too
                else:
                    owner = self.callback_owner(handle, False)
            if owner:
                with self.sink.lock:
                    ns = perf_counter_ns()
                    self.settle_current(ns)
                    self.enc.run(ns, owner)
                    self.idle_since = NOT_IDLE  # until it ends: a record within it must not cut it short
        except Exception:
            owner = io_task = 0  # the callback runs whatever the tracer does
        self.callback = handle  # a task's done callback may wake others for it (on_wake)
        self.io_task_running = io_task
        try:
            return original_run(handle)
        finally:
            self.callback = None
            self.io_task_running = 0
            if owner:
                try:
                    with self.sink.lock:
                        ns = perf_counter_ns()
                        if not io_task:
                            self.enc.wait_on(ns, owner)
                        elif self.removed_in_own_run is not None:
                            self.end_removed_in_own_run(ns)
                        self.idle_since = ns  # as after a step: written once the loop has sat idle (settle_current)
                except Exception:
                    pass

    def ident_of_ended(self, obj):
        """The id of `obj` if it is a task the tracer followed that has ended, whose ident its state
        has let go of (let_go), not of the bytes its records carry; else 0."""
        return varint_value(getattr(obj, "_tl_ident_bytes", b"")) if self.task_types.get(type(obj)) else 0

    def on_destroyed(self, task):
        """The garbage collector takes a task that never ended (the program dropped it while it
        waited for something nothing else held): it ends here, rejected in asyncio's words, and so
        do its spans. Written at once, unless the record lock is held (perhaps by this thread,
        whose record the collection interrupted): then once that record is (write_collected)."""
        state = self.state_of(task)
        if state is None or self.sink.broken:
            return
        ended = (perf_counter_ns(), state._tl_ident, [ident for _, ident, _ in state._tl_spans])
        self.forget(task)
        if self.sink.lock.held():
            self.destroyed.append(ended)
            return
        with self.sink.lock:
            self.settle_current(ended[0])
            self.write_destroyed(*ended)

    def write_destroyed(self, ns, ident, spans):
        for span in reversed(spans):
            self.enc.end(ns, span, "rejected", DESTROYED_PENDING, "")
        self.enc.end(ns, ident, "rejected", DESTROYED_PENDING, "")

    def on_foreign_loop(self, loop):
        """An event loop that is not asyncio's own (uvloop's) runs: its tasks and steps are not in
        the trace, which says nothing of them; the program's stderr says so, once per kind of loop."""
        kind = "%s.%s" % (type(loop).__module__, type(loop).__qualname__)
        if kind in self.foreign_loops:
            return
        self.foreign_loops.add(kind)
        tell("this program runs its tasks on %s, not on asyncio's own event loop; Tasklane traces asyncio's loop only, so they are not in the trace." % kind)

    def on_loop_started(self):
        """The main thread's event loop starts running from the script's own code: the script waits
        in asyncio.run (or loop.run_until_complete, loop.run_forever) until the loop stops
        (on_loop_stopped), for the task the loop runs until it is complete, or the gather (made
        outside any task: a combinator of the script's), else worded by the call."""
        if get_ident() != self.main_thread or self.running_here() is not None or self.sink.broken:
            return
        future, label = None, "loop.run_forever"
        frame = sys._getframe(2)
        while frame is not None and is_library(frame.f_code):
            if frame.f_code is RUN_UNTIL_COMPLETE_CODE:  # asyncio.run's too
                future, label = frame.f_locals.get("future"), "loop.run_until_complete"
            frame = frame.f_back
        target = self.task_behind(future) if future is not None else None
        site = line_site(frame) if frame is not None else ""
        with self.sink.lock:
            ns = perf_counter_ns()
            self.settle_current(ns)
            ident = target._tl_ident if target is not None else 0
            if ident == 0 and isinstance(future, GATHERING_FUTURE):
                ident = self.gather_task(future, self.root, site, ns)
            # A wait for a task has no label: the trace names it after the task.
            self.enc.wait(ns, self.root, ident, "" if ident else label, site)

    def on_loop_stopped(self):
        """The main thread's event loop has stopped running (asyncio.run's run_until_complete
        returned): the script's own code runs on from here, until a loop runs a task's step again."""
        if get_ident() != self.main_thread or self.sink.broken:
            return
        with self.sink.lock:
            ns = perf_counter_ns()
            self.settle_current(ns)
            self.idle_since = NOT_IDLE
            self.enc.run(ns, self.root)

    def on_cancel(self, task, message=None):
        """Task.cancel(msg) was called: who asked, and their message, are kept for the task's end
        (the first cancel's, as for who asked)."""
        state = self.state_of(task)
        if state is None:
            return
        state._tl_cancel_pending = state._tl_watch = True
        if message is not None and getattr(state, "_tl_cancel_message", None) is None:
            state._tl_cancel_message = str(message)
        if state._tl_canceller is not None:
            return
        caller = sys._getframe(2)
        # A gather passing a cancel on to its children (a gather given to it on to its own):
        # cancelled by whoever cancelled the gather (the task awaiting it, when that task was
        # cancelled, by a timeout as by a task).
        while caller.f_code is GATHER_CANCEL and caller.f_back is not None:
            caller = caller.f_back
        # A TaskGroup cancelling its tasks: when one of them failed (in a loop callback), or as its
        # owner's step leaves it with an error or a cancellation of its own.
        if caller.f_code is TASK_GROUP_ABORT:
            state._tl_canceller = group_name(caller.f_locals.get("self"))
            return
        # A signal's handler (asyncio.run's at a Ctrl-C) runs in no task's code, whichever was
        # stepping as the signal came.
        signal_name = self.handling_signal
        canceller = None if signal_name else self.task_stepping()
        if canceller is not None:
            state._tl_canceller = canceller._tl_name
            return
        # Not from a task: a loop callback, such as the timer of asyncio.timeout (wait_for on 3.12+),
        # or a task so cancelled passing it on to the task it awaits, or the program's own
        # (loop.call_later(5, task.cancel)), or a signal's handler.
        if caller.f_code is self.cancel_noting_type.cancel.__code__:
            awaiting = self.state_of(caller.f_locals.get("self"))
            state._tl_canceller = awaiting._tl_name if awaiting is not None else None
        elif signal_name:
            state._tl_canceller = signal_name
        elif caller.f_code.co_filename.startswith(ASYNCIO_DIR) and caller.f_code is not HANDLE_RUN_CODE:
            module = os.path.splitext(os.path.basename(caller.f_code.co_filename))[0]
            state._tl_canceller = group_name(caller.f_locals.get("self")) if module == "taskgroups" else "asyncio." + module
        elif caller.f_code is asyncio.Handle._run.__code__ or self.callback is not None:
            # A callback of the program's: task.cancel itself, a gather's cancel, a lambda calling one.
            state._tl_canceller = self.task_named_in_context()

    def task_stepping(self):
        """The state of the task whose step runs now, if any: between steps (in a loop callback),
        running_here() still names the last task that ran."""
        if self.running_here() is None:
            return None
        try:
            return self.state_of(asyncio.current_task())
        except RuntimeError:  # no loop runs: asyncio.run cancelling the tasks left at its end
            return None

    def task_named_in_context(self):
        """The name of the task whose context the callback running now was scheduled from (see
        owners.py), or of the run_in_executor call whose function scheduled it, if it still runs,
        or of the io task (`signal SIGINT`) the callback is a run of; else None. Asked only as a
        callback cancels a task."""
        owner = OWNER.get(None)
        if owner is None:
            return None
        if owner == self.io_task_running:
            io_task = self.io_task_of_callback(self.callback)
            if io_task is not None:
                return io_task._tl_name
        for task in asyncio.all_tasks():
            state = self.state_of(task)
            if state is not None and state._tl_ident == owner:
                return state._tl_name
        for call in list(self.executor_calls.values()):
            if call._tl_ident == owner:
                return call._tl_name
        return None

    def threaded_step_hook(self, step_hook, main_thread):
        """Handle._run once an event loop runs outside `main_thread`: each thread's step is kept by
        thread, and from now on each thread's loop has a lane of its own (the tracer and its
        encoder take on the classes that keep a loop's state by thread: see lanes.py)."""
        # A step under way now is the main thread's: until now only its loops have run.
        steps = {main_thread: self.current} if self.current is not None else {}
        lanes = LoopLanes(main_thread, self.current, lambda: self.sink.flusher_ident)
        with self.sink.lock:  # no record is half written as the classes change
            self.settle_current(perf_counter_ns())  # the main thread's run or idleness, pending till now
            self.enc.__class__ = LanedEncoder
            self.enc.lanes = lanes
            self.__class__ = LanedTracer
            self.lanes = lanes
            self.steps_by_thread = steps
        tracer = self
        state_of = self.state_of
        lock = self.sink.lock

        def _run(handle):
            task = getattr(handle._callback, "__self__", None)
            state = state_of(task)
            if state is None:
                if steps:
                    # No step of this thread's runs in a plain callback (this lets go of the one
                    # under way when steps began to be kept by thread, which did not come here).
                    steps.pop(get_ident(), None)
                return step_hook(handle)
            thread = get_ident()
            steps[thread] = state
            with lock:
                tracer.write_step_start(state)
            try:
                return step_hook(handle)
            finally:
                steps.pop(thread, None)

        return _run

    def write_pending(self):
        """Called by the flusher, and at the end: the run of the step running now, which the step
        hook writes with its end, or the loop that went idle when the last one ended; and the ends
        of tasks collected while a record was being written (on_destroyed)."""
        if self.current is not None:
            self.settle_run(self.current)
        elif self.idle_since != NOT_IDLE:
            self.enc.run(self.idle_since, 0)
            self.idle_since = NOT_IDLE
        self.write_collected()

    def write_collected(self):
        """The ends of tasks the garbage collector took while a record was being written (the
        caller holds the lock): written once that record is, so that they keep their place in time
        (the reader takes a record's time as no earlier than the one before)."""
        while self.destroyed:
            self.write_destroyed(*self.destroyed.pop(0))

    def finish_task(self, task, state, ns):
        if not state._tl_spans and not state._tl_groups and not task.cancelled() and exception_of(task) is None:
            self.enc.resolved(ns, state._tl_ident_bytes)  # the commonest end, without building its outcome
            self.forget(task)
            return
        if task.cancelled():
            outcome = ("cancelled", cancelled_by(state), "")
        elif exception_of(task) is None:
            outcome = ("resolved", "", "")
        else:
            outcome = ("rejected",) + describe_error(exception_of(task))
            if state._tl_group is not None:
                state._tl_group[2].append(outcome[1:])
        if state._tl_groups:
            self.end_groups(state, None, ns)
        # Coroutines still open on the task's lane ended the way the task did, or were cancelled
        # when this step delivered a cancellation the task then caught (wait_for on 3.12+).
        self.close_spans(state, 0, ns, *(("cancelled", cancelled_by(state), "") if state._tl_cancelling and outcome[0] != "cancelled" else outcome))
        self.enc.end(ns, state._tl_ident, *outcome)
        self.forget(task)

    def note_signal(self, sig):
        """SIGTERM or SIGINT has come (signals.py), whoever handles it: said as it arrives, as the
        Node runner says it, so that `tasklane run` does not pass on another."""
        if self.sink.broken:
            return
        if self.sink.lock.held():
            # The flusher writes a frame: said once it is done, from a thread of its own.
            Thread(target=self.write_signal, args=(sig,), name="tasklane-signal", daemon=True).start()
        else:
            self.write_signal(sig)

    def write_signal(self, sig):
        with self.sink.lock:
            self.write_pending()
            self.enc.signal(perf_counter_ns(), sig)
        self.sink.flush()

    def finish(self, reason, code, sig, message, site):
        if self.sink.broken:
            return  # a forked child's end, or a channel gone
        with self.sink.lock:
            ns = perf_counter_ns()
            self.write_pending()
            ok = reason == "exit" and code == 0
            self.enc.end(ns, self.root, "resolved" if ok else "rejected", message or ("" if ok else "exit code %s" % code), site)
            self.enc.exit(ns, reason, code, sig, message, site)
        self.sink.flush()


class LanedTracer(Tracer):
    """The tracer once loops run in several threads (see lanes.py): the step under way is the
    calling thread's, and a loop's idleness is written as a step ends (never pending)."""

    lanes = None  # LoopLanes

    @property
    def current(self):
        return self.lanes.current.get(get_ident())

    @current.setter
    def current(self, state):
        self.lanes.current[get_ident()] = state
        if state is None:
            # The step hook says so as a step ends, holding the record lock, before it writes the
            # step's records (some inline): they go on this thread's lane.
            self.enc.to_loop(self.lanes.index_here())

    @property
    def idle_since(self):
        return NOT_IDLE

    @idle_since.setter
    def idle_since(self, ns):
        # The step hook says so as a step ends, holding the record lock: written now.
        if ns != NOT_IDLE:
            self.enc.run(ns, 0)

    def write_step_start(self, state):
        """A step starts in this thread: its run is written now (the step hook writes it again at
        the end, which changes nothing)."""
        self.enc.run(perf_counter_ns(), state._tl_ident)
