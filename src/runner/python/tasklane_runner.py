"""Tasklane's tracer for Python asyncio (standard library only).

Run as `python tasklane_runner.py script.py [args...]` with TASKLANE_RUNNER set; it runs the
script as `__main__` and writes the same binary frames as the Node runner to the side channel.
It observes asyncio at three points that add no frame to a task's own tracebacks: the loop's
Handle._run (each task step), BaseEventLoop.create_task (task creation) and Task.cancel.
"""

import asyncio
import asyncio.base_events
import asyncio.events
import asyncio.tasks
import gc
import json
import os
import signal
import sys
import threading
import time

from time import perf_counter_ns
from types import AsyncGeneratorType, CoroutineType, GeneratorType

RUNNER_ENV = "TASKLANE_RUNNER"
MAGIC = b"TLF1"
FLUSH_BYTES = 64 * 1024
IDLE_GAP_NS = 20_000  # a loop busy again this soon after a step never went idle
ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
OWN_FILE = os.path.abspath(__file__)
HAS_CANCELLING = hasattr(asyncio.Task, "cancelling")  # 3.11+
TASKGROUPS_FILE = os.path.join(ASYNCIO_DIR, "taskgroups.py")  # 3.11+
SLEEP_CODE = asyncio.tasks.sleep.__code__
SLEEP0_LABEL = "sleep 0 s"
GATHERING_FUTURE = asyncio.tasks._GatheringFuture

OP_STRING, OP_START, OP_TASK, OP_RENAME, OP_RUN, OP_AWAIT, OP_AWAIT_BY, OP_JOIN, OP_END, OP_DROPPED, OP_EXIT = range(11)
TASK_KINDS = {kind: code for code, kind in enumerate(["script", "async", "timer", "immediate", "io", "combinator", "callback", "coroutine"])}
END_STATES = {state: code for code, state in enumerate(["resolved", "rejected", "cancelled"])}
EXIT_REASONS = ["exit", "exception", "rejection", "signal", "killed"]
# Varints of the numbers most records carry (ids, string refs, short time deltas), made once.
SMALL_VARINTS = [bytes((n,)) if n < 0x80 else bytes(((n & 0x7F) | 0x80, n >> 7)) for n in range(0x4000)]
# The low 14 bits of a larger number, both bytes marked "more follows": nanosecond deltas are long.
LOW14_VARINTS = [bytes(((n & 0x7F) | 0x80, (n >> 7) | 0x80)) for n in range(0x4000)]


