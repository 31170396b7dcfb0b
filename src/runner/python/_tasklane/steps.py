"""Each task step as the loop runs it: the step hook in place of Handle._run, which records the
step as a run and the wait or end that follows it."""

import asyncio
import asyncio.tasks
from types import CoroutineType, MethodType

from .awaits import SLEEP0_LABEL
from .clock import perf_counter_ns
from .code import awaits_at_one_place, exception_of, line_site, raised_through, seconds
from .frames import OP_STEP, OP_STEP_END, SMALL_VARINTS, varint
from .taskstate import RUN_WRITTEN, SITE_FIXED, SITE_UNKNOWN

IDLE_GAP_NS = 20_000  # a loop busy again this soon after a step never went idle
NOT_IDLE = 1 << 62  # idle_since when the loop is not idle: later than any perf_counter_ns()
HAS_CANCELLING = hasattr(asyncio.Task, "cancelling")  # 3.11+
SLEEP_CODE = asyncio.tasks.sleep.__code__
# A pure-Python task's step and wakeup, as asyncio names them and as a subclass overrides them
# (asyncio's own in C are no Python methods).
STEP_METHODS = ("__step", "__wakeup", "_Task__step", "_Task__wakeup")


class _Reraise:
    """A context whose run() raises the error a step let out, for Handle._run to report."""

    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error

    def run(self, *args):
        raise self.error


def report_step_error(original_run, handle, error):
    """asyncio's own report of an error a task step let out ("Exception in callback …", only a
    broken Task subclass's), as this Python's Handle._run words it, the step having run inline in
    the step hook. Its traceback has one frame of the runner's, where it is raised again."""
    context = handle._context
    handle._context = _Reraise(error)
    try:
        original_run(handle)
    finally:
        handle._context = context


