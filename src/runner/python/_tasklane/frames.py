"""The frame format of src/trace/codec.ts, and the sink that writes frames to the side channel."""

import asyncio
import collections
import functools
import os
import sys
import threading
import time

from .clock import monotonic, perf_counter_ns

# os.close itself: the program's calls go through descriptors.reserve's stand-in, which keeps the channel open.
close_descriptor = os.close
# os.write itself: a program may patch it (`mock.patch("os.write")`, as CPython's own asyncio tests
# do), and a frame must neither go to its mock nor be lost.
write_descriptor = os.write

MAGIC = b"TLF1"
FLUSH_BYTES = 64 * 1024
# How long a fork waits for the flusher to stop (it stops at once unless a write is blocked).
FLUSHER_STOP_WAIT_S = 0.1
OP_STRING, OP_START, OP_TASK, OP_RENAME, OP_RUN, OP_AWAIT, OP_AWAIT_BY, OP_JOIN, OP_END, OP_DROPPED, OP_EXIT, OP_STEP, OP_STEP_END = range(13)
OP_SIGNAL = 14
OP_WAIT_ON = 16
OP_LOOP = 19  # the records that follow in the frame are on that loop's lane (see lanes.py)
# A task, wait or end timed before the last record, which says how long before (deltas are unsigned).
BEFORE_OPS = {OP_TASK: 20, OP_AWAIT: 17, OP_END: 13}
TASK_KINDS = {kind: code for code, kind in enumerate(["script", "async", "timer", "immediate", "io", "combinator", "callback", "coroutine", "tracer"])}
END_STATES = {state: code for code, state in enumerate(["resolved", "rejected", "cancelled"])}
EXIT_REASONS = ["exit", "exception", "rejection", "signal", "killed"]
# Varints of the numbers most records carry (ids, string refs, short time deltas), made once.
SMALL_VARINTS = [bytes((n,)) if n < 0x80 else bytes(((n & 0x7F) | 0x80, n >> 7)) for n in range(0x4000)]
# The low 14 bits of a larger number, both bytes marked "more follows": nanosecond deltas are long.
LOW14_VARINTS = [bytes(((n & 0x7F) | 0x80, (n >> 7) | 0x80)) for n in range(0x4000)]


