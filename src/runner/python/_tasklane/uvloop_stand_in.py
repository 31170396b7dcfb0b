"""uvloop's event loop runs tasks from compiled code the tracer cannot see into: a program that asks
for it (uvloop.install(), uvloop.run(), uvloop.new_event_loop(), uvicorn's default loop when
uvloop is installed) runs on asyncio's own loop in its place, which behaves the same, and is told
so once. uvloop makes every loop as its module's `Loop`, looked up when it makes one: that is what
is stood in for, as uvloop is imported."""

import asyncio
import importlib.machinery
import sys

from .code import tell

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


class _UvloopFinder:
    """Finds uvloop as the path would, and has its module stand asyncio's loop in once it has run."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "uvloop":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_stand_in(module):
            exec_module(module)
            module.Loop = UvloopStandIn

        spec.loader.exec_module = exec_then_stand_in
        return spec


def stand_in_for_uvloop():
    """From now, uvloop's loops are asyncio's (uvloop imported already, as a sitecustomize may, too)."""
    module = sys.modules.get("uvloop")
    if module is not None:
        module.Loop = UvloopStandIn
    else:
        sys.meta_path.insert(0, _UvloopFinder())
