"""The signals `tasklane run` passes on, SIGTERM and SIGINT, whoever handles them.

A program that handles one itself (signal.signal, loop.add_signal_handler, asyncio.run's SIGINT
handler) replaces the runner's handler. The trace would not say when one came, and `tasklane run`,
not told that the script had it, would pass on a second one sent to the whole process group (as
`timeout` sends it), which a graceful shutdown takes as "quit now". Every handler is installed
wrapped, saying the signal came first; signal.signal and signal.getsignal answer as they would
untraced.

Python runs a handler between two bytecodes of the main thread, perhaps in the middle of one of the
tracer's records, holding the sink's lock: a handler that records (a task it cancels) would wait
for the lock for ever, one that raises (KeyboardInterrupt) would leave it held, the trace torn and
the program hung at its end. Then the handler runs from the loop just after, outside any record,
or, with no loop running, when the signal comes again once the lock is free."""

import asyncio
import functools
import os
import signal
import threading

from .code import raised_through


def resend_when_free(lock, signum):
    """Sends `signum` to this process again once `lock` is free (from a thread of its own)."""

    def resend():
        with lock:
            pass
        os.kill(os.getpid(), signum)

    threading.Thread(target=resend, name="tasklane-signal", daemon=True).start()


def watch_signals(tracer, runner_handlers):
    """Installs the runner's handlers, and the program's, wrapped. `runner_handlers`: for each
    signal watched, the handlers the program may set or find (SIG_DFL, default_int_handler) -> the
    runner's, which act in their place."""
    original_signal = signal.signal
    original_getsignal = signal.getsignal
    lock = tracer.sink.lock
    stand_ins = {}  # signal -> [(a handler the program sees, the runner's installed in its place)]
    programs = {}  # signal -> (the program's handler as installed, wrapped; the program's own)

    def handling(signalnum, handler):
        name = signal.Signals(signalnum).name

        def handle(signum, frame):
            if lock.held():
                try:
                    asyncio.get_running_loop().call_soon_threadsafe(handle, signum, None)
                except RuntimeError:
                    resend_when_free(lock, signum)
                return None
            try:
                tracer.note_signal(name)
            except Exception:
                pass
            handling = tracer.handling_signal
            tracer.handling_signal = name  # who cancels what the handler cancels
            try:
                return handler(signum, frame)
            except BaseException as error:  # KeyboardInterrupt, SystemExit: the program's, from its line
                raised_through(error)
                raise
            finally:
                tracer.handling_signal = handling

        return handle

    def stand_in_for(signalnum, handler):
        for seen, installed in stand_ins[signalnum]:
            if handler is seen or (isinstance(handler, int) and isinstance(seen, int) and handler == seen):
                return installed
        return None

    def as_program_sees(signalnum, handler):
        for seen, installed in stand_ins[signalnum]:
            if handler is installed:
                return seen
        installed, own = programs.get(signalnum, (None, None))
        return own if installed is not None and handler is installed else handler

    for signalnum, handlers in runner_handlers.items():
        stand_ins[signalnum] = [(seen, handling(signalnum, own)) for seen, own in handlers.items()]
        stand_in = stand_in_for(signalnum, original_getsignal(signalnum))
        if stand_in is not None:  # not one the program was started ignoring (SIG_IGN)
            original_signal(signalnum, stand_in)

    def watched(signalnum):
        try:
            return signalnum in stand_ins
        except TypeError:  # unhashable: refused below, as untraced
            return False

    @functools.wraps(original_signal)
    def set_handler(signalnum, handler):
        watching = watched(signalnum)
        installed = stand_in_for(signalnum, handler) if watching else None
        if installed is None:
            installed = handling(signalnum, handler) if watching and callable(handler) else handler
        try:
            previous = original_signal(signalnum, installed)
        except BaseException as error:  # outside the main thread, a signal that cannot be caught
            raised_through(error)
            raise
        if not watching:
            return previous
        seen = as_program_sees(signalnum, previous)
        programs[signalnum] = (installed, handler)
        return seen

    @functools.wraps(original_getsignal)
    def get_handler(signalnum):
        handler = original_getsignal(signalnum)
        return as_program_sees(signalnum, handler) if watched(signalnum) else handler

    signal.signal = set_handler
    signal.getsignal = get_handler
