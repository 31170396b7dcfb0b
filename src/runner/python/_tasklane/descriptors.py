"""The side channel's descriptor is the tracer's. A program that closes the descriptors it inherited,
as a daemon does (os.closerange(3, MAXFD), or os.close on each in turn), leaves it open and is told
what it would be told untraced, where that descriptor is not open: else the trace is lost, and the
program's next file, given the descriptor, would get the tracer's frames. A forked child, which
lets go of the channel, closes what it asks to. Nor do the programs it starts get the descriptor
(os.system, a subprocess with close_fds=False): one left running would hold the channel open."""

import errno
import functools
import operator
import os

from .code import raised_through


def reserve(channel):
    os.set_inheritable(channel, False)
    original_close = os.close
    original_closerange = os.closerange

    def is_channel(fd):
        try:
            return operator.index(fd) == channel
        except TypeError:  # os.close raises it as untraced
            return False

    @functools.wraps(original_close)
    def close(fd):
        if not is_channel(fd):
            return original_close(fd)
        try:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        except OSError as error:
            raised_through(error)
            raise

    @functools.wraps(original_closerange)
    def closerange(fd_low, fd_high):
        low, high = operator.index(fd_low), operator.index(fd_high)
        if not low <= channel < high:
            return original_closerange(low, high)
        original_closerange(low, channel)
        original_closerange(channel + 1, high)

    def restore():
        os.close = original_close
        os.closerange = original_closerange

    os.close = close
    os.closerange = closerange
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=restore)
