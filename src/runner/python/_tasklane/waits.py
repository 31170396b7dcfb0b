"""What a task waits for when it suspends, in its wait record's words, and the asyncio.timeout()
blocks that bound the wait."""

import asyncio.tasks
import concurrent.futures
import weakref
from types import CoroutineType

from .awaits import awaiter_of, awaits_primitive, code_of, frame_of, future_origin, given_label, project_link, span_links, wait_for_call, wait_label, walk_await_chain
from .code import awaited_name, coroutine_name, is_library, is_package_file, is_users, line_site, seconds
from .combinators import GATHERING_FUTURE, group_name
from .connections import CONNECTION_OPENS, SERVER_WAITS, STREAM_WAITS
from .origins import SUBPROCESS_WAITS

WEAKLY_KEYED_FUTURES = (asyncio.Future, concurrent.futures.Future)
try:
    from asyncio.timeouts import _State as _TimeoutState  # 3.11+

    TIMEOUT_ENTERED = _TimeoutState.ENTERED
except ImportError:
    TIMEOUT_ENTERED = None


def gather_words(gathering):
    return "gather ×%d" % len(getattr(gathering, "_children", ()))


class WaitRecorder:
    """The tracer's wait records (a part of Tracer: it uses its enc, tasks, spans and combinators)."""

    def __init__(self):
        self.timeout_delays = weakref.WeakKeyDictionary()  # asyncio.timeout(delay) -> the delay

    def on_timeout_made(self, timeout, delay):
        self.timeout_delays[timeout] = delay

    def on_timeout_set(self, timeout, frame):
        """An asyncio.timeout() block was entered, or rescheduled, by `frame` (which called
        Timeout.reschedule). asyncio's own (wait_for on 3.12+) is left out: that wait says its timeout."""
        entering = is_library(frame.f_code)  # called by Timeout.__aenter__: the block is its caller's
        if entering:
            frame = frame.f_back
        if frame is None or is_library(frame.f_code):
            return
        state = self.state_of(timeout._task)
        if state is None:
            return
        # Blocks left since are let go of here too: a loop of blocks that never wait inside (so
        # that no wait's label prunes them) would otherwise copy a longer list at every entry.
        timeouts = [entry for entry in state._tl_timeouts if entry[0] is not timeout and entry[0]._state is TIMEOUT_ENTERED]
        when = timeout.when()
        if when is not None:
            # The delay as written, else (asyncio.timeout_at, a reschedule) what is left of it now.
            delay = self.timeout_delays.pop(timeout, None) if entering else None
            timeouts.append((timeout, delay if delay is not None else when - timeout._task.get_loop().time()))
        state._tl_timeouts = timeouts
        state._tl_fast = False  # the step hook's sleep shortcut does not label timeouts

    def bounded(self, state, label):
        """`label`, and the timeout of the asyncio.timeout() block that ends the wait soonest, if any."""
        timeouts = state._tl_timeouts = [entry for entry in state._tl_timeouts if entry[0]._state is TIMEOUT_ENTERED]
        if not timeouts:
            return label
        return "%s, timeout %s s" % (label, seconds(min(timeouts, key=lambda entry: entry[0].when())[1]))

    def task_behind(self, future):
        """The task a future stands for (its ident and name): a task itself (a shielded one too), a
        run_in_executor or thread pool submit call's, or the one run_coroutine_threadsafe has
        another thread's loop make, made or not yet; or that of the future an asyncio helper's
        future follows (wrap_future's, shield's: see future_origin). The weak maps are asked only
        about asyncio's and concurrent.futures' futures: a program's own future type may not be
        weakly referable."""
        target = self.state_of(future)
        if target is None and isinstance(future, WEAKLY_KEYED_FUTURES):
            target = self.executor_calls.get(future) or self.threadsafe_futures.get(future)
            if target is None and isinstance(future, asyncio.Future):
                inner = future_origin(future)[1] or self.chained_to_done.get(future)
                target = self.task_behind(inner) if inner is not None else None
        return target

    def io_awaited(self, api, waiter):
        """The child process, socket, server or connect task a wait in asyncio's `api` is for (a
        subprocess's wait(), a stream's read(), a server's serve_forever(), open_connection), else None."""
        code = code_of(api)
        if code in SUBPROCESS_WAITS:
            return self.child_process_awaited(api, waiter)
        if code in STREAM_WAITS:
            return self.stream_awaited(api)
        if code in SERVER_WAITS:
            return self.server_awaited(api)
        return self.connection_awaited(waiter) if code in CONNECTION_OPENS else None

    def record_gather_wait(self, state, gathering, label, site, ns):
        """A wait for a gather, a combinator task of its own."""
        ident = self.gather_task(gathering, state._tl_ident, site, ns)
        state._tl_gathering = (gathering, ident)
        state._tl_watch = True  # its next step starts through start_watched_step, which ends the gather
        self.enc.wait(ns, state._tl_ident, ident, label, site)

    def record_wait_for(self, state, given, timeout, waiter, site, ns):
        """A wait in asyncio.wait_for: for what it was given, with its timeout (as an asyncio.timeout()
        block's wait says its own). A task given (below 3.12, the one wait_for runs a coroutine
        in), the task a shield given guards, a gather given or the child process or socket of a
        subprocess's or stream's wait given is its target."""
        target = self.task_behind(given)
        words = ""
        if target is None and isinstance(given, GATHERING_FUTURE):
            self.record_gather_wait(state, given, "%s, timeout %s s" % (gather_words(given), seconds(timeout)), site, ns)
            return
        if target is None and isinstance(given, asyncio.Future):
            words = future_origin(given)[0]
        if target is not None:
            # Below 3.12 one of asyncio's own coroutines is given as its task: worded as the
            # coroutine is from 3.12 ("sleep 0.5 s", where the task is named "sleep").
            coro = given.get_coro() if isinstance(given, asyncio.Task) else None
            words = given_label(coro, waiter) if type(coro) is CoroutineType and not is_users(coro.cr_code) else target._tl_name
        if target is None and type(given) is CoroutineType:
            # From 3.12 a child process's wait or communicate is given as the coroutine: its child
            # (worded by asyncio's call).
            api = walk_await_chain(given, False)[4]
            if api is not None:
                target = self.io_awaited(api, waiter)
        label = "%s, timeout %s s" % (words or given_label(given, waiter), seconds(timeout))
        self.enc.wait(ns, state._tl_ident, target._tl_ident if target is not None else 0, label, site)

    def record_suspension(self, task, state, ns):
        """What a task waits for when it suspends anywhere but in asyncio.sleep (the step hook's)."""
        coro = state._tl_coro
        chain, users, nested, last_user, api, innermost = walk_await_chain(coro, bool(state._tl_spans))
        if nested and chain is None:
            chain, users, nested, last_user, api, innermost = walk_await_chain(coro, True)
        if chain is not None:
            self.update_spans(state, span_links(chain, users, state._tl_name), chain, ns)
        if state._tl_groups:
            self.end_groups(state, api, ns)
        waiter = getattr(task, "_fut_waiter", None)
        # asyncio's own coroutine run as a task (create_task(asyncio.sleep(10))): where it was made.
        site = line_site(frame_of(last_user)) if last_user is not None else getattr(state, "_tl_made_at", "")
        in_package = last_user is not None and is_package_file(code_of(last_user).co_filename)
        if in_package:
            # Waiting inside an installed package (aiohttp's DataQueue.read): at the project's line
            # that called into it, as a creation site is placed.
            if users is None:
                chain, users, nested, last_user, api, innermost = walk_await_chain(coro, True)
            project = project_link(users)
            if project is not None:
                site = line_site(frame_of(project))
            else:  # a task of the package's own coroutine: where the project made it, if it did
                site = getattr(state, "_tl_made_at", "") or site
        # A wait for a task or combinator has no label (the trace names it after the target),
        # unless a timeout bounds it: then the label says both.
        for group, ident, _, members in state._tl_groups:
            if api is not None and code_of(api).co_name == "__aexit__" and frame_of(api).f_locals.get("self") is group:
                self.enc.wait(ns, state._tl_ident, ident, self.bounded(state, "%s ×%d" % (group_name(group), members)) if state._tl_timeouts else "", site)
                return
        # A gather the user's own code awaits is a combinator; one inside asyncio is its business.
        if isinstance(waiter, GATHERING_FUTURE) and not is_library(innermost):
            self.record_gather_wait(state, waiter, self.bounded(state, gather_words(waiter)) if state._tl_timeouts else "", site, ns)
            return
        bounded_call = wait_for_call(api)
        if bounded_call is not None:
            awaiter = awaiter_of(chain, api) if nested else None  # nested: the chain was walked with its links
            self.record_wait_for(state, *bounded_call, waiter, line_site(frame_of(awaiter)) if awaiter is not None else site, ns)
            return
        target = self.task_behind(waiter) if waiter is not None else None
        label = ""
        if target is None:
            origin = future_origin(waiter)[0] if api is None and waiter is not None else ""
            # A bare future a package's coroutine awaits is worded by that coroutine, not
            # "Future"; so is an asyncio primitive of the package's own it waits on (anyio's
            # socket read waits on an Event its protocol sets: SocketStream.receive, not Event.wait).
            in_package_words = in_package and (awaits_primitive(last_user, api) if api is not None else waiter is not None)
            label = origin or (coroutine_name(last_user, code_of(last_user)) if in_package_words else wait_label(api, waiter))
            if api is None and not origin and not in_package_words and waiter is not None and last_user is not None:
                # A future the program holds, awaited by its name (`await client.reply`): named so.
                name = awaited_name(frame_of(last_user))
                if name:
                    label = "%s %s" % (label, name)
            if api is not None:  # worded as asyncio says it, leading to the child process or socket
                target = self.io_awaited(api, waiter)
        if state._tl_timeouts:
            label = self.bounded(state, label or target._tl_name)
        self.enc.wait(ns, state._tl_ident, target._tl_ident if target is not None else 0, label, site)
