"""uvloop's event loop runs tasks from compiled code the tracer cannot see into: a program that asks
for it (uvloop.install(), uvloop.run(), uvloop.new_event_loop(), uvicorn's default loop when
uvloop is installed) runs on asyncio's own loop in its place, which behaves the same, and is told
so once. uvloop makes every loop as its module's `Loop`, looked up when it makes one: that is what
is stood in for, as uvloop is imported."""

import asyncio

from .code import tell
from .imports import after_import

NOTICE = (
    "this program asked for uvloop's event loop, which Tasklane cannot trace; it runs on "
    "asyncio's own loop in its place (it behaves the same; its timings are asyncio's)."
)


class UvloopStandIn(asyncio.SelectorEventLoop):  # asyncio's loop where uvloop runs (Linux, macOS)
    """What uvloop.Loop() makes under the tracer."""

    told = False

    def __init__(self):
        super().__init__()
        if not UvloopStandIn.told:
            UvloopStandIn.told = True
            tell(NOTICE)


def _stand_in(module):
    module.Loop = UvloopStandIn


def stand_in_for_uvloop():
    """From now, uvloop's loops are asyncio's (uvloop imported already, as a sitecustomize may, too)."""
    after_import("uvloop", _stand_in)