def varint(n):
    """The bytes of an unsigned varint."""
    if n < 0x4000:
        return SMALL_VARINTS[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class Encoder:
    """The frame format of src/trace/codec.ts: varints, nanosecond deltas, interned strings."""

    def __init__(self):
        self.buf = bytearray()
        self.strings = {}
        self.last_ns = 0

    def uint(self, n):
        buf = self.buf
        if n < 0x4000:
            buf += SMALL_VARINTS[n]
        elif n < 0x10000000:
            buf += LOW14_VARINTS[n & 0x3FFF]
            n >>= 14
            buf += SMALL_VARINTS[n]
        else:
            buf += varint(n)

    def text(self, s):
        data = s.encode("utf-8", "surrogateescape") if s else b""
        self.uint(len(data))
        self.buf += data

    def ref(self, s):
        ident = self.strings.get(s)
        if ident is None:
            ident = len(self.strings) + 1
            self.strings[s] = ident
            self.buf.append(OP_STRING)
            self.uint(ident)
            self.text(s)
        return ident

    def timed(self, op, ns):
        self.buf.append(op)
        delta = ns - self.last_ns
        if delta < 0:
            delta = 0
        else:
            self.last_ns = ns
        buf = self.buf
        if delta < 0x4000:  # uint() inline: every record but a few is timed
            buf += SMALL_VARINTS[delta]
        elif delta < 0x10000000:
            buf += LOW14_VARINTS[delta & 0x3FFF]
            buf += SMALL_VARINTS[delta >> 14]
        else:
            self.uint(delta)

    def start(self, script, cwd):
        self.buf.append(OP_START)
        self.text("python")
        self.text("%d.%d.%d" % sys.version_info[:3])
        self.uint(os.getpid())
        self.text(script)
        self.text(cwd)
        self.uint(int(time.time() * 1000))

    def task(self, ns, ident, parent, kind, name, site, internal=False):
        # One per asyncio.Task: known strings and small numbers straight from their tables.
        strings = self.strings
        name_ref = strings.get(name) or self.ref(name)
        site_ref = strings.get(site) or self.ref(site)
        self.timed(OP_TASK, ns)
        buf = self.buf
        if ident < 0x4000 and parent < 0x4000 and name_ref < 0x4000 and site_ref < 0x4000:
            buf += SMALL_VARINTS[ident]
            buf += SMALL_VARINTS[parent]
            buf.append(TASK_KINDS[kind])
            buf += SMALL_VARINTS[name_ref]
            buf += SMALL_VARINTS[site_ref]
        else:
            self.uint(ident)
            self.uint(parent)
            buf.append(TASK_KINDS[kind])
            self.uint(name_ref)
            self.uint(site_ref)
        buf.append(1 if internal else 0)

    def rename(self, ns, ident, name):
        name_ref = self.ref(name)
        self.timed(OP_RENAME, ns)
        self.uint(ident)
        self.uint(name_ref)

    def run(self, ns, ident):
        # The most frequent record.
        self.timed(OP_RUN, ns)
        if ident < 0x4000:
            self.buf += SMALL_VARINTS[ident]
        else:
            self.uint(ident)

    def wait(self, ns, ident, target, label, site):
        # One per task step: known strings and small numbers straight from their tables.
        strings = self.strings
        label_ref = strings.get(label) or self.ref(label)
        site_ref = strings.get(site) or self.ref(site)
        self.timed(OP_AWAIT, ns)
        buf = self.buf
        if ident < 0x4000 and target < 0x4000 and label_ref < 0x4000 and site_ref < 0x4000:
            buf += SMALL_VARINTS[ident]
            buf += SMALL_VARINTS[target]
            buf += SMALL_VARINTS[label_ref]
            buf += SMALL_VARINTS[site_ref]
        else:
            for n in (ident, target, label_ref, site_ref):
                self.uint(n)

    def join(self, ns, ident, member):
        self.timed(OP_JOIN, ns)
        self.uint(ident)
        self.uint(member)

    def end(self, ns, ident, state, message, site):
        site_ref = self.ref(site)
        self.timed(OP_END, ns)
        self.uint(ident)
        self.buf.append(END_STATES[state])
        self.text(message)
        self.uint(site_ref)

    def resolved(self, ns, ident_bytes):
        """end(ns, ident, "resolved", "", "") from the id's varint."""
        site_ref = self.strings.get("") or self.ref("")
        self.timed(OP_END, ns)
        buf = self.buf
        buf += ident_bytes
        buf.append(0)  # resolved
        buf.append(0)  # no message
        self.uint(site_ref)

    def exit(self, ns, reason, code, sig, message, site):
        self.timed(OP_EXIT, ns)
        self.buf.append(EXIT_REASONS.index(reason))
        self.uint(0 if code is None else code + 1)
        self.text(sig)
        self.text(message)
        self.text(site)

    def take_frame(self):
        if not self.buf:
            return b""
        frame = len(self.buf).to_bytes(4, "little") + bytes(self.buf)
        self.buf = bytearray()
        return frame


class Sink:
    """Writes frames to the side channel; a daemon thread flushes while the program waits."""

    def __init__(self, fd, flush_ms):
        self.fd = fd
        self.lock = threading.Lock()
        self.enc = Encoder()
        self.broken = False
        self.before_flush = None
        self._write(MAGIC)
        flusher = threading.Thread(target=self._flush_every, args=(flush_ms / 1000.0,), name="tasklane-flush", daemon=True)
        flusher.start()

    def _flush_every(self, seconds):
        while not self.broken:
            time.sleep(seconds)
            self.flush()

    def maybe_flush(self):
        if len(self.enc.buf) >= FLUSH_BYTES:
            self._write(self.enc.take_frame())

    def flush(self):
        with self.lock:
            if self.before_flush is not None:
                self.before_flush()
            self._write(self.enc.take_frame())

    def _write(self, data):
        if self.broken or not data:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view):]
        except OSError:
            self.broken = True


_absolute = {}
_library_code = {}


def absolute(filename):
    path = _absolute.get(filename)
    if path is None:
        path = _absolute[filename] = os.path.abspath(filename)
    return path


def is_library(code):
    """Code of asyncio, of the runner or frozen: never the user's. Cached by the code object's
    identity: hashing a code object hashes its contents, about 450 ns on 3.12+, more than a step."""
    entry = _library_code.get(id(code))
    if entry is not None and entry[0] is code:
        return entry[1]
    filename = code.co_filename
    library = filename.startswith(ASYNCIO_DIR) or filename == OWN_FILE or filename.startswith("<frozen")
    _library_code[id(code)] = (code, library)
    return library


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


# The code of the runner's step hook, set by install(): below it on the stack is the loop itself.
_step_hook_code = None


