"""What every task made at one point of the program has in common, worked out once per point: P1
makes 10,000 tasks at one line, and working each out anew (its coroutine's name, the user's
frame, whether a TaskGroup made it, the strings of its record) cost a task more than its step."""

from types import CoroutineType

from .code import coroutine_module, coroutine_origin, definition_site, is_awaitable_wrapper, is_package_file, is_users, package_only_sites, served_request, task_group_of, walk_to_user_site
from .frames import TASK_KINDS, varint
from .origins import handles_connection

ASYNC_KIND = bytes((TASK_KINDS["async"],))


class CreationPoint:
    """Tasks of one coroutine function made by one line (`maker`, the frame that called
    loop.create_task, at one offset, called from `caller`, the frame `back`, at one offset)."""

    __slots__ = ("code", "maker", "maker_offset", "caller", "caller_offset", "name", "module", "serves", "wraps", "plain", "asyncios_own", "site", "in_group", "asked", "tail", "keeps_site", "runs_handed")

    def __init__(self, enc, coro, frame, back, site):
        code, self.name, library, self.asyncios_own = coroutine_origin(coro)
        # An awaitable the program handed to ensure_future (gather): its task, named after it.
        self.wraps = code is not None and is_awaitable_wrapper(code)
        if self.wraps:
            self.asyncios_own = False
        self.code = code
        self.module = coroutine_module(coro)  # anyio names tasks by it (code.task_name)
        self.serves = served_request(coro) is not None  # a server's task for one request: each named after its own
        self.maker = frame.f_code
        self.maker_offset = frame.f_lasti
        self.caller = back.f_code
        self.caller_offset = back.f_lasti
        self.plain = type(coro) is CoroutineType and not library  # a coroutine of the user's own, not asyncio's
        # Made by a package with none of the project's code on the stack:
        by_package_alone = bool(package_only_sites) and site in package_only_sites and code is not None
        if by_package_alone and is_users(code) and not is_package_file(code.co_filename):
            site = definition_site(code)  # a package runs the project's coroutine (a framework its handler)
        self.site = site
        # A package's wrapper coroutine so made (anyio's listener starting a handler's task): at the
        # project's coroutine it runs, worked out per task.
        self.runs_handed = by_package_alone and is_package_file(code.co_filename)
        # Its tasks keep where they were made (TaskState made_at): asyncio's coroutines, whose tasks'
        # tasks are made there too, and a package's (httpx's AsyncClient.get gathered), whose waits
        # are placed there when none of the project's code is in them.
        self.keeps_site = not self.plain or (code is not None and is_package_file(code.co_filename))
        self.in_group = task_group_of(frame) is not None  # TaskGroup.create_task: the group is the frame's
        self.asked = handles_connection(frame)  # a server's handler (OriginRecorder.asked_by)
        # A task record's end for a task of the coroutine's name made here, after its id and parent.
        self.tail = None
        if self.name is not None:
            self.tail = ASYNC_KIND + varint(enc.ref(self.name)) + varint(enc.ref(site)) + (b"\1" if self.asyncios_own else b"\0")


class CreationPoints:
    """The points tasks are made at, by ids of code objects and offsets (hashing a code object
    hashes its contents), and the last one used, which is asked first: a loop making tasks makes
    them all at one point, and comparing with it costs less than building and hashing a key."""

    def __init__(self):
        self.points = {}
        self.last = None

    def at(self, enc, coro, frame):
        """The point a task of `coro` made by `frame` is made at. It is kept only where the user's
        frame is `frame` or its caller; a site deeper down is walked to each time."""
        code = coro.cr_code if type(coro) is CoroutineType else coroutine_origin(coro)[0]
        back = frame.f_back or frame
        last = self.last
        if last is not None and last.code is code and last.maker is frame.f_code and last.maker_offset == frame.f_lasti and last.caller is back.f_code and last.caller_offset == back.f_lasti:
            return last
        key = (id(code), id(frame.f_code), frame.f_lasti, id(back.f_code), back.f_lasti)
        point = self.points.get(key)
        if point is None or point.code is not code or point.maker is not frame.f_code or point.caller is not back.f_code:
            site, depth = walk_to_user_site(frame)
            point = CreationPoint(enc, coro, frame, back, site)
            if depth > 1:
                return point
            self.points[key] = point
        self.last = point
        return point
