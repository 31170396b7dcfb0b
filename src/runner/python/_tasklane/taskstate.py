"""What the tracer keeps of each asyncio.Task while it lives."""

from .frames import varint

RUN_WRITTEN = -1  # a step_start whose run record is written
SITE_UNKNOWN = -1  # a site_lasti before the task's coroutine first awaits asyncio.sleep
SITE_FIXED = -2  # a site_lasti of a coroutine that awaits at one place only: its site never changes
# What the tracer keeps of a task while it lives, in these slots of the task itself (the tracer's
# Task class has them; any task that takes attributes can carry them), else of a TaskState kept for
# it (Tracer.follow). Prefixed, as they sit beside the task's own: a program's Task subclass may
# well have a `name`. Carried by the task, there is no object more per task for the garbage
# collector to visit (P1: 10,000 live tasks).
STATE_SLOTS = ("_tl_ident", "_tl_name", "_tl_given_name", "_tl_coro", "_tl_plain", "_tl_fast", "_tl_watch", "_tl_step_start", "_tl_ident_bytes", "_tl_site_lasti", "_tl_site", "_tl_sleep0_record", "_tl_name_checked", "_tl_spans", "_tl_groups", "_tl_group", "_tl_timeouts", "_tl_canceller", "_tl_cancels_noted", "_tl_cancel_pending", "_tl_cancelling", "_tl_cancels_seen", "_tl_gathering", "_tl_made_at", "_tl_cancel_message")


def cancelled_by(state):
    """A cancelled task's end, in words: who cancelled it, and their message (Task.cancel(msg))."""
    words = "cancelled by %s" % state._tl_canceller if state._tl_canceller else "cancelled"
    message = getattr(state, "_tl_cancel_message", None)
    return "%s: %s" % (words, message) if message else words


def init_state(state, ident, name, given_name, coro, plain, cancels_noted):
    """Sets a task's state up: on the task itself, or on the TaskState standing for it. What it
    holds, the coroutine first, keeps nothing alive that the task itself does not."""
    state._tl_ident = ident
    state._tl_ident_bytes = varint(ident)  # as run and wait records carry it
    state._tl_name = name
    state._tl_given_name = given_name  # Task.get_name() when last seen; None: asyncio's default, not asked for
    state._tl_coro = coro
    state._tl_plain = plain  # its coroutine is a coroutine of the user's own, not asyncio's
    # The step hook's shortcut for a step that ends in asyncio.sleep: plain, and no spans,
    # groups, timeouts or cancellation to settle (each sets it False; a step's end recomputes it).
    state._tl_fast = plain
    # The step hook looks closer at the start of a step: one after a cancel(), and the first of
    # a task not of the tracer's Task class, whose name may have been set since (the tracer's
    # own Task reports set_name, which asyncio.create_task(name=...) calls after making it).
    state._tl_watch = not cancels_noted
    state._tl_name_checked = cancels_noted
    # When the step running now started, while its run record waits to be written with its
    # end as one step record; RUN_WRITTEN once something had to follow it first (settle_run).
    state._tl_step_start = RUN_WRITTEN
    state._tl_site_lasti = SITE_UNKNOWN  # where its coroutine last awaited asyncio.sleep, and that site
    state._tl_site = ""
    state._tl_sleep0_record = b""
    # Lists made when first needed (most tasks never have any):
    state._tl_spans = ()  # [(coroutine object, span task id, its frame or None)] of coroutines awaited directly, outermost first
    state._tl_groups = ()  # [TaskGroup, combinator id, [(message, site) of failed members], members] this task opened, until they end
    state._tl_group = None  # that entry of the group this task was made in
    state._tl_timeouts = ()  # [(asyncio.timeout() block, its delay in seconds)] it has entered, until they end
    state._tl_canceller = None  # who asked to cancel it, in words: "main", "TaskGroup", "asyncio.timeouts"
    # Whether the step running now delivers a cancellation: a cancel() came before it and
    # after the step before. Seen by the tracer's Task.cancel (cancel_pending), else read from
    # Task.cancelling() at each step's start (3.11+; a task of a loop's own task factory).
    state._tl_cancels_noted = cancels_noted
    state._tl_cancel_pending = False
    state._tl_cancelling = False
    state._tl_cancels_seen = 0  # Task.cancelling() at the start of the last step
    # The gather it waits for, (future, combinator id): ended as the task resumes, if done, as
    # the gather's own done callback runs only after the task's step.
    state._tl_gathering = None
    # made_at, set for a task of asyncio's or a package's coroutine only (not here: P1 makes
    # 10,000 tasks): where it was made, which is where what asyncio's makes is made too, and where
    # a package's waits are placed (CreationPoint.keeps_site). cancel_message, set by a
    # Task.cancel(msg) only: its message.


def let_go(state):
    """The task has ended: the state says so (no ident), and lets go of what the task does not hold."""
    state._tl_ident = 0
    state._tl_spans = state._tl_groups = state._tl_timeouts = ()
    state._tl_group = state._tl_gathering = None


class TaskState:
    """A task's state, for a task that takes no attributes (a task factory's own type)."""

    __slots__ = STATE_SLOTS
    __init__ = init_state