def user_site(frame):
    """file:line:column of the first frame outside asyncio and the runner; "" when asyncio made
    the task in a callback of the loop's own (a start_server handler for a new connection): the
    user's frame below that is only where the loop was started."""
    while frame is not None:
        code = frame.f_code
        if code is _step_hook_code:
            return ""
        if not is_library(code):
            return line_site(frame)
        frame = frame.f_back
    return ""


def seconds(value):
    """A duration as a label shows it: three significant digits, whole seconds from 100 up
    ("0.0845", "5", "120"); random delays would otherwise read 0.0845123."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "%d" % round(value) if 100 <= value < 1e15 else "%.3g" % value


def code_name(code):
    return getattr(code, "co_qualname", code.co_name)


def coroutine_code(coro):
    return getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)


def task_name(given_name, code):
    """A task's name: the one it was given, or for asyncio's default ("Task-7") its coroutine's."""
    return code_name(code) if code is not None and given_name.startswith("Task-") else given_name


def task_group_of(frame):
    """The TaskGroup whose create_task made a task (`frame` called loop.create_task), if any."""
    code = frame.f_code
    if code.co_name == "create_task" and code.co_filename == TASKGROUPS_FILE:
        return frame.f_locals.get("self")
    return None


def cancelled_by(state):
    return "cancelled by %s" % state.canceller if state.canceller else "cancelled"


def describe_error(exc):
    message = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    site = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith(ASYNCIO_DIR) and filename != OWN_FILE:
            site = "%s:%d:1" % (os.path.abspath(filename), tb.tb_lineno)
        tb = tb.tb_next
    return message, site


class TaskState:
    __slots__ = ("ident", "name", "given_name", "coro", "plain", "ident_bytes", "site_lasti", "site", "sleep0_record", "started", "spans", "groups", "group", "canceller", "cancels_noted", "cancels", "cancelling", "cancels_seen", "ended")

    def __init__(self, ident, name, given_name, coro, plain, cancels_noted):
        self.ident = ident
        self.ident_bytes = varint(ident)  # as run and wait records carry it
        self.name = name
        self.given_name = given_name  # Task.get_name() when last seen
        self.coro = coro
        self.plain = plain  # its coroutine is a coroutine of the user's own, not asyncio's
        self.site_lasti = -1  # where its coroutine last awaited asyncio.sleep, and that site
        self.site = ""
        self.sleep0_record = b""
        self.started = False
        self.spans = []  # [(coroutine object, span task id, its frame or None)] of coroutines awaited directly, outermost first
        self.groups = []  # [TaskGroup, combinator id, [(message, site) of failed members]] this task opened, until they end
        self.group = None  # that entry of the group this task was made in
        self.canceller = None  # who asked to cancel it, in words: "main", "TaskGroup", "asyncio.timeouts"
        # Whether the step running now delivers a cancellation: a cancel() came since the last step.
        # Counted as the tracer's Task.cancel sees them, else read from Task.cancelling() (3.11+;
        # a task of a loop's own task factory). Counting costs less than two calls a step.
        self.cancels_noted = cancels_noted
        self.cancels = 0
        self.cancelling = False
        self.cancels_seen = 0  # cancels, or Task.cancelling(), after the last step
        self.ended = False