def varint(n):
    """The bytes of an unsigned varint."""
    if n < 0x4000:
        return SMALL_VARINTS[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def varint_value(data):
    """The number an unsigned varint's bytes stand for."""
    n = shift = 0
    for byte in data:
        n |= (byte & 0x7F) << shift
        shift += 7
    return n


# The records kept past the event cap: what the trace says of how its tasks and the program ended.
KEPT_PAST_CAP = ("end", "resolved", "signal", "exit")


class Encoder:
    """The frame format of src/trace/codec.ts: varints, nanosecond deltas, interned strings.

    Records are counted (`events`, as the reader counts them: a step record is a run and a wait),
    and once `max_events` or more have been when a frame is taken (None: no cap) it is `full`:
    records then go to a buffer no frame sends (`buf`), but the ends of tasks, signals and the
    exit, which go to the one that is sent (`kept`), with the strings any record names; each frame
    then says how many records it left out."""

    def __init__(self, max_events=None):
        self.buf = self.kept = bytearray()
        self.strings = {}
        self.last_ns = 0
        self.loop = 0  # the lane the records written now are on: a frame starts on the main thread's
        self.events = 0
        self.max_events = max_events
        self.full = False
        # Past the cap: the sent buffer's own last time and lane, the records kept and those
        # counted by the last report of what was left out, and the time that report covers from.
        self.kept_ns = self.kept_loop = self.kept_records = self.reported_events = self.dropping_since = 0

    def to_loop(self, index):
        """Puts the records that follow on lane `index`."""
        if index != self.loop:
            self.loop = index
            self.buf.append(OP_LOOP)
            self.uint(index)

    def uint(self, n):
        buf = self.buf
        if n < 0x4000:
            buf += SMALL_VARINTS[n]
        elif n < 0x10000000:
            buf += LOW14_VARINTS[n & 0x3FFF]
            n >>= 14
            buf += SMALL_VARINTS[n]
        else:
            buf += varint(n)

    def text(self, s):
        data = s.encode("utf-8", "surrogateescape") if s else b""
        self.uint(len(data))
        self.buf += data

    def ref(self, s):
        ident = self.strings.get(s)
        if ident is None:
            ident = len(self.strings) + 1
            self.strings[s] = ident
            written, self.buf = self.buf, self.kept  # known from now on: sent, also past the cap
            self.buf.append(OP_STRING)
            self.uint(ident)
            self.text(s)
            self.buf = written
        return ident

    def timed(self, op, ns):
        self.events += 1
        buf = self.buf
        delta = ns - self.last_ns
        if delta < 0:
            # A time before the last record's: a span's start or end written as its step ends, or
            # an eager task as its first step ends, after the tasks the step made. (Rare: the bytes
            # of its exact time cost nothing.) Another record counts as at the last record's time.
            before = BEFORE_OPS.get(op)
            buf.append(op if before is None else before)
            buf.append(0)
            if before is not None:
                self.uint(-delta)
            return
        self.last_ns = ns
        buf.append(op)
        if delta < 0x4000:  # uint() inline: every record but a few is timed
            buf += SMALL_VARINTS[delta]
        else:
            self.uint(delta)

    def step_times(self, op, delta, duration, ns):
        """The head of a step record ending at `ns`: its op, the time since the last record and
        the step's duration (the step hook writes a sleep(0) step's inline, as these bytes)."""
        self.events += 2
        self.last_ns = ns
        buf = self.buf
        buf.append(op)
        if delta < 0x4000:
            buf += SMALL_VARINTS[delta]
        else:
            self.uint(delta)
        if duration < 0x4000:
            buf += SMALL_VARINTS[duration]
        else:
            self.uint(duration)

    def start(self, script, cwd):
        self.buf.append(OP_START)
        self.text("python")
        self.text("%d.%d.%d" % sys.version_info[:3])
        self.uint(os.getpid())
        self.text(script)
        self.text(cwd)
        self.uint(int(time.time() * 1000))

    def task(self, ns, ident, parent, kind, name, site, internal=False):
        # One per asyncio.Task: known strings and small numbers straight from their tables.
        strings = self.strings
        name_ref = strings.get(name) or self.ref(name)
        site_ref = strings.get(site) or self.ref(site)
        self.timed(OP_TASK, ns)
        buf = self.buf
        if ident < 0x4000 and parent < 0x4000 and name_ref < 0x4000 and site_ref < 0x4000:
            buf += SMALL_VARINTS[ident]
            buf += SMALL_VARINTS[parent]
            buf.append(TASK_KINDS[kind])
            buf += SMALL_VARINTS[name_ref]
            buf += SMALL_VARINTS[site_ref]
        else:
            self.uint(ident)
            self.uint(parent)
            buf.append(TASK_KINDS[kind])
            self.uint(name_ref)
            self.uint(site_ref)
        buf.append(1 if internal else 0)

    def task_made(self, ns, ident_bytes, parent, tail):
        """A task record whose kind, name, site and whether it is internal are `tail`, as
        task() writes them (see creation.CreationPoint)."""
        self.timed(OP_TASK, ns)
        buf = self.buf
        buf += ident_bytes
        buf += SMALL_VARINTS[parent] if parent < 0x4000 else varint(parent)
        buf += tail

    def rename(self, ns, ident, name):
        name_ref = self.ref(name)
        self.timed(OP_RENAME, ns)
        self.uint(ident)
        self.uint(name_ref)

    def run(self, ns, ident):
        # The most frequent record.
        self.timed(OP_RUN, ns)
        if ident < 0x4000:
            self.buf += SMALL_VARINTS[ident]
        else:
            self.uint(ident)

    def wait(self, ns, ident, target, label, site):
        # One per task step: known strings and small numbers straight from their tables.
        strings = self.strings
        label_ref = strings.get(label) or self.ref(label)
        site_ref = strings.get(site) or self.ref(site)
        self.timed(OP_AWAIT, ns)
        buf = self.buf
        if ident < 0x4000 and target < 0x4000 and label_ref < 0x4000 and site_ref < 0x4000:
            buf += SMALL_VARINTS[ident]
            buf += SMALL_VARINTS[target]
            buf += SMALL_VARINTS[label_ref]
            buf += SMALL_VARINTS[site_ref]
        else:
            for n in (ident, target, label_ref, site_ref):
                self.uint(n)

    def wait_on(self, ns, ident):
        """Task `ident`'s wait goes on, for the same, after a run of its code within it."""
        self.timed(OP_WAIT_ON, ns)
        self.uint(ident)

    def await_by(self, ns, ident, by, label):
        label_ref = self.ref(label)
        self.timed(OP_AWAIT_BY, ns)
        self.uint(ident)
        self.uint(by)
        self.uint(label_ref)

    def join(self, ns, ident, member):
        self.timed(OP_JOIN, ns)
        self.uint(ident)
        self.uint(member)

    def joins(self, ns, ident, members):
        """join() for each of `members`, all at `ns`: after the first, a record is the same bytes
        (a zero delta) up to the member (gather of 10,000 makes 10,000)."""
        if not members:
            return
        self.join(ns, ident, members[0])
        head = bytes((OP_JOIN, 0)) + varint(ident)
        buf = self.buf
        for member in members[1:]:
            buf += head
            buf += SMALL_VARINTS[member] if member < 0x4000 else varint(member)

    def end(self, ns, ident, state, message, site):
        site_ref = self.ref(site)
        self.timed(OP_END, ns)
        self.uint(ident)
        self.buf.append(END_STATES[state])
        self.text(message)
        self.uint(site_ref)

    def resolved(self, ns, ident_bytes):
        """end(ns, ident, "resolved", "", "") from the id's varint."""
        site_ref = self.strings.get("") or self.ref("")
        self.timed(OP_END, ns)
        buf = self.buf
        buf += ident_bytes
        buf.append(0)  # resolved
        buf.append(0)  # no message
        self.uint(site_ref)

    def signal(self, ns, sig):
        self.timed(OP_SIGNAL, ns)
        self.text(sig)

    def exit(self, ns, reason, code, sig, message, site):
        self.timed(OP_EXIT, ns)
        self.buf.append(EXIT_REASONS.index(reason))
        self.uint(0 if code is None else code + 1)
        self.text(sig)
        self.text(message)
        self.text(site)

    def dropped(self, ns, count):
        self.timed(OP_DROPPED, ns)
        self.uint(count)

    def take_frame(self):
        if self.full:
            self.report_dropped()
        elif self.max_events is not None and self.events >= self.max_events:
            self.fill()
        kept = self.kept
        self.loop = 0
        if self.full:
            self.kept = bytearray()
            self.kept_loop = 0
            del self.buf[:]
        else:
            self.buf = self.kept = bytearray()
        if not kept:
            return b""
        return len(kept).to_bytes(4, "little") + bytes(kept)

    def fill(self):
        """From here on records are left out, but those KEPT_PAST_CAP (see the class)."""
        self.full = True
        self.kept_ns = self.last_ns  # take_frame puts both buffers back on the first lane
        self.reported_events = self.events
        self.dropping_since = perf_counter_ns()
        self.buf = bytearray()
        for name in KEPT_PAST_CAP:
            setattr(self, name, functools.partial(self.keep, getattr(type(self), name)))

    def keep(self, write, *args):
        """write(self, *args) into the buffer that is sent, timed after the records kept before it."""
        written, last_ns, loop = self.buf, self.last_ns, self.loop
        self.buf, self.last_ns, self.loop = self.kept, self.kept_ns, self.kept_loop
        try:
            write(self, *args)
        finally:
            self.kept_ns, self.kept_loop = self.last_ns, self.loop
            self.buf, self.last_ns, self.loop = written, last_ns, loop
            self.kept_records += 1

    def report_dropped(self):
        """A record of how many records were left out since the last, from when."""
        count = self.events - self.reported_events - self.kept_records
        if count > 0:
            self.keep(Encoder.dropped, self.dropping_since, count)
            self.dropping_since = perf_counter_ns()
        self.reported_events = self.events
        self.kept_records = 0


class LanedEncoder(Encoder):
    """An encoder once loops run in several threads: a record goes on the lane of the thread that
    writes it (see lanes.py)."""

    lanes = None  # LoopLanes, set as the encoder takes on this class

    def timed(self, op, ns):
        index = self.lanes.index_here()
        if index is not None:
            self.to_loop(index)
        Encoder.timed(self, op, ns)

    def step_times(self, op, delta, duration, ns):
        self.to_loop(self.lanes.index_here())  # the step hook's, in a loop's thread
        Encoder.step_times(self, op, delta, duration, ns)


# How long a thread waiting for the record lock sleeps between looks, first and at most.
WAIT_FIRST_S = 0.00005
WAIT_MOST_S = 0.001


class RecordLock:
    """The lock a record is written under, and a frame taken (non-reentrant, as threading.Lock):
    a token in a deque, taken by pop() and given back by append(), each one step of the
    interpreter under the GIL. A threading.Lock's acquire() parses its arguments, which costs more
    than the rest of a `sleep(0)` step's lock work (P1 takes it 70,000 times). Whoever finds the
    token taken waits for it: its holder keeps it for a record, or for one frame's write.

    The step hook tries it inline (`take()` raises IndexError when it is taken), then `acquire()`."""

    __slots__ = ("_token", "take", "give")

    def __init__(self):
        self._token = collections.deque((True,))
        self.take = self._token.pop
        self.give = self._token.append  # give(True)

    def acquire(self):
        """Takes the token, at once or once another thread that holds it gives it back (a flusher
        writing a frame to a full pipe: the program waits for its reader, as with a blocking lock)."""
        pause = WAIT_FIRST_S
        while True:
            try:
                return self.take()
            except IndexError:
                time.sleep(pause)
                pause = min(pause * 2, WAIT_MOST_S)

    def held(self):
        return not self._token

    def free(self):
        """Gives the token back if held: in a forked child, by a thread the child does not have."""
        if not self._token:
            self.give(True)

    def __enter__(self):
        self.acquire()

    def __exit__(self, *exc_info):
        self.give(True)


class Sink:
    """Writes frames to the side channel, one every flush_ms at most. While the loop is busy its
    steps send them (send_due); a daemon thread sends them when the loop waits, or runs one long
    step. A flush from that thread would take the GIL from the loop's thread, and the reader its
    write wakes tends to take that thread's core meanwhile: on two cores P1 ran 3-5 ms longer.

    due_ns: when the next frame is due (perf_counter_ns)."""

    def __init__(self, fd, flush_ms, max_events=None):
        self.fd = fd
        self.lock = RecordLock()
        self.enc = Encoder(max_events)
        self.broken = False
        self.before_flush = None
        self._write(MAGIC)
        self._every = flush_ms / 1000.0
        self._every_ns = int(flush_ms * 1_000_000)
        self.due_ns = perf_counter_ns() + self._every_ns
        self._stop_flushing = threading.Event()
        self._flusher = None
        self._start_flusher()
        if hasattr(os, "register_at_fork"):
            # A fork while another thread runs gets a DeprecationWarning on 3.12+ (the program's
            # stderr must not change): the flusher stops for the fork, and the child runs untraced.
            os.register_at_fork(before=self._stop_flusher, after_in_parent=self._restart_flusher, after_in_child=self.detach)

    @property
    def flusher_ident(self):
        return self._flusher.ident

    def _start_flusher(self):
        self._stop_flushing.clear()
        self._flusher = threading.Thread(target=self._flush_every, name="tasklane-flush", daemon=True)
        self._flusher.start()

    def _restart_flusher(self):
        # After os.fork() has returned: 3.13 counts the threads after these hooks have run.
        try:
            asyncio.get_running_loop().call_soon(self._start_flusher)
        except RuntimeError:  # no loop running in the forking thread
            self._start_flusher()

    def _stop_flusher(self):
        self._stop_flushing.set()
        flusher = self._flusher
        flusher.join(FLUSHER_STOP_WAIT_S)
        # The thread's OS thread outlives join() by a moment, and Linux counts it (/proc): wait for it.
        task = "/proc/self/task/%s" % getattr(flusher, "native_id", "")
        deadline = monotonic() + FLUSHER_STOP_WAIT_S
        while not flusher.is_alive() and os.path.exists(task) and monotonic() < deadline:
            time.sleep(0.0001)

    def detach(self):
        """In a forked child: write nothing more, and let go of the channel, so that the parent's
        trace stays its own and ends when the parent does. The lock may have been held by a flusher
        that did not stop in time (a write blocked on a full pipe), which the child does not have:
        it is freed."""
        self.broken = True
        self.lock.free()
        try:
            close_descriptor(self.fd)
        except OSError:
            pass

    def _flush_every(self):
        # Also once the channel is broken: flushing empties the buffer the steps write into.
        # It looks half an interval after a frame was due: by then a busy loop has sent it.
        while not self._stop_flushing.wait(max(self.due_ns - perf_counter_ns(), 0) / 1e9 + self._every / 2):
            if perf_counter_ns() >= self.due_ns:
                self.flush()

    def send_frame(self):
        """Sends the records written so far, now (the caller holds the lock)."""
        self._write(self.enc.take_frame())

    def send_due(self):
        """Sends what is pending, as a flush does, by the thread holding the lock (a step that
        ended after due_ns)."""
        if self.before_flush is not None:
            self.before_flush()
        self._write(self.enc.take_frame())
        self.due_ns = perf_counter_ns() + self._every_ns

    def flush(self):
        with self.lock:
            self.send_due()

    def _write(self, data):
        if self.broken or not data:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[write_descriptor(self.fd, view):]
        except OSError:
            self.broken = True
