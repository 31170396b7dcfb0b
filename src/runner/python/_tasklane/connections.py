"""Servers and sockets as tasks of kind io, as the Node runner shows them: `TCP server
127.0.0.1:8888` from loop.create_server until it is closed, and `TCP socket 127.0.0.1:50312` (named
by its peer) from its transport's making until the connection is lost. The loop callbacks asyncio
runs for one (a server's accept, a socket's reads and writes, the protocol's connection_made and
data_received within them) are its runs, so a protocol computing for long holds the loop on the
timeline; a stream's wait (StreamReader.read, StreamWriter.drain) leads to its socket, and what its
callbacks resolve is woken by it. Selector loops only (Linux's and macOS's). So too a child
process's pipes: their callbacks are runs of the child's task (see OriginRecorder.on_subprocess),
which a read of its output leads to; a pipe the program connects (`stdin`, as Node's) until it is
lost; and a signal handler the program adds, `signal SIGTERM`, or a reader or writer of a file
descriptor, `reader Unix socket`, until it is removed, whose runs are its callback's."""

import asyncio
import asyncio.base_events
import asyncio.base_subprocess
import asyncio.events
import asyncio.futures
import asyncio.selector_events
import asyncio.sslproto
import asyncio.streams
import asyncio.subprocess
import signal
import socket
import weakref

from .awaits import frame_of
from .code import describe_error, user_site
from .origins import beneath_tls

UNIX_EVENTS = getattr(asyncio, "unix_events", None)  # (not on Windows)
SELECTOR_LOOP = asyncio.selector_events.BaseSelectorEventLoop
UNIX_LOOP = getattr(UNIX_EVENTS, "_UnixSelectorEventLoop", SELECTOR_LOOP)
SOCKET_TRANSPORT = asyncio.selector_events._SelectorSocketTransport
DATAGRAM_TRANSPORT = asyncio.selector_events._SelectorDatagramTransport
SOCKET_TRANSPORTS = (SOCKET_TRANSPORT, DATAGRAM_TRANSPORT)
SUBPROCESS_TRANSPORT = asyncio.base_subprocess.BaseSubprocessTransport
# A child process's pipes (its stdout's reads, its stdin's writes).
SUBPROCESS_PIPE_PROTOCOLS = (asyncio.base_subprocess.ReadSubprocessPipeProto, asyncio.base_subprocess.WriteSubprocessPipeProto)
PIPE_TRANSPORTS = tuple(kind for kind in (getattr(UNIX_EVENTS, name, None) for name in ("_UnixReadPipeTransport", "_UnixWritePipeTransport")) if kind is not None)
ACCEPT_CONNECTION = SELECTOR_LOOP._accept_connection
TELL_CONNECTED = asyncio.futures._set_result_unless_cancelled
# The loop's callback for a child process that has exited, `(pid, returncode, transport)`, and,
# from 3.14 where Linux has pidfds, the reader callback that calls it, `(pid, pidfd, callback, (transport,))`.
CHILD_EXITED = getattr(UNIX_LOOP, "_child_watcher_callback", None)
PIDFD_WAITED = getattr(getattr(UNIX_EVENTS, "_PidfdChildWatcher", None), "_do_wait", None)
# The codes of asyncio's calls a task waits in to connect: first for the connect (a `TCP connect`
# task), then for its socket's protocol to be told (the socket's task); or for a pipe's (its task).
CONNECTION_OPENS = frozenset(
    function.__code__
    for function in (
        asyncio.streams.open_connection,
        getattr(asyncio.streams, "open_unix_connection", None),
        asyncio.base_events.BaseEventLoop.create_connection,
        asyncio.base_events.BaseEventLoop.create_datagram_endpoint,
        UNIX_LOOP.create_unix_connection,
        SELECTOR_LOOP.sock_connect,
        asyncio.base_events.BaseEventLoop.connect_read_pipe,
        asyncio.base_events.BaseEventLoop.connect_write_pipe,
    )
    if hasattr(function, "__code__")
)
# The codes of a server's methods a task waits in for it (serve_forever, wait_closed, `async with`'s exit).
SERVER_WAITS = frozenset(
    function.__code__
    for function in (
        asyncio.base_events.Server.serve_forever,
        asyncio.base_events.Server.wait_closed,
        asyncio.base_events.Server.start_serving,
        asyncio.events.AbstractServer.__aexit__,
    )
)
# The codes of asyncio's stream methods a task waits in for its connection (read, drain, wait_closed).
STREAM_WAITS = frozenset(
    value.__code__
    for kind in (asyncio.streams.StreamReader, asyncio.streams.StreamWriter)
    for name, value in vars(kind).items()
    if not name.startswith("_") or name == "__anext__"
    if hasattr(value, "__code__")
)