class Tracer:
    def __init__(self, sink, script):
        self.sink = sink
        self.enc = sink.enc
        t0 = perf_counter_ns()
        self.enc.last_ns = t0  # times are perf_counter_ns() readings; the trace counts from here
        self.next_id = 2
        self.tasks = {}  # asyncio.Task -> TaskState
        self.task_types = set()  # the classes of those tasks: only their instances are looked up
        self.current = None
        self.cancel_noting_type = None  # the Task class whose cancel() the tracer sees (install)
        self.root = 1
        self.idle_since = -1
        # When a coroutine of the user's started or returned in the step running now, by its frame
        # (Python 3.12+, from sys.monitoring; see watch_coroutines): a span's exact start and end.
        self.frame_times = {}
        self.watch_returns = None  # asks for a code object's returns to be timed too (3.12+)
        self.returns_watched = set()
        sink.before_flush = self.report_idle
        with sink.lock:
            self.enc.start(script, os.getcwd())
            self.enc.task(t0, self.root, 0, "script", os.path.basename(script), "")
            self.enc.run(t0, self.root)

    def new_id(self):
        ident = self.next_id
        self.next_id += 1
        return ident

    def on_task_created(self, task, frame):
        # What needs no lock is worked out before taking it.
        coro = task.get_coro()
        code = coroutine_code(coro)
        given_name = task.get_name()
        name = task_name(given_name, code)
        library = code is not None and is_library(code)
        site = user_site(frame)
        group = task_group_of(frame)
        current = self.current
        with self.sink.lock:
            ns = perf_counter_ns()
            state = TaskState(self.new_id(), name, given_name, coro, type(coro) is CoroutineType and not library, type(task) is self.cancel_noting_type)
            self.tasks[task] = state
            self.task_types.add(type(task))
            self.enc.task(ns, state.ident, current.ident if current is not None else self.root, "async", name, site, library)
            if group is not None and current is not None:
                if current.groups:
                    self.end_groups(current, None, ns)  # one it left before opening this one ends here
                state.group = self.group_task(group, current, site, ns)
                self.enc.join(ns, state.group[1], state.ident)
            self.sink.maybe_flush()

    def group_task(self, group, opener, site, ns):
        """A TaskGroup is a combinator: a task joining the tasks made in it, ending when it exits."""
        for entry in opener.groups:
            if entry[0] is group:
                return entry
        entry = [group, self.new_id(), []]
        opener.groups.append(entry)
        self.enc.task(ns, entry[1], opener.ident, "combinator", "TaskGroup", site)
        return entry

    def end_groups(self, state, api, ns):
        """Ends the groups `state` opened that have exited: it no longer waits in their __aexit__."""
        waiting_in = frame_of(api).f_locals.get("self") if api is not None and code_of(api).co_name == "__aexit__" else None
        for entry in list(state.groups):
            group, ident, failures = entry
            if group is waiting_in or not getattr(group, "_exiting", False):
                continue
            state.groups.remove(entry)
            # Like the group's ExceptionGroup: what its members raised (it clears its own list on exit).
            if failures:
                self.enc.end(ns, ident, "rejected", "; ".join(message for message, _ in failures), failures[0][1])
            else:
                self.enc.end(ns, ident, "resolved", "", "")

    def on_cancel(self, task):
        state = self.tasks.get(task)
        if state is None:
            return
        state.cancels += 1
        if state.canceller is not None:
            return
        if self.current is not None:
            state.canceller = self.current.name
        else:
            # Not from a task: a loop callback, such as the timer of asyncio.timeout (wait_for on 3.12+)
            # or a TaskGroup cancelling the rest when one of its tasks failed.
            caller = sys._getframe(2)
            if caller.f_code.co_filename.startswith(ASYNCIO_DIR):
                module = os.path.splitext(os.path.basename(caller.f_code.co_filename))[0]
                state.canceller = "TaskGroup" if module == "taskgroups" else "asyncio." + module

    def step_hook(self, original_run):
        """The loop's Handle._run, recording each task step between a run record and a wait or
        end record. It runs on every step, so what it uses is bound here once and the common
        case is inline: each attribute lookup and call shows (P1: 60,000 steps)."""
        tracer = self
        tasks_get = self.tasks.get
        task_types = self.task_types
        enc = self.enc
        frame_times = self.frame_times
        acquire, release = self.sink.lock.acquire, self.sink.lock.release

        def _run(handle):
            task = getattr(handle._callback, "__self__", None)
            state = tasks_get(task) if type(task) in task_types else None
            if state is None:
                return original_run(handle)
            acquire()
            try:
                ns = perf_counter_ns()
                if not state.started:
                    tracer.first_step(task, state, ns)
                idle = tracer.idle_since
                if idle >= 0:
                    if ns - idle > IDLE_GAP_NS:
                        enc.run(idle, 0)
                    tracer.idle_since = -1
                delta = ns - enc.last_ns
                if delta >= 0:  # Encoder.run inline (its clamp of a time before the last aside): a call costs more than the record
                    enc.last_ns = ns
                    buf = enc.buf
                    buf.append(OP_RUN)
                    if delta < 0x4000:
                        buf += SMALL_VARINTS[delta]
                    else:
                        enc.uint(delta)
                    buf += state.ident_bytes
                else:
                    enc.run(ns, state.ident)
                if state.cancels_noted:
                    state.cancelling = state.cancels != state.cancels_seen
                elif HAS_CANCELLING:
                    state.cancelling = task.cancelling() > state.cancels_seen
            finally:
                release()
            tracer.current = state
            try:
                return original_run(handle)
            finally:
                tracer.current = None  # steps do not nest: a loop cannot run inside a running one
                acquire()
                try:
                    ns = perf_counter_ns()
                    coro = state.coro
                    if task.done():
                        tracer.finish_task(task, state, ns)
                    elif state.plain and type(inner := coro.cr_await) is CoroutineType and inner.cr_code is SLEEP_CODE and not state.spans and not state.groups:
                        # asyncio.sleep in the task's own coroutine, the commonest wait: nothing of the
                        # user's is below it, so the chain is not walked further, and the site is kept.
                        frame = coro.cr_frame
                        if frame.f_lasti != state.site_lasti:
                            tracer.keep_site(state, frame)
                        delta = ns - enc.last_ns
                        if task._fut_waiter is not None:  # sleep(delay): a future, and the delay in the label
                            enc.wait(ns, state.ident, 0, "sleep %s s" % seconds(inner.cr_frame.f_locals.get("delay", 0)), state.site)
                        elif delta >= 0:  # sleep(0), its record inline, all but its time kept
                            enc.last_ns = ns
                            buf = enc.buf
                            buf.append(OP_AWAIT)
                            if delta < 0x4000:
                                buf += SMALL_VARINTS[delta]
                            else:
                                enc.uint(delta)
                            buf += state.sleep0_record
                        else:
                            enc.wait(ns, state.ident, 0, SLEEP0_LABEL, state.site)
                    else:
                        tracer.record_suspension(task, state, ns)
                    if state.cancels_noted:
                        state.cancels_seen = state.cancels
                    elif HAS_CANCELLING:
                        state.cancels_seen = task.cancelling()
                    # The loop is idle from here unless another step follows at once (sent lazily).
                    tracer.idle_since = ns
                    if len(enc.buf) >= FLUSH_BYTES:
                        tracer.sink.maybe_flush()
                    if frame_times:
                        frame_times.clear()
                finally:
                    release()

        return _run

    def first_step(self, task, state, ns):
        state.started = True
        given_name = task.get_name()
        if given_name != state.given_name:  # asyncio.create_task(name=...) names the task after creating it (up to 3.11)
            state.given_name = given_name
            name = task_name(given_name, coroutine_code(state.coro))
            if name != state.name:
                state.name = name
                self.enc.rename(ns, state.ident, name)

    def report_idle(self):
        """Called by the flusher: a loop that stayed idle says so."""
        if self.idle_since >= 0:
            self.enc.run(self.idle_since, 0)
            self.idle_since = -1

    def finish_task(self, task, state, ns):
        state.ended = True
        del self.tasks[task]
        if not state.spans and not state.groups and not task.cancelled() and task.exception() is None:
            self.enc.resolved(ns, state.ident_bytes)  # the commonest end, without building its outcome
            return
        if task.cancelled():
            outcome = ("cancelled", cancelled_by(state), "")
        elif task.exception() is None:
            outcome = ("resolved", "", "")
        else:
            outcome = ("rejected",) + describe_error(task.exception())
            if state.group is not None:
                state.group[2].append(outcome[1:])
        if state.groups:
            self.end_groups(state, None, ns)
        # Coroutines still open on the task's lane ended the way the task did, or were cancelled
        # when this step delivered a cancellation the task then caught (wait_for on 3.12+).
        self.close_spans(state, 0, ns, *(("cancelled", cancelled_by(state), "") if state.cancelling and outcome[0] != "cancelled" else outcome))
        self.enc.end(ns, state.ident, *outcome)

    def keep_site(self, state, frame):
        """Where the task's own coroutine awaits asyncio.sleep now, kept until it awaits elsewhere,
        with the rest of a sleep(0) wait record (after its time) for the step hook."""
        state.site_lasti = frame.f_lasti
        state.site = line_site(frame)
        enc = self.enc
        state.sleep0_record = state.ident_bytes + b"\0" + varint(enc.ref(SLEEP0_LABEL)) + varint(enc.ref(state.site))

    def record_suspension(self, task, state, ns):
        """What a task waits for when it suspends anywhere but in asyncio.sleep (the step hook's)."""
        coro = state.coro
        chain, users, nested, last_user, api, innermost = walk_await_chain(coro, bool(state.spans))
        if nested and chain is None:
            chain, users, nested, last_user, api, innermost = walk_await_chain(coro, True)
        if chain is not None:
            self.update_spans(state, span_links(chain, users), chain, ns)
        if state.groups:
            self.end_groups(state, api, ns)
        waiter = getattr(task, "_fut_waiter", None)
        site = line_site(frame_of(last_user)) if last_user is not None else ""
        for group, ident, _ in state.groups:
            if api is not None and code_of(api).co_name == "__aexit__" and frame_of(api).f_locals.get("self") is group:
                self.enc.wait(ns, state.ident, ident, "", site)
                return
        # A gather the user's own code awaits is a combinator; one inside asyncio is its business.
        if isinstance(waiter, GATHERING_FUTURE) and not is_library(innermost):
            self.enc.wait(ns, state.ident, self.gather_task(waiter, state, site, ns), "", site)
            return
        target = self.tasks.get(waiter) if waiter is not None else None
        label = ""
        if target is None:
            origin, inner = future_origin(waiter) if api is None and waiter is not None else ("", None)
            target = self.tasks.get(inner) if inner is not None else None
            if target is None:
                label = origin or wait_label(api, waiter)
        self.enc.wait(ns, state.ident, target.ident if target is not None else 0, label, site)

    def gather_task(self, gathering, state, site, ns):
        """gather() is a combinator: a task joining the tasks it waits for."""
        ident = getattr(gathering, "_tasklane_id", None)
        if ident is not None:
            return ident
        ident = self.new_id()
        gathering._tasklane_id = ident
        self.enc.task(ns, ident, state.ident, "combinator", "gather", site)
        for child in getattr(gathering, "_children", []):
            member = self.tasks.get(child)
            self.enc.join(ns, ident, member.ident if member is not None else 0)
        gathering.add_done_callback(lambda fut: self.end_gather(fut, ident))
        return ident

    def end_gather(self, gathering, ident):
        with self.sink.lock:
            ns = perf_counter_ns()
            if gathering.cancelled():
                self.enc.end(ns, ident, "cancelled", "", "")
            elif gathering.exception() is not None:
                message, site = describe_error(gathering.exception())
                self.enc.end(ns, ident, "rejected", message, site)
            else:
                self.enc.end(ns, ident, "resolved", "", "")

    def update_spans(self, state, users, chain, ns):
        """Coroutines awaited directly are spans on their task's lane, as tasks of kind coroutine."""
        keep = 0
        while keep < len(state.spans) and keep < len(users) and state.spans[keep][0] is users[keep][0]:
            keep += 1
        # Coroutines left in a step that delivered a cancellation were cancelled (wait_for on 3.12+).
        self.close_spans(state, keep, ns, *(("cancelled", cancelled_by(state), "") if state.cancelling else ()))
        for link in users[keep:]:
            obj, code = link
            ident = self.new_id()
            parent = state.spans[-1][1] if state.spans else state.ident
            # Where the user's code awaited it, through asyncio's own frames if any (wait_for on 3.12+).
            index = chain.index(link) - 1
            while index >= 0 and is_library(chain[index][1]):
                index -= 1
            site = line_site(frame_of(chain[index][0])) if index >= 0 else ""
            # Seen now, as the step ends; sys.monitoring (3.12+) saw when it started in the step.
            frame = frame_of(obj) if self.watch_returns is not None else None
            self.enc.task(self.frame_times.get(frame, ns), ident, parent, "coroutine", code_name(code), site)
            state.spans.append((obj, ident, frame))
            if frame is not None and code not in self.returns_watched:
                self.returns_watched.add(code)
                self.watch_returns(code)

    def close_spans(self, state, keep, ns, end_state="resolved", message="", site=""):
        """Ends spans from the innermost out: as `end_state` at `ns`, or, for a coroutine sys.monitoring
        saw return in this step (3.12+), resolved when it returned."""
        while len(state.spans) > keep:
            _, ident, frame = state.spans.pop()
            returned = self.frame_times.get(frame) if frame is not None else None
            if returned is not None:
                self.enc.end(returned, ident, "resolved", "", "")
            else:
                self.enc.end(ns, ident, end_state, message, site)

    def finish(self, reason, code, sig, message, site):
        with self.sink.lock:
            ns = perf_counter_ns()
            self.report_idle()
            for task, state in list(self.tasks.items()):
                self.close_spans(state, 0, ns)
            ok = reason == "exit" and code == 0
            self.enc.end(ns, self.root, "resolved" if ok else "rejected", message or ("" if ok else "exit code %s" % code), site)
            self.enc.exit(ns, reason, code, sig, message, site)
        self.sink.flush()


