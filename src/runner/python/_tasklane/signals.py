"""A program that handles SIGTERM itself (signal.signal, loop.add_signal_handler) replaces the
runner's handler. The trace would not say when one came, and `tasklane run`, not told that the
script had it, would pass on a second one sent to the whole process group (as `timeout` sends it),
which a graceful shutdown takes as "quit now". The program's handler is installed wrapped, saying
the signal came first; signal.signal and signal.getsignal answer as they would untraced."""

import functools
import signal

from .code import raised_through


def watch_sigterm(tracer, runner_handler):
    original_signal = signal.signal
    original_getsignal = signal.getsignal
    wrapped = {}  # the handler installed -> the program's own, which it calls

    def as_program_sees(handler):
        if handler is runner_handler:
            return signal.SIG_DFL
        return wrapped.get(handler, handler)

    def noting(handler):
        def noted(signum, frame):
            try:
                tracer.note_signal("SIGTERM")
            except Exception:
                pass
            return handler(signum, frame)

        return noted

    @functools.wraps(original_signal)
    def set_handler(signalnum, handler):
        if signalnum != signal.SIGTERM:
            installed = handler
        elif handler == signal.SIG_DFL:
            installed = runner_handler  # which ends the program as the default does, saying so
        elif callable(handler):
            installed = noting(handler)
        else:
            installed = handler  # SIG_IGN, or what the original refuses as it would untraced
        try:
            previous = original_signal(signalnum, installed)
        except BaseException as error:  # outside the main thread, a signal that cannot be caught
            raised_through(error)
            raise
        if signalnum != signal.SIGTERM:
            return previous
        seen = as_program_sees(previous)
        wrapped.clear()
        if installed is not handler and installed is not runner_handler:
            wrapped[installed] = handler
        return seen

    @functools.wraps(original_getsignal)
    def get_handler(signalnum):
        handler = original_getsignal(signalnum)
        return as_program_sees(handler) if signalnum == signal.SIGTERM else handler

    signal.signal = set_handler
    signal.getsignal = get_handler
