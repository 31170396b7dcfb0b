"""Tasks as they are made and named: each task's record, with its parent, site and name."""

import asyncio
from threading import get_ident

from .clock import perf_counter_ns
from .code import awaitable_name, given_name_of, handed_site, renamed_task_name, served_request, task_group_of, task_name
from .frames import FLUSH_BYTES
from .owners import OWNER, name_in_context
from .taskstate import RUN_WRITTEN, init_state

EAGER_TASKS = hasattr(asyncio, "eager_task_factory")  # 3.12+: a task's first step may run in create_task


class TaskMaker:
    """The Tracer's part that records tasks as they are made and renamed (its state: see Tracer)."""

    def new_id(self):
        ident = self.next_id
        self.next_id += 1
        return ident

    def on_task_created(self, task, coro, frame, unnamed=False, made_ns=None):
        """`coro`: the coroutine create_task was given. A task of asyncio.eager_task_factory (3.12+)
        has run its first step inside create_task already, and may have finished: it then no longer
        holds its coroutine (get_coro() crashes the interpreter on 3.12.0 and 3.12.1); it was made
        as create_task began, at `made_ns` (what that step made is recorded before it). `unnamed`:
        the task has asyncio's default name ("Task-7", which 3.12+ spells out only when asked); a
        task of the tracer's own Task class, which reports set_name(), is not asked for it."""
        if self.enc.full:  # past the event cap a new task is not followed: it costs the program no more
            self.enc.events += 1
            if type(task) is self.cancel_noting_type:
                task._tl_ident = 0  # unfollowed, known at once by the step hook (an unset slot raises)
            return
        # What needs no lock is worked out before taking it.
        done = task.done()
        if not done:
            coro = task.get_coro()
        own_type = type(task) is self.cancel_noting_type
        given_name = None if unnamed and own_type else given_name_of(task)
        # running_here(), inline: it runs for every task. With one loop this runs in the main
        # thread only (a task made in another makes the tracer go threaded first, see hooks).
        steps = self.steps_by_thread
        current = self.current if steps is None else steps.get(get_ident())
        lock = self.sink.lock
        try:
            lock.take()
        except IndexError:  # held by the flusher, or by another thread's loop
            lock.acquire()
        try:  # a new point's strings are written as it is made
            point = self.creation_points.at(self.enc, coro, frame)
            if given_name is None:
                name = point.name
                if name is None:
                    name = given_name = given_name_of(task) or type(task).__name__
            else:
                name = task_name(given_name, point.name, point.module)
            if point.serves and name is point.name:
                name = served_request(coro) or name
            elif point.wraps and name is point.name:
                name = awaitable_name(coro) or name
            site = point.site
            if point.runs_handed:
                site = handed_site(coro) or site
            # A loop callback's: the server, socket or signal it is a callback of, or the task that scheduled it.
            parent = current._tl_ident if current is not None else self.io_task_running or OWNER.get(self.root)
            if self.creating:  # made inside a task factory's create_task (3.12+)
                parent = self.eager_parent(parent)
            if not site and current is not None and not current._tl_plain:
                site = getattr(current, "_tl_made_at", "")  # made by asyncio's own coroutine run as a task (asyncio.run(asyncio.wait_for(...)))
            ident = None
            if point.asked or self.threadsafe_calls:
                asked = self.asked_by(coro, frame, point.asked)
                if asked is not None:
                    parent, site, ident = asked
            ns = perf_counter_ns()
            if current is None or current._tl_step_start != RUN_WRITTEN:  # else nothing to settle, as in a loop making tasks
                self.settle_current(ns)
            if not ident and self.reserved_idents:
                ident = self.reserved_idents.pop(task, None)
            if not ident:
                ident = self.next_id  # new_id(), inline: it runs for every task
                self.next_id = ident + 1
            if own_type:
                state = task  # follow(), inline for the tracer's own Task class
                init_state(task, ident, name, given_name, coro, point.plain, True)
            else:
                state = self.follow(task, ident, name, given_name, coro, point.plain, False)
            if point.keeps_site:
                state._tl_made_at = site
            made = ns if made_ns is None else made_ns
            if name is point.name and site is point.site:
                self.enc.task_made(made, state._tl_ident_bytes, parent, point.tail)
            else:
                self.enc.task(made, state._tl_ident, parent, "async", name, site, point.asyncios_own)
            group = task_group_of(frame) if point.in_group else None
            if group is not None and current is not None:
                if current._tl_groups:
                    self.end_groups(current, None, ns)  # one it left before opening this one ends here
                state._tl_group = self.group_task(group, current, site, ns)
                current._tl_fast = False  # its step ends with a group to settle
                state._tl_group[3] += 1
                self.enc.join(ns, state._tl_group[1], state._tl_ident)
            if done:
                self.finish_task(task, state, ns)
            elif EAGER_TASKS and state._tl_plain and coro.cr_suspended:  # an eager task waits already
                state._tl_name_checked = True
                self.record_suspension(task, state, ns)
            if self.destroyed:  # collected while this record was written
                self.write_collected()
            if len(self.enc.buf) >= FLUSH_BYTES:  # a loop making tasks fills the buffer between two steps
                self.sink.send_frame()
        finally:
            lock.give(True)
        if not done:
            try:
                name_in_context(task, ident)
            except Exception:
                pass  # a context entered now (one the program shares between tasks), or a loop of its own

    def eager_parent(self, parent):
        """The parent of a task made inside another task's create_task: the task whose eager first
        step runs there, not yet recorded (its create_task reports it once the step is over), which
        is given its id now; else `parent`, the task whose step runs."""
        running = asyncio.current_task()
        if running is None or self.state_of(running) is not None:
            return parent
        ident = self.reserved_idents.get(running)
        if ident is None:
            ident = self.reserved_idents[running] = self.new_id()
        return ident

    def on_task_made_directly(self, task, frame):
        """A task the program made itself, asyncio.Task(coro, loop=...), not through
        loop.create_task: traced alike, if its loop is asyncio's own."""
        if isinstance(task.get_loop(), asyncio.base_events.BaseEventLoop) and self.state_of(task) is None:
            self.on_task_created(task, None, frame)

    def on_rename(self, task):
        """The task's name was set (Task.set_name), perhaps while it runs."""
        state = self.state_of(task)
        if state is None or self.sink.broken:
            return
        given_name = given_name_of(task)
        if given_name == state._tl_given_name:
            return
        state._tl_given_name = given_name
        name = renamed_task_name(given_name, state._tl_coro)
        if name == state._tl_name:
            return
        state._tl_name = name
        with self.sink.lock:
            ns = perf_counter_ns()
            self.settle_current(ns)
            self.enc.rename(ns, state._tl_ident, name)

    def check_name(self, task, state, ns):
        state._tl_name_checked = True
        given_name = given_name_of(task)
        if given_name != state._tl_given_name:  # asyncio.create_task(name=...) names the task after creating it (up to 3.11)
            state._tl_given_name = given_name
            name = renamed_task_name(given_name, state._tl_coro)
            if name != state._tl_name:
                state._tl_name = name
                with self.sink.lock:
                    self.settle_run(state)
                    self.enc.rename(ns, state._tl_ident, name)