# Awaitables with no frame of their own (asyncio's C Future iterator): where await chains end.
_leaf_types = set()


def _async_generator_step_types():
    """The types of `agen.asend(...)` and `agen.athrow(...)`: what `async for` awaits."""
    async def probe():
        yield
    agen = probe()
    steps = (agen.asend(None), agen.athrow(GeneratorExit))
    for step in steps:
        step.close()
    return {type(step) for step in steps}


_async_generator_steps = _async_generator_step_types()


def async_generator_of(step):
    """The async generator an asend/athrow awaitable steps. It has no attribute for it, but it
    holds it as one of its references."""
    for ref in gc.get_referents(step):
        if type(ref) is AsyncGeneratorType:
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
        elif kind in _async_generator_steps:  # `async for` over an async generator: walk on inside it
            obj = async_generator_of(obj)
            if obj is None:
                break
            code, inner = obj.ag_code, obj.ag_await
        else:  # another awaitable with coroutine-like attributes (Cython, compiled code), or none
            frame = getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None)
            if frame is None:
                if not hasattr(obj, "cr_frame") and not hasattr(obj, "gi_frame"):
                    _leaf_types.add(kind)
                break
            code = frame.f_code
            inner = getattr(obj, "cr_await", None) if hasattr(obj, "cr_await") else getattr(obj, "gi_yieldfrom", None)
        innermost = code
        if links:
            link = (obj, code)
            chain.append(link)
        entry = _library_code.get(id(code))
        library = entry[1] if entry is not None and entry[0] is code else is_library(code)
        if not library:
            if not first:
                nested = True
            last_user = obj
            if links:
                users.append(link)
        elif api is None:
            api = obj
        first = False
        obj = inner
    return chain, users, nested, last_user, api, innermost


