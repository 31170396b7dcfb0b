import * as assert from 'node:assert/strict';
import { lineOf, only, runsAfterEnd, siteLine, tasksNamed } from '../helpers';
import { forEachPython, py } from './pythons';

forEachPython('streams, servers, child processes and packages', ({ trace }) => {
  it('a child process asyncio starts is a task of the task that started it, named by its command, ending with its exit code or the signal that killed it, which waits to start it or for it to end lead to', () => {
    const { model, stdout } = trace(py('subprocesses.py'));
    assert.equal(stdout, '42\n3\n-15\n-9\n');
    const main = only(model, 'main');
    const children = [...model.tasks.values()].filter((t) => t.name.startsWith('child process'));
    assert.deepEqual(children.map((t) => [t.name.replace(/python3(\.\d+)?/, 'python'), t.kind, t.parent, t.internal, model.endState(t), t.end?.message]), [
      ['child process python -c "print(6 * 7)"', 'io', main.id, false, 'resolved', 'exit code 0'],
      ['child process sh -c "exit 3"', 'io', main.id, false, 'rejected', 'exit code 3'],
      ['child process sleep 10', 'io', main.id, false, 'cancelled', 'killed by SIGTERM'],
      ['child process sleep 10', 'io', main.id, false, 'cancelled', 'killed by SIGKILL'],
    ]);
    assert.deepEqual(children.map((t) => t.site.replace(/^.*\//, '').replace(/:\d+$/, '')), ['subprocesses.py:8', 'subprocesses.py:11', 'subprocesses.py:13', 'subprocesses.py:16']);
    const communicate = main.waits.filter((w) => model.waitLabel(w) === 'Process.communicate').at(-1)!;
    // It ends once asyncio is done with it (its pipes closed after its exit), which may be just after communicate() has returned.
    assert.ok(children[0].end!.t < children[1].end!.t, 'the child ended before the shell main started after it');
    assert.ok(children[1].created >= communicate.end, 'the shell started after');
    // Each wait to start a child, or for it to end, says so and leads to the child (a wait() for
    // one that has exited already may not suspend at all).
    const childWaits = main.waits.filter((w) => /^(create_subprocess_|Process\.)/.test(model.waitLabel(w)) && !w.label.includes('timeout'));
    const latestChild = (t: number): number => children.filter((c) => c.created <= t).at(-1)!.id;
    assert.deepEqual(childWaits.map((w) => w.target), childWaits.map((w) => latestChild(w.start)));
    const starts = childWaits.filter((w) => model.waitLabel(w).startsWith('create_subprocess_'));
    assert.deepEqual(starts.map((w) => [model.waitLabel(w), w.target]), [
      ['create_subprocess_exec', children[0].id], ['create_subprocess_shell', children[1].id], ['create_subprocess_exec', children[2].id],
      ['create_subprocess_exec', children[3].id],
    ]);
    assert.ok(childWaits.some((w) => model.waitLabel(w) === 'Process.communicate' && w.target === children[0].id), 'communicate() waits for the child whose output it reads');
    // The child's exit (a callback of the loop's, the child's run) wakes a wait() for it.
    const exits = childWaits.filter((w) => model.waitLabel(w) === 'Process.wait');
    assert.ok(exits.length >= 2, `${exits.length} waits for an exit`);
    assert.deepEqual(exits.map((w) => w.by), exits.map((w) => w.target));
    // wait_for(stuck.wait(), 0.1) waits for the child (below 3.12 through the task wait_for runs
    // wait() in, and again for that task once it has cancelled it).
    const bounded = main.waits.filter((w) => w.label === 'Process.wait, timeout 0.1 s');
    assert.ok(bounded.length >= 1);
    for (const wait of bounded) {
      const target = model.tasks.get(wait.target);
      const leadsTo = target?.name === 'Process.wait' ? target.waits.at(-1)?.target : target?.id;
      assert.equal(leadsTo, children[3].id, `led to ${target?.name}`);
    }
  });

  it('a child process\'s output read line by line is waited for by each read, which leads to the child and is woken by its output (its pipe\'s reads are the child\'s runs), not by the task that started it or asyncio\'s that connected its pipes', () => {
    const { model, stdout } = trace(py('subprocess_lines.py'));
    assert.equal(stdout, "['0', '1', '2']\n");
    const child = only(model, /^child process /);
    const reads = only(model, 'read_lines').waits.filter((w) => model.waitLabel(w) === 'StreamReader.__anext__');
    assert.ok(reads.length >= 3, `${reads.length} reads`);
    assert.deepEqual(reads.map((w) => [w.target, w.by]), reads.map(() => [child.id, child.id]));
    // proc.wait() too: the child's exit, a callback of its, wakes it.
    const waited = only(model, 'main').waits.filter((w) => model.waitLabel(w) === 'Process.wait');
    assert.deepEqual(waited.map((w) => [w.target, w.by]), waited.map(() => [child.id, child.id]));
    assert.ok(child.runs.length >= 2 * 3, 'each line read on the child\'s lane');
  });

  it('a child process ends once asyncio is done with it, its pipes closed after its exit, as a Node child ends at its \'close\': no run of its after its end', () => {
    const { model, stdout } = trace(py('subprocess_docs.py'));
    assert.match(stdout, /^\['ls \/zzz' exited with 2\]\n\[stderr\]\nls: .*\/zzz.*\n\n\['sleep 0\.05; echo "hello"' exited with 0\]\n\[stdout\]\nhello\n\n$/);
    const children = tasksNamed(model, /^child process /);
    assert.deepEqual(children.map((t) => [t.name, model.endState(t), t.end?.message]), [
      ['child process sh -c "ls /zzz"', 'rejected', 'exit code 2'],
      ['child process sh -c "sleep 0.05; echo \\"hello\\""', 'resolved', 'exit code 0'],
    ]);
    for (const child of children) {
      assert.deepEqual(runsAfterEnd(child), [], `${child.name} ended at ${child.end!.t} µs, ran ${child.runs}`);
      const communicate = model.tasks.get(child.parent)!.waits.find((w) => model.waitLabel(w) === 'Process.communicate')!;
      assert.equal(communicate.target, child.id);
      // (Once its pipes have closed: which may be just after communicate() has read them to their end and returned.)
      assert.ok(child.runs.length >= 2 * 3, `${child.name}: its pipes' reads and its exit are its runs`);
    }
    assert.ok(children[0].end!.t < children[1].runs.at(-2)!, 'the failing one, which did not sleep, ended first');
  });

  it('stdin and stdout connected as asyncio pipes (connect_read_pipe, connect_write_pipe) are tasks, as Node\'s stdin is, which the waits to connect, read and write lead to and are woken by', () => {
    const fixture = py('pipes.py');
    const { model, stdout } = trace(fixture, [], 'one\ntwo\n');
    assert.equal(stdout, 'ONE\nTWO\n');
    const main = only(model, 'main');
    const pipes = [...model.tasks.values()].filter((t) => t.kind === 'io');
    assert.deepEqual(pipes.map((t) => [t.name, t.parent, t.end?.state, t.end?.message, siteLine(t.site)]), [
      ['stdin', main.id, 'resolved', 'closed', lineOf(fixture, 'await loop.connect_read_pipe')],
      ['stdout', main.id, 'resolved', 'closed', lineOf(fixture, 'await loop.connect_write_pipe')],
    ]);
    const [stdin, out] = pipes;
    const waits = main.waits.map((w) => [model.waitLabel(w), w.target, w.by]);
    assert.deepEqual(waits.slice(0, 2), [['loop.connect_read_pipe', stdin.id, stdin.id], ['loop.connect_write_pipe', out.id, out.id]]);
    const reads = waits.filter(([label]) => label === 'StreamReader.readline');
    assert.ok(reads.length >= 1);
    assert.deepEqual(reads, reads.map(() => ['StreamReader.readline', stdin.id, stdin.id]), 'each read, the last one told of the end of input too');
    assert.ok(stdin.runs.length >= 2 * 2, 'the pipe\'s reads and its end are its runs');
  });

  it('a reader or writer the program adds on a file descriptor (the asyncio docs\' example) is a task until removed or replaced, its callback its run, waking what it sets', () => {
    const fixture = py('fd_watches.py');
    const { model, stdout } = trace(fixture);
    assert.equal(stdout, 'Received: abc\nThen: xyz\nSent: 2000000 2000000\n');
    const main = only(model, 'wait_for_data');
    const watches = tasksNamed(model, /^(reader|writer) /);
    assert.deepEqual(watches.map((t) => [t.name, t.kind, t.parent, t.end?.state, t.end?.message, siteLine(t.site)]), [
      ['reader Unix socket', 'io', main.id, 'resolved', 'removed', lineOf(fixture, 'loop.add_reader(rsock, reader)')],
      ['writer Unix socket', 'io', main.id, 'resolved', 'removed', lineOf(fixture, 'loop.add_writer(')],
      ['reader Unix socket', 'io', main.id, 'resolved', 'replaced', lineOf(fixture, 'print("never")')],
      ['reader Unix socket', 'io', main.id, 'resolved', 'removed', lineOf(fixture, 'second.set_result')],
    ], 'and none for the writer sock_sendfile adds');
    const [reader, writer, replaced, second] = watches;
    assert.deepEqual(main.waits.slice(0, 3).map((w) => [model.waitLabel(w), w.by]), [['Future fut', reader.id], ['Future writable', writer.id], ['Future second', second.id]],
      'each wait woken by the callback that set its future, a run of its watch');
    assert.deepEqual(replaced.runs, [], 'replaced before anything came in');
    // The docs' reader removes itself as it runs: it ends as that run returns, not before the rest of it.
    assert.equal(reader.runs.length, 2);
    assert.ok(reader.end!.t >= reader.runs[0] && reader.end!.t <= main.waits[0].end, `ended ${reader.end!.t} µs, ran ${reader.runs}`);
    assert.ok(reader.end!.t > main.waits[0].wokenAt, `ended ${reader.end!.t} µs, set the future at ${main.waits[0].wokenAt}`);
    // main removes the writer in its own run, after the wait.
    assert.ok(writer.end!.t >= main.waits[1].end && writer.end!.t <= main.waits[2].start);
  });

  it('a task an installed package makes, the error it raises and a wait inside it are placed at the project\'s calls of it, one it runs for the project at its coroutine', () => {
    const { model, stdout } = trace(py('packaged/main.py'));
    assert.equal(stdout, "the package failed\nfed\nfetched\nrequested\n['gathered']\nstreamed\nreleased\n");
    assert.match(only(model, '_nap').site, /packaged\/main\.py:20:1$/);
    const load = only(model, 'load');
    assert.equal(load.end?.state, 'rejected');
    assert.match(load.end!.site, /packaged\/main\.py:12:1$/);
    // Run by the package from a loop callback of its own: at the coroutine function.
    assert.match(only(model, 'handler').site, /packaged\/main\.py:15:1$/);
    // Waiting on a bare future inside the package: worded by the package's coroutine, at the project's line.
    const fixture = py('packaged/main.py');
    const channelWait = only(model, 'main').waits.find((w) => model.waitLabel(w) === 'Channel.read')!;
    assert.equal(channelWait.site.replace(/^.*packaged\//, ''), `main.py:${lineOf(fixture, 'return await channel.read()')}:1`);
    // So is an asyncio Event or Queue of the package's own it waits on (anyio's socket read, a pool's connection).
    // (Each in two: the package's method main handed to call_later runs as main's code within it.)
    const primitiveWaits = only(model, 'main').waits.filter((w) => model.waitLabel(w).startsWith('Stream.'));
    assert.deepEqual(primitiveWaits.map((w) => [model.waitLabel(w), w.site.replace(/^.*packaged\//, '')]), [
      ...Array(2).fill(['Stream.receive', `main.py:${lineOf(fixture, 'await stream.receive()')}:1`]),
      ...Array(2).fill(['Stream.acquire', `main.py:${lineOf(fixture, 'await stream.acquire()')}:1`]),
    ]);
    // The package's coroutine awaited inside the package is a span at the project's call too; the
    // project's coroutine a task of the package's awaits, at the coroutine.
    assert.equal(tasksNamed(model, '_deliver')[0].site.replace(/^.*packaged\//, ''), `main.py:${lineOf(fixture, 'slowlib.fetch("fetched")')}:1`);
    // So is one awaited through an object whose __await__ hands out the coroutine's (aiohttp's `await session.get()`).
    assert.equal(only(model, '_request').site.replace(/^.*packaged\//, ''), `main.py:${lineOf(fixture, 'slowlib.request("requested")')}:1`);
    assert.equal(only(model, 'respond').site.replace(/^.*packaged\//, ''), `main.py:${lineOf(fixture, 'async def respond')}:1`);
    // A task of the package's own coroutine (gathered) waits, with no code of the project's in it, where the project made it.
    const gathered = tasksNamed(model, 'fetch').find((t) => t.kind === 'async')!;
    assert.deepEqual(gathered.waits.map((w) => w.site.replace(/^.*packaged\//, '')), [`main.py:${lineOf(fixture, 'asyncio.gather(slowlib.fetch')}:1`]);
  });

  it('a task of a package\'s wrapper coroutine named after the function it runs (anyio\'s task groups) is that function\'s: no span of its name under it, and made by the package alone, at the function', () => {
    const { model } = trace(py('packaged/main.py'));
    const spawned = tasksNamed(model, 'spawned');
    assert.deepEqual(spawned.map((t) => t.kind), ['async', 'async']);
    assert.deepEqual(spawned.map((t) => model.childrenOf(t.id).map((c) => c.name)), [[], []]);
    assert.deepEqual(spawned.map((t) => t.waits.map((w) => model.waitLabel(w))), [['sleep 0.001 s'], ['sleep 0.002 s']]);
    // Made by the package from a callback of its own, with none of the project's code on the
    // stack (anyio's listener starting a handler): at the project's coroutine it runs.
    const fixture = py('packaged/main.py');
    assert.deepEqual(spawned.map((t) => t.site.replace(/^.*packaged\//, '')), [
      `main.py:${lineOf(fixture, 'slowlib.start_soon(spawned')}:1`,
      `main.py:${lineOf(fixture, 'async def spawned')}:1`,
    ]);
  });

  it('the lookup asyncio runs in its executor for open_connection is its own work, named in the wait it holds', () => {
    const { model, stdout } = trace(py('threads/lookup.py'));
    assert.equal(stdout, 'connected\n');
    const main = only(model, 'main');
    const lookup = only(model, 'getaddrinfo localhost');
    assert.deepEqual([lookup.kind, lookup.internal, lookup.parent, lookup.end?.state], ['io', true, main.id, 'resolved']);
    assert.match(lookup.site, /lookup\.py:8:1$/);
    const labels = main.waits.map((w) => model.waitLabel(w));
    assert.equal(labels[labels.indexOf('getaddrinfo localhost') + 1], 'open_connection', 'then the connect');
  });

  it('a loopback stream server with three clients: the server and each end of each connection are tasks, which make the handlers and which reads lead to and are woken by', () => {
    const { model, stdout } = trace(py('streams.py'));
    assert.equal(stdout, "['HELLO 0', 'HELLO 1', 'HELLO 2']\n");
    const fixture = py('streams.py');
    const main = only(model, 'main');
    const server = only(model, /^TCP server /);
    const port = /^TCP server 127\.0\.0\.1:(\d+)$/.exec(server.name)?.[1];
    assert.ok(port, server.name);
    const startedAt = `streams.py:${lineOf(fixture, 'asyncio.start_server(handle')}:1`;
    assert.deepEqual([server.kind, server.parent, server.site.replace(/^.*\//, ''), model.endState(server), server.end?.message], ['io', main.id, startedAt, 'resolved', 'closed']);
    const clients = tasksNamed(model, 'client');
    assert.equal(clients.length, 3);
    assert.ok(clients.every((c) => /streams\.py:25:\d+$/.test(c.site)), 'clients are made by the gather in main');
    const sockets = [...model.tasks.values()].filter((t) => t.name.startsWith('TCP socket '));
    // Each client's socket is named by the server's address, made where it connected; each
    // accepted one by its client's, made by the server where it was started.
    const clientSockets = clients.map((c) => sockets.filter((s) => s.parent === c.id));
    assert.deepEqual(clientSockets.map((own) => own.map((s) => [s.name, s.kind, s.site.replace(/^.*\//, '')])), clients.map(() => [[`TCP socket 127.0.0.1:${port}`, 'io', `streams.py:${lineOf(fixture, 'asyncio.open_connection(')}:1`]]));
    const accepted = sockets.filter((s) => s.parent === server.id);
    assert.equal(accepted.length, 3);
    assert.ok(accepted.every((s) => /^TCP socket 127\.0\.0\.1:\d+$/.test(s.name) && s.name !== `TCP socket 127.0.0.1:${port}` && s.site.endsWith(startedAt)), accepted.map((s) => `${s.name} ${s.site}`).join());
    assert.deepEqual(sockets.map((s) => [model.endState(s), s.end?.message]), sockets.map(() => ['resolved', 'closed']));
    // open_connection waits for the connect, a task until connected, then for the socket; a read
    // waits for its socket, which the data coming in wakes it by.
    const connects = [...model.tasks.values()].filter((t) => t.name.startsWith('TCP connect'));
    assert.deepEqual(connects.map((t) => [t.name, t.kind, model.endState(t), t.site.replace(/^.*\//, '')]), clients.map(() => [`TCP connect 127.0.0.1:${port}`, 'io', 'resolved', `streams.py:${lineOf(fixture, 'asyncio.open_connection(')}:1`]));
    clients.forEach((c, i) => {
      const opening = c.waits.filter((w) => model.waitLabel(w) === 'open_connection');
      const connect = connects.filter((t) => t.parent === c.id);
      assert.equal(connect.length, 1);
      // (A connect done at once, inside sock_connect, has no wait of its own: a Unix socket's always.)
      assert.ok(opening.some((w) => w.target === connect[0].id) || connect[0].end!.t <= opening[0].start, 'a wait for the connect');
      assert.ok(opening.every((w) => w.target === connect[0].id || w.target === clientSockets[i][0].id), 'then for its socket');
      assert.deepEqual(opening.map((w) => w.by), opening.map((w) => w.target), 'each woken by what it waited for');
      assert.ok(connect[0].end!.t <= clientSockets[i][0].created);
      const reads = c.waits.filter((w) => model.waitLabel(w) === 'StreamReader.readline');
      assert.deepEqual(reads.map((w) => [w.target, w.by]), [[clientSockets[i][0].id, clientSockets[i][0].id]]);
    });
    // asyncio makes each handler in a callback of its own: made by the server, where it was
    // started (not by asyncio's task accepting the connection, not at asyncio.run).
    const handlers = tasksNamed(model, 'handle');
    assert.equal(handlers.length, 3, 'the server handled three connections');
    assert.deepEqual(handlers.map((h) => h.parent), [server.id, server.id, server.id]);
    assert.ok(handlers.every((h) => h.site.endsWith(startedAt)), handlers.map((h) => h.site).join());
    const handlerReads = handlers.map((h) => h.waits.find((w) => model.waitLabel(w) === 'StreamReader.readline'));
    assert.deepEqual(handlerReads.map((w) => accepted.some((s) => s.id === w?.target && s.id === w?.by)), [true, true, true]);
    assert.equal(new Set(handlerReads.map((w) => w?.target)).size, 3, 'each handler reads its own connection');
  });

  it('a stream server over TLS: its connections are TLS sockets, and each handler is made by the server too', () => {
    const { model, stdout } = trace(py('tls/tls_streams.py'));
    assert.equal(stdout, "['HELLO 0', 'HELLO 1']\n");
    const server = only(model, /^TCP server /);
    assert.equal(server.parent, only(model, 'main').id);
    const handlers = tasksNamed(model, 'handle');
    assert.deepEqual(handlers.map((h) => h.parent), [server.id, server.id]);
    assert.ok(handlers.every((h) => /tls_streams\.py:29:\d+$/.test(h.site)), handlers.map((h) => h.site).join());
    const sockets = [...model.tasks.values()].filter((t) => t.kind === 'io' && t.name.includes('socket'));
    assert.deepEqual(sockets.map((s) => s.name.replace(/:\d+$/, '')), Array(4).fill('TLS socket 127.0.0.1'));
    for (const client of tasksNamed(model, 'client')) {
      const read = client.waits.find((w) => model.waitLabel(w) === 'StreamReader.readline')!;
      assert.equal(model.tasks.get(read.target)?.parent, client.id, 'the read leads to the client\'s own socket, under the TLS layer');
    }
  });

  it("a server of the program's own protocol: the tasks its connection_made and data_received start are made by the server, a request cycle's named after its request", () => {
    const { model, stdout } = trace(py('protocol_server.py'));
    assert.equal(stdout, "[('hi', '/BYE'), ('hi', '/BYE')]\n");
    const server = only(model, /^TCP server /);
    const startedAt = `protocol_server.py:${lineOf(py('protocol_server.py'), 'create_server(Greeter')}:1`;
    // Made in connection_made (aiohttp's handler), and in a method its data_received calls (uvicorn's
    // request cycle, named after the request its ASGI scope says).
    for (const handler of [...tasksNamed(model, 'Greeter.greet'), ...tasksNamed(model, 'GET /bye')]) {
      assert.equal(handler.parent, server.id, handler.name);
      assert.equal(handler.site.replace(/^.*\//, ''), startedAt, handler.name);
    }
    assert.equal(tasksNamed(model, 'GET /bye').length, 2);
  });

  it('a connect refused is a task that ends rejected with the error open_connection raises', () => {
    const { model, stdout } = trace(py('connect_refused.py'));
    assert.equal(stdout, 'ConnectionRefusedError 111\n');
    const main = only(model, 'main');
    const connect = only(model, /^TCP connect 127\.0\.0\.1:\d+$/);
    assert.deepEqual([connect.parent, model.endState(connect)], [main.id, 'rejected']);
    assert.match(connect.end!.message, /^ConnectionRefusedError: \[Errno 111\] Connect call failed \('127\.0\.0\.1', \d+\)$/);
    assert.ok(main.waits.some((w) => w.target === connect.id && w.by === connect.id && model.waitLabel(w) === 'open_connection'));
    assert.deepEqual([...model.tasks.values()].filter((t) => t.name.startsWith('TCP socket')), [], 'no socket was made');
  });

  it("a protocol's callbacks are runs of its socket, and so are the callbacks they schedule: each computing for 60 ms is a long block there, and a future one sets, directly or through call_soon, is woken by the socket", () => {
    const { model, stdout } = trace(py('protocol_block.py'));
    assert.equal(stdout, 'HI\nhi\n');
    const main = only(model, 'main');
    const server = only(model, /^TCP server /);
    const accepted = [...model.tasks.values()].filter((t) => t.name.startsWith('TCP socket ') && t.parent === server.id);
    assert.equal(accepted.length, 1);
    const blocks = model.longBlocks();
    // Shouter.data_received, then the Shouter.shout it handed to call_soon (not asyncio's task that
    // accepted the connection): two blocks, or one where the second followed the first at once.
    assert.ok(blocks.length >= 1 && blocks.every((b) => b.task === accepted[0].id), 'each held the loop for its socket');
    assert.ok(blocks.reduce((sum, b) => sum + b.end - b.start, 0) >= 115_000);
    const client = only(model, `TCP socket 127.0.0.1:${server.name.split(':').at(-1)}`);
    assert.equal(client.parent, main.id);
    const woken = ['Future heard', 'Future later'].map((label) => main.waits.find((w) => model.waitLabel(w) === label));
    assert.deepEqual(woken.map((w) => w?.by), [client.id, client.id], 'Listener.data_received set one, and handed the other\'s set_result to call_soon');
    assert.ok(blocks.every((b) => b.end <= woken[0]!.end));
  });

  it('a UDP endpoint is a socket task named by its own address, which its creation waits for and whose datagram_received is its run, waking a future it sets', () => {
    const { model, stdout } = trace(py('datagrams.py'));
    assert.equal(stdout, 'HI\n');
    const main = only(model, 'main');
    const sockets = tasksNamed(model, /^UDP socket /);
    assert.deepEqual(sockets.map((s) => [/^UDP socket 127\.0\.0\.1:\d+$/.test(s.name), s.kind, s.parent, model.endState(s), s.end?.message]), [
      [true, 'io', main.id, 'resolved', 'closed'], [true, 'io', main.id, 'resolved', 'closed'],
    ]);
    assert.deepEqual(tasksNamed(model, /connect/), [], 'a datagram socket\'s connect is no task');
    const made = main.waits.filter((w) => model.waitLabel(w) === 'loop.create_datagram_endpoint');
    assert.deepEqual([...new Set(made.map((w) => w.target))], sockets.map((s) => s.id));
    const [, client] = sockets;
    const heard = main.waits.find((w) => model.waitLabel(w) === 'Future heard')!;
    assert.equal(heard.by, client.id, 'Listener.datagram_received set it');
    // Woken within the client's run, which no record inside it cut short.
    const runs = client.runs;
    const within = Array.from({ length: runs.length / 2 }, (_, i) => [runs[2 * i], runs[2 * i + 1]]).find(([from, to]) => from <= heard.wokenAt && heard.wokenAt <= to);
    assert.ok(within && within[1] > heard.wokenAt, `woken at ${heard.wokenAt}, runs ${runs.join(' ')}`);
  });

  it('a stream over one end of a socketpair (open_connection(sock=…)), which has no address, is a socket named by its kind alone, which its waits lead to', () => {
    const { model, stdout } = trace(py('socketpair_stream.py'));
    assert.equal(stdout, 'Received: abc\n');
    const [socket, ...more] = [...model.tasks.values()].filter((t) => t.kind === 'io');
    assert.deepEqual(more, []);
    assert.deepEqual([socket.name, socket.kind, model.endState(socket), socket.end?.message], ['Unix socket', 'io', 'resolved', 'closed']);
    const waits = only(model, 'wait_for_data').waits;
    assert.deepEqual(waits.map((w) => [model.waitLabel(w), w.target]), [['open_connection', socket.id], ['StreamReader.read', socket.id], ['StreamWriter.wait_closed', socket.id]]);
  });

  it('a wait in serve_forever leads to the server, which ends closed when a client closes it', () => {
    const { model, stdout } = trace(py('serve_forever.py'));
    assert.equal(stdout, 'server stopped\n');
    const server = only(model, /^TCP server /);
    const serving = only(model, 'main').waits.filter((w) => model.waitLabel(w) === 'Server.serve_forever');
    assert.equal(serving.length, 1);
    assert.equal(serving[0].target, server.id);
    assert.deepEqual([model.endState(server), server.end?.message], ['resolved', 'closed']);
    assert.ok(server.end!.t <= serving[0].end, 'closed, then serve_forever returned');
  });

  it('a stream server on a Unix socket, and a client of it: a Unix server, a Unix connect and a Unix socket at each end, named by the socket\'s path', () => {
    const { model, stdout } = trace(py('unix_streams.py'));
    assert.equal(stdout, 'over unix\necho.sock\n');
    const main = only(model, 'main');
    const io = [...model.tasks.values()].filter((t) => t.kind === 'io');
    const server = io.find((t) => t.name.startsWith('Unix server '))!;
    assert.match(server.name, /^Unix server \/.*\/echo\.sock$/);
    const path = server.name.slice('Unix server '.length);
    const shown = io.map((t) => `${t.name.replace(path, 'PATH')} of ${t.parent === server.id ? 'the server' : t.parent === main.id ? 'main' : t.parent}: ${model.endState(t)}`).sort();
    assert.deepEqual(shown, ['Unix connect PATH of main: resolved', 'Unix server PATH of main: resolved', 'Unix socket PATH of main: resolved', 'Unix socket PATH of the server: resolved']);
    const read = main.waits.find((w) => model.waitLabel(w) === 'StreamReader.readline')!;
    assert.equal(model.tasks.get(read.target)?.parent, main.id, 'the client\'s read leads to its own end');
  });
});