def address_words(address):
    """`127.0.0.1:8888` for an (host, port, …) address, a Unix socket's path as it is."""
    if isinstance(address, tuple) and len(address) >= 2:
        return "%s:%s" % address[:2]
    return address.decode(errors="replace") if isinstance(address, bytes) else str(address or "")


def is_unix(sock):
    return getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None)


def named(kind, address):
    """`TCP socket 127.0.0.1:8888`; the kind alone for no address (a socketpair's end)."""
    words = address_words(address)
    return "%s %s" % (kind, words) if words else kind


def socket_name(transport):
    """`TCP socket 127.0.0.1:8888` (its peer), `TLS socket …` under TLS, `Unix socket /tmp/s`,
    `UDP socket 127.0.0.1:5353` (its own address, as Node names one)."""
    if isinstance(transport, DATAGRAM_TRANSPORT):
        return named("UDP socket", transport.get_extra_info("sockname"))
    if is_unix(transport.get_extra_info("socket")):
        return named("Unix socket", transport.get_extra_info("peername") or transport.get_extra_info("sockname"))
    kind = "TLS socket" if isinstance(transport._protocol, asyncio.sslproto.SSLProtocol) else "TCP socket"
    return named(kind, transport.get_extra_info("peername"))


def signal_name(sig):
    return "signal %s" % signal.Signals(sig).name


STDIO = ("stdin", "stdout", "stderr")


def descriptor_name(fd):
    """`stdin`, `stdout` or `stderr` for those descriptors (a number, or an object with a fileno()), else `fd 7`."""
    number = fd if isinstance(fd, int) else fd.fileno()
    return STDIO[number] if 0 <= number < len(STDIO) else "fd %d" % number


def fd_watch_name(event):
    """How a file descriptor's reader (`event` 0) or writer (1) is named: `reader Unix socket`,
    `writer TCP socket 127.0.0.1:8888` (a socket by its peer, else its own address), `reader stdin`,
    `reader fd 7`."""
    kind = ("reader", "writer")[event]

    def name(fd):
        if isinstance(fd, socket.socket):
            try:
                address = fd.getpeername()
            except OSError:  # (not connected: a server's, a UDP socket's)
                address = fd.getsockname()
            if is_unix(fd):
                return "%s %s" % (kind, named("Unix socket", address))
            return "%s %s" % (kind, named("UDP socket" if fd.type == socket.SOCK_DGRAM else "TCP socket", address))
        return "%s %s" % (kind, descriptor_name(fd))

    return name


def server_name(server):
    """`TCP server 127.0.0.1:8888` (its first socket's address), `Unix server /tmp/s`."""
    sockets = server._sockets or ()
    if not sockets:
        return "TCP server"
    sock = sockets[0]
    return named("Unix server" if is_unix(sock) else "TCP server", sock.getsockname())