def frame_of(awaitable):
    """The frame of a coroutine, generator, async generator or coroutine-like awaitable in an await chain."""
    kind = type(awaitable)
    if kind is CoroutineType:
        return awaitable.cr_frame
    if kind is AsyncGeneratorType:
        return awaitable.ag_frame
    return getattr(awaitable, "gi_frame", None) or getattr(awaitable, "cr_frame", None)


def code_of(awaitable):
    kind = type(awaitable)
    if kind is CoroutineType:
        return awaitable.cr_code
    if kind is GeneratorType:
        return awaitable.gi_code
    if kind is AsyncGeneratorType:
        return awaitable.ag_code
    return frame_of(awaitable).f_code


def span_links(chain, users):
    """The user's coroutines awaited inside the task's own, outermost first."""
    return users[1:] if users and users[0] is chain[0] else users


# asyncio's helpers that hand out a bare future, known by the done callback they put on it.
FUTURE_ORIGINS = {
    "_chain_future.<locals>._call_check_cancel": "concurrent.futures.Future",  # run_in_executor, wrap_future
    "shield.<locals>._outer_done_callback": "shield",
}


def future_origin(future):
    """(label, inner future) for a future an asyncio helper made and the task awaits directly:
    run_in_executor's says what it stands for, shield's leads to the task it shields."""
    for callback, _ in getattr(future, "_callbacks", None) or ():
        label = FUTURE_ORIGINS.get(getattr(callback, "__qualname__", ""))
        if label is None:
            continue
        for cell in getattr(callback, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, asyncio.Future) and value is not future:
                return label, value
        return label, None
    return "", None


