"""gather() and TaskGroup as the trace shows them: combinators, tasks joining the tasks they wait for."""

import asyncio.tasks

from .awaits import code_of, frame_of
from .clock import perf_counter_ns
from .code import describe_error, exception_of
from .taskstate import cancelled_by

# What asyncio's TaskGroup raises for an error of its `async with` body, as Python prints it.
GROUP_ERROR = "ExceptionGroup: unhandled errors in a TaskGroup"
RESOLVED = ("resolved", "", "")
GATHERING_FUTURE = asyncio.tasks._GatheringFuture


def group_name(group):
    """A TaskGroup's name in the trace: its class's, a subclass's own (`Supervisor`) too."""
    return type(group).__qualname__


class CombinatorRecorder:
    """The tracer's records of combinators (a part of Tracer: it uses its enc, sink, tasks and ids)."""

    def group_task(self, group, opener, site, ns):
        """A TaskGroup is a combinator: a task joining the tasks made in it, ending when it exits,
        made with the first (`site`: its), placed where `async with` opened it (see hooks.py)."""
        for entry in opener._tl_groups:
            if entry[0] is group:
                return entry
        entry = [group, self.new_id(), [], 0]
        if not opener._tl_groups:
            opener._tl_groups = []
        opener._tl_groups.append(entry)
        self.enc.task(ns, entry[1], opener._tl_ident, "combinator", group_name(group), getattr(group, "_tasklane_site", site))
        return entry

    def end_groups(self, state, api, ns):
        """Ends the groups `state` opened that have exited: it no longer waits in their __aexit__."""
        waiting_in = frame_of(api).f_locals.get("self") if api is not None and code_of(api).co_name == "__aexit__" else None
        for entry in list(state._tl_groups):
            group, ident, failures, _ = entry
            if group is waiting_in or not getattr(group, "_exiting", False):
                continue
            state._tl_groups.remove(entry)
            # Like the group's ExceptionGroup: what its members raised (it clears its own list on exit).
            if failures:
                self.enc.end(ns, ident, "rejected", "; ".join(message for message, _ in failures), failures[0][1])
            else:
                self.enc.end(ns, ident, *getattr(group, "_tasklane_end", RESOLVED))

    def on_group_abort(self, group):
        """TaskGroup._abort: called in its owner's step, the group is left with an error of the
        `async with` body's (an ExceptionGroup follows) or as the owner is cancelled (a timeout
        around it), and ends so; called in a loop callback, one of its tasks failed (end_groups)."""
        owner = self.task_stepping()
        task = getattr(group, "_parent_task", None)
        if owner is None or self.state_of(task) is not owner:
            return
        # A cancellation of the owner still under way (an inner group's passing it on, a step later).
        group._tasklane_end = ("cancelled", cancelled_by(owner), "") if task.cancelling() > 0 else ("rejected", GROUP_ERROR, "")

    def gather_task(self, gathering, parent, site, ns):
        """gather() is a combinator: a task of `parent`'s joining the tasks it waits for, a gather it
        was given among them (`gather(gather(a(), b()), c())`), made here as its own, though not
        awaited itself; placed where it was called (see hooks.py), else at `site`."""
        ident = getattr(gathering, "_tasklane_id", None)
        if ident is not None:
            return ident
        ident = self.new_id()
        gathering._tasklane_id = ident
        self.enc.task(ns, ident, parent, "combinator", "gather", getattr(gathering, "_tasklane_site", "") or site)
        members = []
        for child in getattr(gathering, "_children", []):
            if isinstance(child, GATHERING_FUTURE):
                members.append(self.gather_task(child, parent, site, ns))
                continue
            member = self.task_behind(child)
            # One that has ended already (a gather of finished tasks) is a member all the same.
            members.append(member._tl_ident if member is not None else self.ident_of_ended(child))
        self.enc.joins(ns, ident, members)
        gathering.add_done_callback(lambda fut: self.end_gather(fut, ident))
        return ident

    def end_gather(self, gathering, ident, ns=None):
        """At `ns`, the start of the step of the task it woke, or now, in its done callback."""
        if getattr(gathering, "_tasklane_ended", False):
            return
        gathering._tasklane_ended = True
        with self.sink.lock:
            if ns is None:
                ns = perf_counter_ns()
            self.settle_current(ns)
            # A gather cancelled, or one of its children, ends with a CancelledError set as its
            # exception (asyncio passes the children's cancellation on so), not cancelled itself.
            if gathering.cancelled() or isinstance(exception_of(gathering), asyncio.CancelledError):
                self.enc.end(ns, ident, "cancelled", "", "")
            elif exception_of(gathering) is not None:
                message, site = describe_error(exception_of(gathering))
                self.enc.end(ns, ident, "rejected", message, site)
            else:
                self.enc.end(ns, ident, "resolved", "", "")