class StepRecorder:
    """The Tracer's part that runs and records each task step (its state: see Tracer)."""

    def step_hook(self, original_run):
        """The loop's Handle._run, recording each task step as its run and the wait or end that
        follows, written when the step ends. It runs on every step, so what it uses is bound here
        once and the common case is inline: each attribute lookup and call shows (P1: 60,000 steps)."""
        tracer = self
        task_types_get = self.task_types.get
        foreign_get = self.foreign_tasks.get
        enc = self.enc
        frame_times = self.frame_times
        frame_errors = self.frame_errors
        sink = self.sink
        lock = sink.lock
        take, give = lock.take, lock.give
        released = self.released_frames

        def let_go_of_frames():
            frame_times.clear()
            frame_errors.clear()
            released.clear()

        def _run(handle):
            callback = handle._callback
            task = getattr(callback, "__self__", None)
            if type(callback) is MethodType and callback.__func__.__name__ not in STEP_METHODS:
                task = None  # a task's method the program scheduled itself (call_later(5, task.cancel)): no step of it
            carries = task_types_get(type(task))
            if carries:
                state = task  # it carries its state (see follow); no ident once it has ended
                try:
                    if not task._tl_ident:
                        state = None
                except AttributeError:  # a task made without loop.create_task: not followed
                    state = None
            else:
                state = foreign_get(task) if carries is not None else None
            if state is None:
                return tracer.run_program_callback(original_run, handle)
            ns = perf_counter_ns()
            if state._tl_watch:
                try:
                    tracer.start_watched_step(task, state, ns)
                except Exception:
                    pass  # the step runs whatever the tracer does
            else:
                state._tl_step_start = ns  # its run record is written with its end, or when settle_run() must
                tracer.current = state
            try:
                # Handle._run's own body, inline: one Python call less on every step (P1: 60,000).
                args = handle._args
                if args:  # a wakeup's future
                    handle._context.run(handle._callback, *args)
                else:  # a step: a call without unpacking, as on every sleep(0)
                    handle._context.run(handle._callback)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as error:
                raised_through(error)
                report_step_error(original_run, handle, error)
            finally:
                try:
                    take()
                except IndexError:  # held by the flusher, or by another thread's loop
                    lock.acquire()
                try:
                    tracer.current = None  # steps do not nest: a loop cannot run inside a running one
                    ns = perf_counter_ns()
                    coro = state._tl_coro
                    if state._tl_fast and type(inner := coro.cr_await) is CoroutineType and inner.cr_code is SLEEP_CODE:
                        # asyncio.sleep in the task's own coroutine, the commonest wait: nothing of the
                        # user's is below it, so the chain is not walked further, and the site is kept.
                        lasti = state._tl_site_lasti
                        if lasti == SITE_UNKNOWN:
                            tracer.first_sleep_site(state, coro)
                        elif lasti != SITE_FIXED:
                            frame = coro.cr_frame
                            if frame.f_lasti != lasti:
                                tracer.keep_site(state, frame)
                        start = state._tl_step_start
                        delta = start - enc.last_ns
                        if task._fut_waiter is not None:  # sleep(delay): a future, and the delay in the label
                            tracer.settle_run(state)
                            enc.wait(ns, state._tl_ident, 0, "sleep %s s" % seconds(inner.cr_frame.f_locals.get("delay", 0)), state._tl_site)
                        elif delta >= 0 and start - tracer.idle_since <= IDLE_GAP_NS:
                            # sleep(0) after a step whose run is not written yet: one step record, inline
                            # (a call costs more than the record), all but its times kept.
                            enc.last_ns = ns
                            enc.events += 2  # a run and a wait, as Encoder.step_times counts it
                            buf = enc.buf
                            buf.append(OP_STEP)
                            if delta < 0x4000:
                                buf += SMALL_VARINTS[delta]
                            else:
                                enc.uint(delta)
                            delta = ns - start
                            if delta < 0x4000:
                                buf += SMALL_VARINTS[delta]
                            else:
                                enc.uint(delta)
                            buf += state._tl_sleep0_record
                        else:
                            tracer.settle_run(state)
                            enc.wait(ns, state._tl_ident, 0, SLEEP0_LABEL, state._tl_site)
                    else:
                        tracer.end_step(task, state, ns)
                    # The loop is idle from here unless another step follows at once (sent lazily).
                    tracer.idle_since = ns
                    if ns >= sink.due_ns:  # a busy loop sends its frames itself (see Sink)
                        sink.send_due()
                except Exception:
                    pass  # never let tracing reach the program (a try costs nothing until it catches)
                finally:
                    give(True)
                if frame_times or released:
                    # The frames the tracer held (of coroutines that have returned, whose locals
                    # they keep) are let go of in the task's context, as the step's end, with the
                    # lock free: a finalizer of their locals may make a task, or see a context variable.
                    try:
                        handle._context.run(let_go_of_frames)
                    except Exception:
                        pass

        return _run

    def start_watched_step(self, task, state, ns):
        """The start of a task's first step, or of one after a cancel() or a gather."""
        if state._tl_gathering is not None:
            gathering, ident = state._tl_gathering
            state._tl_gathering = None
            if gathering.done():
                self.end_gather(gathering, ident, ns)
        state._tl_step_start = ns
        self.current = state
        if not state._tl_name_checked:
            self.check_name(task, state, ns)
        if state._tl_watch:
            self.watch_cancel(task, state)

    def settle_run(self, state):
        """Writes the run record of the step `state` is in, if not written yet: a record of its
        step is about to follow (or the flusher sends what the loop is doing)."""
        start = state._tl_step_start
        if start == RUN_WRITTEN:
            return
        state._tl_step_start = RUN_WRITTEN
        if start - self.idle_since > IDLE_GAP_NS:  # the loop went idle when the last step ended
            self.enc.run(self.idle_since, 0)
        self.enc.run(start, state._tl_ident)

    def settle_current(self, ns):
        """Before a record at `ns` from outside the step hook (the caller holds the lock): the run of
        the step running now, if not written yet, else the loop's idle since the last step. Records
        go in time order: an idle written after this record would start only at `ns`, and the task
        of the last step would seem to have held the loop until then."""
        if self.current is not None:
            self.settle_run(self.current)
        elif ns - self.idle_since > IDLE_GAP_NS:
            self.enc.run(self.idle_since, 0)
            self.idle_since = NOT_IDLE

    def watch_cancel(self, task, state):
        """Whether the step starting now delivers a cancellation."""
        if state._tl_cancels_noted:
            state._tl_cancelling = state._tl_cancel_pending
            state._tl_cancel_pending = state._tl_watch = False
        elif HAS_CANCELLING:
            count = task.cancelling()
            state._tl_cancelling = count > state._tl_cancels_seen
            state._tl_cancels_seen = count
        else:
            state._tl_watch = False
        if state._tl_cancelling:
            state._tl_fast = False

    def end_step(self, task, state, ns):
        """The end of a step the step hook's shortcut does not cover."""
        if task.done():
            start = state._tl_step_start
            delta = start - self.enc.last_ns
            if state._tl_fast and delta >= 0 and start - self.idle_since <= IDLE_GAP_NS and not task.cancelled() and exception_of(task) is None and not self.enc.full:
                # The commonest end, a plain task resolving: one record for its last step and its end
                # (past the event cap, an end is a record of its own: the step's run is left out).
                self.enc.step_times(OP_STEP_END, delta, ns - start, ns)
                self.enc.buf += state._tl_ident_bytes
                if state is task:
                    # forget(), inline for a task that carries its state: on this path it holds no
                    # spans, groups, timeouts or gather (let_go), only perhaps the group it was made in.
                    task._tl_ident = 0
                    task._tl_group = None
                else:
                    self.forget(task)
                return
            self.settle_run(state)
            self.finish_task(task, state, ns)
            return
        self.settle_run(state)
        self.record_suspension(task, state, ns)
        if self.destroyed:  # collected while the wait was worked out (a span's id, a label)
            self.write_collected()
        if state._tl_cancelling and HAS_CANCELLING and task.cancelling() == 0:
            # It took the cancellation in (an asyncio.timeout() that expired): a later one is someone else's.
            state._tl_canceller = state._tl_cancel_message = None
        state._tl_cancelling = False
        state._tl_fast = state._tl_plain and not state._tl_spans and not state._tl_groups and not state._tl_timeouts

    def first_sleep_site(self, state, coro):
        """The task's coroutine awaits asyncio.sleep for the first time: where, from its code alone
        if that awaits at one place only and another task's has slept there (no frame object is
        made for the coroutine then, nor read at any step after)."""
        code = coro.cr_code
        entry = self.fixed_sleep_sites.get(id(code))
        if entry is not None and entry[0] is code:
            state._tl_site_lasti = SITE_FIXED
            state._tl_site = entry[1]
            state._tl_sleep0_record = state._tl_ident_bytes + entry[2]
        else:
            self.keep_site(state, coro.cr_frame)

    def keep_site(self, state, frame):
        """Where the task's own coroutine awaits asyncio.sleep now, kept until it awaits elsewhere,
        with the rest of a sleep(0) wait record (after its time) for the step hook."""
        state._tl_site_lasti = lasti = frame.f_lasti
        code = frame.f_code
        # The site, and what follows the task's id in the record: the same for every task there.
        entry = self.sleep0_sites.get((id(code), lasti))
        if entry is None or entry[0] is not code:
            site = line_site(frame)
            enc = self.enc
            fixed = awaits_at_one_place(code)
            entry = self.sleep0_sites[(id(code), lasti)] = (code, site, b"\0" + varint(enc.ref(SLEEP0_LABEL)) + varint(enc.ref(site)), fixed)
            if fixed:
                self.fixed_sleep_sites[id(code)] = entry
        if entry[3]:
            state._tl_site_lasti = SITE_FIXED
        state._tl_site = entry[1]
        state._tl_sleep0_record = state._tl_ident_bytes + entry[2]