def wait_label(api, waiter):
    """What a task waits for, in asyncio's words: the asyncio API its code called."""
    if api is not None:
        name = code_of(api).co_name
        if name == "__aenter__" and type(api) is CoroutineType and type(api.cr_await) is CoroutineType:
            # `async with lock:` waits in what __aenter__ awaits: Lock.acquire, Semaphore.acquire.
            api = api.cr_await
            name = api.cr_code.co_name
        if name == "sleep":
            # sleep(0) yields without a future; reading a frame's locals costs more than its step.
            return SLEEP0_LABEL if waiter is None else "sleep %s s" % seconds(frame_of(api).f_locals.get("delay", 0))
        locals_ = frame_of(api).f_locals
        if name == "wait_for":
            timeout = locals_.get("timeout")
            return "wait_for %s s" % seconds(timeout) if isinstance(timeout, (int, float)) else "wait_for"
        owner = locals_.get("self")
        return "%s.%s" % (type(owner).__name__, name) if owner is not None else name
    if waiter is None:
        return "yield"
    return type(waiter).__name__


TRACER = None


def install(tracer):
    original_run = asyncio.events.Handle._run
    original_create_task = asyncio.base_events.BaseEventLoop.create_task
    base_task = asyncio.tasks.Task

    def create_task(self, coro, *args, **kwargs):
        task = original_create_task(self, coro, *args, **kwargs)
        try:
            tracer.on_task_created(task, sys._getframe(1))
        except Exception:
            pass
        return task

    class Task(base_task):
        """asyncio's Task, noting who cancels it (same name, so reprs are unchanged)."""

        def cancel(self, *args, **kwargs):
            try:
                tracer.on_cancel(self)
            except Exception:
                pass
            return super().cancel(*args, **kwargs)

    tracer.cancel_noting_type = Task
    Task.__qualname__ = base_task.__qualname__
    Task.__module__ = base_task.__module__
    global _step_hook_code
    step_hook = tracer.step_hook(original_run)
    _step_hook_code = step_hook.__code__
    asyncio.events.Handle._run = step_hook
    asyncio.base_events.BaseEventLoop.create_task = create_task
    asyncio.tasks.Task = Task
    watch_coroutines(tracer)


