"""Which task scheduled the loop callback running now. asyncio runs a callback (call_later's,
add_done_callback's, add_signal_handler's) in a copy of the context it was scheduled from, and a
task's steps in the task's own context: naming each task in its context makes a task that a
callback makes a child of the task that scheduled the callback, not of the script."""
import asyncio
import contextvars

# The id of the task whose context this is (a program listing a context's variables sees it).
OWNER = contextvars.ContextVar("tasklane_task")
set_owner = OWNER.set


if hasattr(asyncio.Task, "get_context"):  # 3.12+

    def name_in_context(task, ident):
        """Sets OWNER to `ident` in the context of `task`, whose first step is still to run."""
        task.get_context().run(set_owner, ident)

else:

    def name_in_context(task, ident):
        """Sets OWNER to `ident` in the context of `task`, whose first step is still to run."""
        # That step was just scheduled with the task's context (a loop of its own, uvloop's, keeps no _ready).
        ready = getattr(task.get_loop(), "_ready", None)
        handle = ready[-1] if ready else None
        if handle is not None and getattr(handle._callback, "__self__", None) is task:
            handle._context.run(set_owner, ident)