class ConnectionRecorder:
    """Servers', sockets', connects', pipes', signal handlers' and descriptor watches' tasks, and which task a loop callback of
    theirs, or of a child process's, is a run of (a part of Tracer: it uses its lock, ids, caller() and the child
    processes OriginRecorder follows)."""

    def __init__(self):
        # Server -> (its task, site), and Server -> its task until it is closed.
        self.servers = weakref.WeakKeyDictionary()
        self.open_servers = weakref.WeakKeyDictionary()
        # A socket's transport (TCP's, UDP's), or a pipe's the program connected -> IoTask until it is lost.
        self.transport_tasks = weakref.WeakKeyDictionary()
        # The futures a connect waits for -> its task: sock_connect's (`TCP connect`), then the one
        # its transport sets once the protocol has been told (the socket's; over TLS, the TLS layer's).
        self.connecting = weakref.WeakKeyDictionary()
        self.open_connects = weakref.WeakKeyDictionary()  # sock_connect's future -> its task until it is done
        # The Handle of a signal handler or a descriptor's reader or writer -> its task until removed.
        self.watches = weakref.WeakKeyDictionary()
        self.removed_in_own_run = None  # (task, how) of a watch its callback removed, to end as that run returns

    def on_server_made(self, server, frame):
        """loop.create_server (`frame`) made `server`, for the task running now, where the user's
        code called start_server (or create_server). Its connections' sockets, and the handlers
        their protocols start (see asked_by), are made by it, there."""
        site = user_site(frame)
        task = self.open_servers[server] = self.start_io_task(server_name(server), self.caller(), site)
        self.servers[server] = (task, site)

    def on_server_closed(self, server):
        task = self.open_servers.pop(server, None)
        if task is not None and not self.sink.broken:
            self.end_io_task(task, "resolved", "closed")

    def on_connect(self, future, sock, address, frame):
        """sock_connect (`frame`; create_connection's, open_connection's) connects `sock` to
        `address`, setting `future` once it has: a task of the task running now until then. (A
        datagram socket's connect only sets where it sends: no task.)"""
        if sock.type != socket.SOCK_STREAM:
            return
        name = named("Unix connect" if is_unix(sock) else "TCP connect", address)
        task = self.connecting[future] = self.open_connects[future] = self.start_io_task(name, self.caller(), user_site(frame))
        future.add_done_callback(self.on_connect_done)  # a task cancelled while it connects cancels it

    def on_connect_done(self, future):
        """`future` of a connect is done: its task ends, once. Told as its connect completes (in
        sock_connect, or its callback, the connect's run) and by its done callback, which asyncio
        runs later."""
        try:
            task = self.open_connects.pop(future, None)
            if task is not None and not self.sink.broken:
                self.end_io_task_as(future, task)
        except Exception:
            pass

    def on_socket_made(self, transport, waiter, server, frame):
        """A socket transport was made, for a connection `server` accepted (its server's socket) or
        for the task running now (create_connection's, open_connection's, create_datagram_endpoint's),
        which waits for `waiter` until the protocol has been told."""
        made_by = self.servers.get(server) if server is not None else None
        if made_by is not None:
            parent, site = made_by[0]._tl_ident, made_by[1]
        else:
            parent, site = self.caller(), user_site(frame)
        task = self.transport_tasks[transport] = self.start_io_task(socket_name(transport), parent, site)
        tls_waiter = getattr(transport._protocol, "_waiter", None) if isinstance(transport._protocol, asyncio.sslproto.SSLProtocol) else None
        for future in (waiter, tls_waiter):
            if isinstance(future, asyncio.Future):
                self.connecting[future] = task

    def on_pipe_connected(self, transport, waiter, frame):
        """The program connected a pipe (loop.connect_read_pipe(lambda: protocol, sys.stdin), or
        connect_write_pipe, `frame`), as Node's stdin is a task: `stdin`, `pipe fd 7`, of the task
        running now, until the pipe is lost; a connect_read_pipe waits for `waiter` meanwhile. (Not a
        child process's, which asyncio connects for it: those are the child's.)"""
        if isinstance(transport._protocol, SUBPROCESS_PIPE_PROTOCOLS):
            return
        name = descriptor_name(transport.get_extra_info("pipe"))
        if name not in STDIO:
            name = "pipe " + name
        task = self.transport_tasks[transport] = self.start_io_task(name, self.caller(), user_site(frame))
        if isinstance(waiter, asyncio.Future):
            self.connecting[waiter] = task

    def on_connection_lost(self, transport, error):
        if isinstance(transport, SUBPROCESS_TRANSPORT):
            self.end_subprocess(transport)
            return
        task = self.transport_tasks.pop(transport, None)
        if task is None or self.sink.broken:
            return
        if error is None:
            self.end_io_task(task, "resolved", "closed")
        else:
            self.end_io_task(task, "rejected", *describe_error(error))

    def on_watch_added(self, handle, replaced, name, frame):
        """The program had the loop run a callback on each of some event (`handle`, in place of
        `replaced`, if any), from the task running now (`frame`): a task, `name`d (`signal
        SIGTERM`, `reader Unix socket`), until it is removed, whose runs are the callback's, as
        Node's `signal SIGTERM` is."""
        if replaced is not None:
            self.on_watch_removed(replaced, "replaced")
        if handle is not None:
            self.watches[handle] = self.start_io_task(name, self.caller(), user_site(frame))

    def on_watch_removed(self, handle, how):
        task = self.watches.pop(handle, None)
        if task is None or self.sink.broken:
            return
        if task._tl_ident == self.io_task_running:
            self.removed_in_own_run = (task, how)  # the rest of the callback is still its run
        else:
            self.end_io_task(task, "resolved", how)

    def end_removed_in_own_run(self, ns):
        """Ends, as its run returns (at `ns`, under the lock), the watch its own callback removed."""
        task, how = self.removed_in_own_run
        self.removed_in_own_run = None
        self.enc.end(ns, task._tl_ident, "resolved", how, "")

    def io_task_of_callback(self, handle):
        """The server, socket, connect, child process, pipe, signal or descriptor watch task whose
        loop callback `handle` is (a socket transport's method, its protocol's connection_made, a
        server's accept, a connect's end, a pipe's reads and writes, a child's, its exit, a
        signal's handler, a reader's callback), else None."""
        if self.watches:
            task = self.watches.get(handle)
            if task is not None:
                return task
        callback = handle._callback
        bound_to = getattr(callback, "__self__", None)
        if bound_to is None:
            # The transport telling the task that made it that its protocol has been told.
            return self.connection_awaited(handle._args[0]) if callback is TELL_CONNECTED and handle._args else None
        if isinstance(bound_to, SOCKET_TRANSPORTS):
            return self.transport_tasks.get(bound_to)
        if isinstance(bound_to, SUBPROCESS_TRANSPORT):
            return self.child_process(bound_to)
        if isinstance(bound_to, PIPE_TRANSPORTS):
            return self.child_process_of(bound_to) or self.transport_tasks.get(bound_to)
        if isinstance(bound_to, asyncio.subprocess.SubprocessStreamProtocol):  # its pipes' data, scheduled
            return self.child_process(bound_to._transport)
        args = handle._args
        if isinstance(bound_to, asyncio.BaseProtocol) and args and isinstance(args[0], SOCKET_TRANSPORTS + PIPE_TRANSPORTS):
            return self.transport_tasks.get(args[0])
        if isinstance(bound_to, asyncio.BaseProtocol) and not args and isinstance(getattr(bound_to, "_transport", None), PIPE_TRANSPORTS):
            return self.transport_tasks.get(bound_to._transport)  # a pipe's end handed to its protocol (eof_received)
        function = getattr(callback, "__func__", None)
        if function is ACCEPT_CONNECTION and len(args) > 3:
            return self.open_servers.get(args[3])
        if function is SELECTOR_LOOP._sock_connect_cb and args:  # (the runner's stand-in for it, see hooks)
            return self.connection_awaited(args[0])
        if function is CHILD_EXITED and len(args) > 2:
            return self.child_process(args[2])
        if function is PIDFD_WAITED and len(args) > 3 and args[3]:
            return self.child_process(args[3][0])
        return None

    def connection_awaited(self, waiter):
        """The connect's or socket's task a wait to connect (in one of CONNECTION_OPENS) is for."""
        return self.connecting.get(waiter) if isinstance(waiter, asyncio.Future) else None

    def child_process(self, transport):
        """The task of the child process whose transport `transport` is, if it is one."""
        return self.subprocesses.get(transport) if isinstance(transport, SUBPROCESS_TRANSPORT) else None

    def child_process_of(self, pipe):
        """The child process task whose pipe `pipe` is (its protocol knows the process's transport)."""
        return self.child_process(getattr(getattr(pipe, "_protocol", None), "proc", None))

    def server_awaited(self, api):
        """The server task a wait in its method (`api`'s code one of SERVER_WAITS) is for."""
        server = frame_of(api).f_locals.get("self")
        made = self.servers.get(server) if isinstance(server, asyncio.base_events.Server) else None
        return made[0] if made is not None else None

    def stream_awaited(self, api):
        """The socket or child process task a wait in a stream's method (`api`'s code one of
        STREAM_WAITS) is for: its connection's, or the child's whose pipe it reads or writes."""
        stream = frame_of(api).f_locals.get("self")
        transport = getattr(stream, "_transport", None)
        if isinstance(transport, SOCKET_TRANSPORT):
            return self.transport_tasks.get(transport)
        if isinstance(transport, PIPE_TRANSPORTS):
            return self.child_process_of(transport) or self.transport_tasks.get(transport)
        # Under TLS, the transport the stream writes to is the TLS layer's, over the socket's.
        transport = beneath_tls(transport)
        return self.transport_tasks.get(transport) if transport is not None else None