CO_COROUTINE = 0x80
MONITORING_TOOLS = (4, 3)  # ids no standard tool claims (debugger 0, coverage 1, profiler 2, optimizer 5)


def watch_coroutines(tracer):
    """Python 3.12+: sys.monitoring times when the user's coroutines start (PY_START) and, for
    those that became spans, return (PY_RETURN), so a span covers the time its coroutine ran, not
    the task steps it was seen in (a coroutine that computes 100 ms before its first await holds
    those 100 ms). Every other function stops reporting after its first start (DISABLE)."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return
    tool = next((t for t in MONITORING_TOOLS if monitoring.get_tool(t) is None), None)
    if tool is None:
        return  # both taken by the program's own tools: spans are timed by the steps they are seen in
    events, disable = monitoring.events, monitoring.DISABLE
    frame_times = tracer.frame_times
    getframe = sys._getframe

    def on_start(code, offset):
        try:
            if not code.co_flags & CO_COROUTINE or is_library(code):
                return disable
            if tracer.current is not None:
                frame_times[getframe(1)] = perf_counter_ns()
        except Exception:
            pass
        return None

    def on_return(code, offset, value):
        try:
            if tracer.current is not None:
                frame_times[getframe(1)] = perf_counter_ns()
        except Exception:
            pass

    monitoring.use_tool_id(tool, "tasklane")
    monitoring.register_callback(tool, events.PY_START, on_start)
    monitoring.register_callback(tool, events.PY_RETURN, on_return)
    monitoring.set_events(tool, events.PY_START)
    tracer.watch_returns = lambda code: monitoring.set_local_events(tool, code, events.PY_RETURN)


def resend_when_free(lock, signum):
    """Sends `signum` to this process again once `lock` is free (from a thread of its own)."""
    def resend():
        with lock:
            pass
        os.kill(os.getpid(), signum)

    threading.Thread(target=resend, name="tasklane-signal", daemon=True).start()


def show_traceback(exc, script):
    """Prints the traceback as `python script.py` would: starting at the script's own frame."""
    start = exc.__traceback__
    while start is not None and os.path.abspath(start.tb_frame.f_code.co_filename) != script:
        start = start.tb_next
    if start is not None:
        exc.__traceback__ = start
    sys.excepthook(type(exc), exc, exc.__traceback__)


def main():
    config = json.loads(os.environ.pop(RUNNER_ENV, "") or "null")
    if len(sys.argv) < 2:
        sys.stderr.write("usage: tasklane_runner.py script.py [args...]\n")
        return 2
    script = os.path.abspath(sys.argv[1])
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(script)
    tracer = None
    if isinstance(config, dict) and isinstance(config.get("fd"), int):
        try:
            os.fstat(config["fd"])
            tracer = Tracer(Sink(config["fd"], config.get("flushMs", 20)), script)
            install(tracer)
        except Exception:
            tracer = None

    def finish(reason, code, sig="", message="", site=""):
        if tracer is not None:
            try:
                tracer.finish(reason, code, sig, message, site)
            except Exception:
                pass

    def end_by(signum):
        finish("signal", None, "SIGTERM", "terminated by SIGTERM")
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def on_sigterm(signum, _frame):
        # Python runs the handler between two bytecodes of the main thread, perhaps in the middle
        # of a record, holding the sink's lock: then nothing can be written (waiting for the lock
        # would wait for ever), and the program ends from its loop just after, outside any record.
        lock = tracer.sink.lock
        if lock.acquire(blocking=False):
            lock.release()
            end_by(signum)
            return
        try:
            asyncio.get_running_loop().call_soon_threadsafe(end_by, signum)
        except RuntimeError:  # no loop running: once the lock is free, the signal comes again
            resend_when_free(lock, signum)

    if tracer is not None and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, on_sigterm)

    with open(script, "rb") as source_file:
        source = source_file.read()
    globals_ = {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__, "__package__": None, "__spec__": None, "__loader__": None, "__cached__": None}
    sys.modules["__main__"] = type(sys)("__main__")
    sys.modules["__main__"].__dict__.update(globals_)
    try:
        code = compile(source, script, "exec")
        exec(code, sys.modules["__main__"].__dict__)
    except SystemExit as exc:
        status = exc.code
        exit_code = 0 if status is None else status if isinstance(status, int) else 1
        finish("exit", exit_code)
        raise
    except KeyboardInterrupt as exc:
        message, site = describe_error(exc)
        finish("signal", None, "SIGINT", "interrupted (KeyboardInterrupt)", site)
        show_traceback(exc, script)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as exc:
        message, site = describe_error(exc)
        finish("exception", 1, "", message, site)
        show_traceback(exc, script)
        return 1
    finish("exit", 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
