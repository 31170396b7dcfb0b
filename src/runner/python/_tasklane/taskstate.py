"""What the tracer keeps of each asyncio.Task while it lives."""

from .frames import varint

RUN_WRITTEN = -1  # a step_start whose run record is written
SITE_UNKNOWN = -1  # a site_lasti before the task's coroutine first awaits asyncio.sleep
SITE_FIXED = -2  # a site_lasti of a coroutine that awaits at one place only: its site never changes
# The slot of the tracer's Task class that holds a task's TaskState (hooks.install, Tracer.follow).
TASK_STATE = "_tasklane"


def cancelled_by(state):
    """A cancelled task's end, in words: who cancelled it, and their message (Task.cancel(msg))."""
    words = "cancelled by %s" % state.canceller if state.canceller else "cancelled"
    message = getattr(state, "cancel_message", None)
    return "%s: %s" % (words, message) if message else words


class TaskState:
    """What the tracer keeps of a task while it lives, carried by the task (Tracer.follow): what
    it holds, the coroutine first, keeps nothing alive that the task itself does not."""

    __slots__ = ("ident", "name", "given_name", "coro", "plain", "fast", "watch", "step_start", "ident_bytes", "site_lasti", "site", "sleep0_record", "name_checked", "spans", "groups", "group", "timeouts", "canceller", "cancels_noted", "cancel_pending", "cancelling", "cancels_seen", "gathering", "made_at", "cancel_message")

    def __init__(self, ident, name, given_name, coro, plain, cancels_noted):
        self.ident = ident
        self.ident_bytes = varint(ident)  # as run and wait records carry it
        self.name = name
        self.given_name = given_name  # Task.get_name() when last seen; None: asyncio's default, not asked for
        self.coro = coro
        self.plain = plain  # its coroutine is a coroutine of the user's own, not asyncio's
        # The step hook's shortcut for a step that ends in asyncio.sleep: plain, and no spans,
        # groups, timeouts or cancellation to settle (each sets it False; a step's end recomputes it).
        self.fast = plain
        # The step hook looks closer at the start of a step: one after a cancel(), and the first of
        # a task not of the tracer's Task class, whose name may have been set since (the tracer's
        # own Task reports set_name, which asyncio.create_task(name=...) calls after making it).
        self.watch = not cancels_noted
        self.name_checked = cancels_noted
        # When the step running now started, while its run record waits to be written with its
        # end as one step record; RUN_WRITTEN once something had to follow it first (settle_run).
        self.step_start = RUN_WRITTEN
        self.site_lasti = SITE_UNKNOWN  # where its coroutine last awaited asyncio.sleep, and that site
        self.site = ""
        self.sleep0_record = b""
        # Lists made when first needed (most tasks never have any):
        self.spans = ()  # [(coroutine object, span task id, its frame or None)] of coroutines awaited directly, outermost first
        self.groups = ()  # [TaskGroup, combinator id, [(message, site) of failed members], members] this task opened, until they end
        self.group = None  # that entry of the group this task was made in
        self.timeouts = ()  # [(asyncio.timeout() block, its delay in seconds)] it has entered, until they end
        self.canceller = None  # who asked to cancel it, in words: "main", "TaskGroup", "asyncio.timeouts"
        # Whether the step running now delivers a cancellation: a cancel() came before it and
        # after the step before. Seen by the tracer's Task.cancel (cancel_pending), else read from
        # Task.cancelling() at each step's start (3.11+; a task of a loop's own task factory).
        self.cancels_noted = cancels_noted
        self.cancel_pending = False
        self.cancelling = False
        self.cancels_seen = 0  # Task.cancelling() at the start of the last step
        # The gather it waits for, (future, combinator id): ended as the task resumes, if done, as
        # the gather's own done callback runs only after the task's step.
        self.gathering = None
        # made_at, set for a task of asyncio's own coroutine only (not here: P1 makes 10,000 tasks):
        # where it was made, which is where what it makes is made too. cancel_message, set by a
        # Task.cancel(msg) only: its message.
