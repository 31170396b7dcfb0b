import * as assert from 'node:assert/strict';
import type { Task } from '../../src/trace/task';
import { lineOf, only, runsAfterEnd, siteLine, stretchesOfNeither, syncRandomBytesIsAJob, tasksNamed, traceFixture, traceFixtureWith } from './helpers';

describe('Node runner: Node\'s I/O', () => {
  it('names the file requests a stream makes in Node\'s own code by the fs call that made them', () => {
    const { model, stdout } = traceFixture('stream-read.js');
    assert.equal(stdout, 'true\n');
    const names = [...model.tasks.values()].map((t) => t.name);
    for (const call of ['fs.open', 'fs.read', 'fs.close']) assert.ok(names.includes(call), names.join(', '));
    assert.ok(!names.includes('fs request'), names.join(', '));
  });

  it('a child process is a task named by its command that ends when it has closed, with its pipes; a promisified exec is named after it', () => {
    const { model, stdout } = traceFixture('child.js');
    assert.equal(stdout, 'one\n');
    const main = only(model, 'main');
    const exec = tasksNamed(model, 'child process sh -c "echo one"').find((t) => t.parent === main.id);
    assert.ok(exec, 'the promisified exec, named after the child it runs');
    const child = only(model, 'child process sh -c "echo two"');
    assert.equal(child.parent, main.id);
    assert.equal(child.end?.state, 'resolved', 'the child process closed before the script ended');
    assert.ok(child.end!.t < main.end!.t, 'ended while main still slept');
    // Its stdio pipes are part of it: what woke main from the callback-style exec is the child.
    assert.deepEqual([...model.tasks.values()].filter((t) => t.name === 'pipe').map((t) => t.id), []);
    assert.deepEqual(main.waits.slice(0, 2).map((w) => model.waitLabel(w)), ['child process sh -c "echo one"', 'child process sh -c "echo two"']);
  });

  it('a cluster worker is a child process whose IPC channel is part of it: its messages run on its lane', () => {
    const { model, stdout } = traceFixture('cluster.js');
    assert.equal(stdout, 'worker says hello\n');
    assert.deepEqual(tasksNamed(model, 'pipe').map((t) => t.id), [], 'no pipe of its own');
    const worker = only(model, /^child process /);
    assert.equal(worker.end?.state, 'resolved');
    assert.deepEqual([...model.tasks.values()].map((t) => t.name), ['cluster.js', worker.name], 'the worker and its channel are one task');
  });

  it('names zlib\'s one-call functions as the module does, promisified, with a callback or synchronous', () => {
    const { model, stdout } = traceFixture('zlib.js');
    assert.equal(stdout, 'hello hello\n');
    const main = only(model, 'main');
    // Node names every promisified one of them asyncBufferWrapper; the stream each makes says which it is.
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['zlib.gzip', 'zlib.gunzip']);
    const gzip = tasksNamed(model, 'zlib.gzip');
    assert.deepEqual(gzip.map((t) => t.parent), [main.id, gzip[0].id], 'the promisified call, and its stream inside it');
    assert.equal(only(model, 'zlib.gunzip').parent, main.id);
    assert.equal(only(model, 'zlib.gunzipSync').parent, main.id);
    assert.deepEqual([...model.tasks.values()].filter((t) => /^(zlib|asyncBufferWrapper)$/.test(t.name)).map((t) => t.name), []);
  });

  it('no task runs after its end: a callback its code left queued (a write completing, a stream\'s next tick), or the rest of one it ended in, is Node\'s work', () => {
    for (const fixture of ['poll-chain.js', 'file-streams.js', 'lines-of-file.js', 'stream-read.js', 'fs-callbacks.js', 'http2.js']) {
      const { model } = traceFixture(fixture);
      for (const task of model.tasks.values()) assert.deepEqual(runsAfterEnd(task), [], `${fixture}: ${task.name} #${task.id} ended at ${task.end?.t} µs`);
    }
  });

  it('a child process ends as it exited: its exit code, or the signal that killed it', () => {
    const { model, stdout } = traceFixture('child-exits.js');
    assert.equal(stdout, 'done\n');
    const ends = (command: string) => {
      const child = only(model, `child process node -e ${JSON.stringify(command)}`);
      return [child.end?.state, child.end?.message];
    };
    assert.deepEqual(ends('process.exit(0)'), ['resolved', 'exit code 0']);
    assert.deepEqual(ends('process.exit(3)'), ['rejected', 'exit code 3']);
    assert.deepEqual(ends('setTimeout(() => {}, 10000)'), ['cancelled', 'killed by SIGTERM']);
  });

  it('fetch\'s sockets that the server closes once idle end closed, not rejected with the error undici destroys them with', () => {
    const { model, stdout } = traceFixture('fetch-idle.js');
    assert.equal(stdout, 'done\n');
    const fetches = tasksNamed(model, /^fetch GET 127\.0\.0\.1:\d+\/$/);
    assert.equal(fetches.length, 2);
    const sockets = [...model.tasks.values()].filter((t) => fetches.some((f) => f.id === t.parent) && /^TCP socket /.test(t.name));
    assert.ok(sockets.length >= 1, 'fetch connected');
    assert.deepEqual(sockets.map((s) => [s.end?.state, s.end?.message]), sockets.map(() => ['resolved', 'closed: other side closed']));
  });

  it('names fetch by the request it makes, ending with its status, its Response as the global it is, and an HTTP server\'s request as one', () => {
    const { model, stdout } = traceFixture('fetch.js');
    assert.equal(stdout, 'hello\n');
    const main = only(model, 'main');
    const server = only(model, /^TCP server /);
    const call = only(model, `fetch GET 127.0.0.1:${/:(\d+)$/.exec(server.name)![1]}/`);
    assert.equal(call.parent, main.id);
    assert.deepEqual([call.end?.state, call.end?.message], ['resolved', 'status 200'], 'the program\'s first fetch (undici loads inside it) too');
    assert.equal(only(model, 'Response.text').parent, main.id);
    // The first fetch of a program loads Node's undici first; the wait is still for the fetch,
    // named so, though a read of the fetch's own socket woke it.
    const fetchWait = main.waits.find((w) => /fetch\.js:8:\d+$/.test(w.site))!;
    assert.equal(fetchWait.target, call.id);
    assert.equal(model.waitLabel(fetchWait), call.name);
    assert.match(model.tasks.get(model.wokenBy(fetchWait))!.name, /^TCP socket 127\.0\.0\.1:\d+$/);
    assert.match(fetchWait.byLabel, /^read TCP socket 127\.0\.0\.1:\d+$/);
    // Its socket and connect, made inside undici with no code of the script's on the stack, are placed at the fetch.
    const made = model.childrenOf(call.id).filter((t) => t.kind === 'io');
    assert.deepEqual(made.map((t) => t.name.replace(/[\d.:]+$/, '')).sort(), ['TCP connect ', 'TCP socket ']);
    assert.ok(made.every((t) => t.site === call.site), made.map((t) => t.site).join());
    // listen(port, host, resolve): Node emits 'listening' in a tick of the server's, once bound.
    assert.deepEqual([main.waits[0].by, model.waitLabel(main.waits[0])], [server.id, server.name]);
    assert.match(server.site, /fetch\.js:6:\d+$/);
    assert.equal(only(model, 'HTTP request').internal, true, 'the server\'s request, made by Node');
    const tasks = [...model.tasks.values()];
    assert.ok(!tasks.some((t) => t.site.startsWith('wasm://')), 'undici\'s WebAssembly parser is not the script\'s code');
  });

  it('the socket and connect of a fetch called in a server\'s \'listening\' callback are placed at the fetch, not at server.listen', () => {
    const { model, stdout } = traceFixture('fetch-in-callback.js');
    assert.equal(stdout, 'hello\n');
    const fetchTask = only(model, /^fetch GET /);
    assert.match(fetchTask.site, new RegExp(`fetch-in-callback\\.js:${lineOf('fetch-in-callback.js', 'await fetch(')}:\\d+$`));
    const made = model.childrenOf(fetchTask.id).filter((t) => t.kind === 'io');
    assert.deepEqual(made.map((t) => [t.name.replace(/[\d.:]+$/, ''), t.site]).sort(), [['TCP connect ', fetchTask.site], ['TCP socket ', fetchTask.site]]);
  });

  it('constructing a Node class or reading a global it loads lazily is no task; a method that returns a promise is', () => {
    const { model, stdout } = traceFixture('web-constructors.js');
    assert.equal(stdout, 'function object object hello abc\n');
    const main = only(model, 'main');
    const names = [...model.tasks.values()].filter((t) => t.parent === main.id).map((t) => t.name);
    assert.deepEqual(names, ['Response.text', 'Blob.text'], 'nothing for new Response, new ReadableStream or FormData');
    assert.deepEqual(main.waits.map((w) => model.tasks.get(w.target)?.name), ['Response.text', 'Blob.text']);
    assert.deepEqual([...model.tasks.values()].filter((t) => model.endState(t) === 'pending').map((t) => t.name), [], 'the body never read and the stream left open leave no task pending');
  });

  it('a fetch aborted by AbortSignal.timeout ends cancelled, though it was the program\'s first (undici loads inside it)', () => {
    const { model, stdout } = traceFixture('fetch-abort.js');
    assert.equal(stdout, 'TimeoutError\n');
    const fetchTask = only(model, /^fetch GET /);
    assert.equal(fetchTask.end?.state, 'cancelled');
    assert.match(fetchTask.end!.message, /TimeoutError/);
    // Loading undici holds the thread for a while (longer on a busy machine): the signal's timer
    // fires after, and the fetch ends in its run.
    const timer = only(model, 'AbortSignal.timeout 20 ms');
    assert.ok(fetchTask.end!.t >= timer.runs[0], 'it ended when the signal fired, not when undici had loaded');
    assert.deepEqual(runsAfterEnd(fetchTask), [], 'what undici does inside Node after the abort is no run of the fetch');
  });

  it('what fetch does inside its Response, awaited under Promise.all, is not a Promise.all of the script', () => {
    // V8 lists the awaiting functions after the stack (async get, async Promise.all, async main):
    // Node's own stream reads inside Response.text are not called from them.
    const { model, stdout } = traceFixture('fetch-all.js');
    assert.equal(stdout, 'hello /a hello /b hello /c\n');
    const combinators = [...model.tasks.values()].filter((t) => t.kind === 'combinator');
    assert.deepEqual(combinators.map((t) => model.displayName(t)), ['Promise.all ×3']);
    assert.match(combinators[0].site, /fetch-all\.js:13:\d+$/);
    assert.equal(tasksNamed(model, 'Response.text').length, 3);
    // Each fetch's steps inside Node are its own until it ends, and no runs of it after.
    assert.deepEqual(tasksNamed(model, /^fetch /).map((t) => t.name.replace(/:\d+/, ':PORT')), ['/a', '/b', '/c'].map((path) => `fetch GET 127.0.0.1:PORT${path}`));
    for (const task of tasksNamed(model, /^(fetch |Response\.text$)/)) assert.deepEqual(runsAfterEnd(task), [], `${task.name} #${task.id}`);
  });

  it('each fs/promises call is one task of its caller, awaited as itself, and Node\'s requests inside it are not tasks', () => {
    const { model, stdout } = traceFixture('fs-promises.js');
    assert.equal(stdout, 'hello 6\n');
    const main = only(model, 'main');
    const calls = ['fs.mkdtemp', 'fs.open', 'FileHandle.write', 'FileHandle.close', 'fs.readFile', 'fs.stat', 'fs.rm'];
    const visible = [...model.tasks.values()].filter((t) => !t.internal && t.kind === 'io');
    assert.deepEqual(visible.map((t) => t.name), calls, 'one task per call, none twice');
    for (const call of visible) {
      assert.equal(call.parent, main.id, `${call.name} is main's`);
      assert.equal(call.end?.state, 'resolved', `${call.name} ended`);
    }
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), calls, 'main awaited each call, not a request inside it');
  });

  it('a directory opened with opendir is no task of its own left pending: its reads are', () => {
    const { model, stdout } = traceFixture('opendir.js');
    assert.equal(stdout, 'true\n');
    assert.deepEqual([...model.tasks.values()].filter((t) => !t.end).map((t) => t.name), []);
    assert.ok(![...model.tasks.values()].some((t) => t.name === 'DIRHANDLE'));
    // Named as the program calls them: fs.promises.opendir (Node's promisified), and the
    // directory's reads the for await makes.
    const main = only(model, 'main');
    const labels = main.waits.map((w) => model.waitLabel(w));
    assert.equal(labels[0], 'fs.opendir', labels.join());
    assert.ok(labels.includes('Dir.read'), labels.join());
    assert.equal(labels.at(-1), 'Dir.close', 'the directory closed as the for await ends');
    assert.deepEqual(stretchesOfNeither(main), []);
    assert.ok(tasksNamed(model, 'Dir.read').every((t) => t.parent === main.id && /opendir\.js:9:\d+$/.test(t.site)));
    assert.match(only(model, 'Dir.close').site, /opendir\.js:9:\d+$/, 'closed by the for await\'s end, on its line');
  });

  it('a crypto job run synchronously ends as its call returns; one with a callback when it has run', () => {
    const { model, stdout } = traceFixture('crypto-jobs.js');
    assert.equal(stdout, '16 8 8\n');
    const jobs = [...model.tasks.values()].filter((t) => t.name.startsWith('crypto.'));
    // A synchronous randomBytes is a job only where Node runs it as one (see syncRandomBytesIsAJob).
    const syncJob = syncRandomBytesIsAJob();
    assert.deepEqual(jobs.map((t) => [t.name, t.end?.state]), [['crypto.pbkdf2', 'resolved'], ...(syncJob ? [['crypto.randombytes', 'resolved']] : []), ['crypto.randombytes', 'resolved']]);
    if (syncJob) assert.equal(jobs[1].runs.length, 0, 'no callback of its own');
    assert.ok(jobs.at(-1)!.runs.length > 0, 'its callback ran');
  });

  it('synchronous zlib and execSync calls leave no task pending, and execSync opening process.stderr is none', () => {
    const { model, stdout } = traceFixture('sync-calls.js');
    assert.equal(stdout, '100\n');
    assert.deepEqual([...model.tasks.values()].filter((t) => !t.end).map((t) => t.name), []);
    assert.deepEqual([...model.tasks.values()].map((t) => t.name).filter((n) => n !== 'sync-calls.js'), ['zlib.gzipSync', 'zlib.gunzipSync']);
  });

  it('the two ports of a MessageChannel end closed once one is closed', () => {
    const { model, stdout } = traceFixture('message-channel.js');
    assert.equal(stdout, 'hello\n');
    const ports = tasksNamed(model, 'MessagePort');
    assert.equal(ports.length, 2);
    assert.deepEqual(ports.map((p) => [p.end?.state, p.end?.message]), [['resolved', 'closed'], ['resolved', 'closed']]);
    // new MessageChannel(), a native constructor, makes its ports in main's own frame: main's, and main runs on.
    const main = only(model, 'main');
    assert.deepEqual(ports.map((p) => p.parent), [main.id, main.id]);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['MessagePort', 'setTimeout 50 ms'], 'once(port, "message") is woken by the port');
  });

  it('a connect refused, or reset before it completes, is rejected with its error, as is its socket, which is named by the address it connected to', () => {
    const refused = traceFixture('connect-refused.js');
    assert.equal(refused.stdout, 'client: ECONNREFUSED\n');
    const port = /:(\d+)$/.exec(only(refused.model, /^TCP server /).name)![1];
    for (const name of [`TCP connect 127.0.0.1:${port}`, `TCP socket 127.0.0.1:${port}`]) {
      const task = only(refused.model, name);
      assert.deepEqual([task.end?.state, task.end?.message], ['rejected', `Error: connect ECONNREFUSED 127.0.0.1:${port}`], name);
    }
    // The server closes as the client connects: the socket has no peer left to ask for its name.
    const reset = traceFixture('connect-reset.js');
    assert.equal(reset.stdout, 'client: ECONNRESET\n');
    const resetPort = /:(\d+)$/.exec(only(reset.model, /^TCP server /).name)![1];
    const socket = only(reset.model, `TCP socket 127.0.0.1:${resetPort}`);
    assert.equal(socket.end?.state, 'rejected');
    assert.match(socket.end!.message, /ECONNRESET/);
    assert.equal(only(reset.model, `TCP connect 127.0.0.1:${resetPort}`).end?.state, 'rejected');
  });

  it('an HTTP server\'s request ends as its connection closes, an http.get as its response has come, with its status', () => {
    const { model, stdout } = traceFixture('http-get.js');
    assert.equal(stdout, 'ok\n');
    const port = /:(\d+)$/.exec(only(model, /^TCP server /).name)![1];
    // The client's socket is named as it connects, though the client's parser reads it in Node's C++.
    assert.equal(tasksNamed(model, `TCP socket 127.0.0.1:${port}`).length, 1);
    const served = only(model, 'HTTP request');
    assert.equal(served.internal, true);
    assert.deepEqual([served.end?.state, served.end?.message], ['resolved', 'closed']);
    const asked = only(model, `HTTP GET 127.0.0.1:${port}/`);
    assert.equal(asked.internal, false);
    assert.deepEqual([asked.end?.state, asked.end?.message], ['resolved', 'status 200']);
  });

  it('a kept-alive connection reused for the next requests is one socket, ending as it closes', () => {
    const { model, stdout } = traceFixture('keep-alive.js');
    assert.equal(stdout, 'ok,ok,ok\n');
    const port = /:(\d+)$/.exec(only(model, /^TCP server /).name)![1];
    const client = only(model, `TCP socket 127.0.0.1:${port}`);
    assert.deepEqual([client.end?.state, client.end?.message], ['resolved', 'closed']);
    assert.equal(tasksNamed(model, 'TCP socket').length, 0, 'no unnamed socket for a reuse');
    assert.deepEqual([...model.tasks.values()].filter((t) => !t.end && !t.internal).map((t) => t.name), [], 'nothing of the script\'s left pending');
    assert.ok(client.runs.length / 2 >= 3, `the socket's reads of the three responses are its runs (${client.runs.length / 2})`);
  });

  it('an HTTP server\'s anonymous handler is named after the request it serves, each of those a kept-alive connection serves', () => {
    const { model, stdout } = traceFixture('http-handlers.js');
    assert.equal(stdout, 'GET done, POST done\n');
    const handlers = [only(model, 'GET /users/1'), only(model, 'POST /orders')];
    assert.deepEqual(handlers.map((h) => h.kind), ['async', 'async']);
    assert.deepEqual(handlers.map((h) => model.waitLabel(h.waits[0])), ['setTimeout 5 ms', 'setTimeout 5 ms']);
    assert.equal(handlers[0].parent, handlers[1].parent, 'one connection\'s requests');
    const unserved = [...model.tasks.values()].filter((t) => t.kind === 'async' && !/^(GET|POST) /.test(t.name)).map((t) => `${t.name} in ${model.tasks.get(t.parent)!.name.replace(/:\d+$/, '')}`);
    assert.deepEqual(unserved, ['server.listen callback in TCP server 127.0.0.1'], 'only the listen callback, which serves no request');
  });

  it('a middleware and route a framework calls for a request (from a callback bound in it too) are named after the request; what the route\'s own code calls is not', () => {
    const { model, stdout } = traceFixture('with-package/http-framework.js');
    assert.equal(stdout, '1+2\n');
    const [middleware, route] = tasksNamed(model, 'POST /sum');
    assert.ok(route, 'the middleware and the route it passed on to');
    assert.equal(route.parent, middleware.id);
    assert.equal(model.tasks.get(middleware.parent)?.name, 'AsyncResource.bind', 'called from the body reader\'s callback bound to the request');
    const mapped = tasksNamed(model, 'req.body.map callback').filter((t) => t.parent === route.id);
    assert.equal(mapped.length, 2, 'the two .map callbacks keep their own name');
  });

  it('an anonymous route a framework calls from a named middleware\'s await next() is named after the request too (Koa)', () => {
    const { model, stdout } = traceFixture('with-package/http-compose.js');
    assert.equal(stdout, 'slow in some time\n');
    const timing = only(model, 'timing');
    assert.equal(only(model, 'GET /slow').parent, timing.id);
    const unserved = [...model.tasks.values()].filter((t) => t.kind === 'async' && t.name !== 'timing' && t.name !== 'GET /slow');
    assert.deepEqual(unserved.map((t) => t.name), ['server.listen callback'], 'the listening callback only');
    assert.match(unserved[0].site, /http-compose\.js:17:\d+$/);
  });

  it('fs.watchFile is named so and ends when unwatched; an event loop delay monitor and a Blob\'s reader are no tasks left pending', () => {
    const { model, stdout } = traceFixture('watch-blob-monitor.js');
    assert.equal(stdout, 'abc\n');
    assert.deepEqual([...model.tasks.values()].filter((t) => !t.end).map((t) => t.name), []);
    assert.deepEqual(only(model, 'fs.watchFile').end?.message, 'closed');
    assert.ok(![...model.tasks.values()].some((t) => /^[A-Z0-9]+$/.test(t.name)), 'no raw resource type for a name');
  });

  it('a for await over fs.promises.watch waits for the watcher, from each step\'s start and while pending as the program exits', () => {
    const { model, stdout } = traceFixture('watch-loop.js');
    assert.equal(stdout, 'changed a.txt\n');
    const watcher = only(model, 'fs.watch');
    const loop = only(model, 'watchDir');
    assert.equal(watcher.parent, loop.id);
    assert.ok(loop.waits.length >= 2, `${loop.waits.length} waits`);
    assert.deepEqual(loop.waits.map((w) => [w.target, model.waitLabel(w)]), loop.waits.map(() => [watcher.id, 'fs.watch']));
    const last = loop.waits[loop.waits.length - 1];
    assert.ok(Number.isNaN(last.end) || last.end === model.endTime, 'still waiting as the program exited');
  });

  it('an HTTP/2 session and its streams are named so, Node\'s own, and end; the request is no task left pending', () => {
    const { model, stdout } = traceFixture('http2.js');
    assert.equal(stdout, 'h2\n');
    const tasks = [...model.tasks.values()];
    assert.deepEqual(tasks.filter((t) => !t.end && !t.internal).map((t) => t.name), []);
    assert.deepEqual([...new Set(tasks.filter((t) => t.name.startsWith('HTTP/2')).map((t) => `${t.name} ${t.internal} ${t.end?.state}`))].sort(), ['HTTP/2 session true resolved', 'HTTP/2 settings true resolved', 'HTTP/2 stream true resolved']);
  });

  it('an HTTP client request is a task of its own, from the call that asks for it to the response or the error it failed with, named by method, host and path; a promise around one waits for it', () => {
    const { model, stdout } = traceFixture('http-requests.js');
    assert.equal(stdout, '404 /missing?page=2\n201 hello\n200 /one\n200 /two\nsocket hang up\nECONNREFUSED\n');
    const main = only(model, 'main');
    const port = /:(\d+)$/.exec(only(model, /^TCP server /).name)![1];
    const request = (method: string, path: string): Task => only(model, `HTTP ${method} 127.0.0.1:${port}${path}`);
    const [missing, upload, one, two, never, refused] = [request('GET', '/missing'), request('POST', '/upload'), request('GET', '/one'), request('GET', '/two'), request('GET', '/never'), request('GET', '/refused')];
    const all = [missing, upload, one, two, never, refused];
    assert.deepEqual(all.map((t) => [t.kind, t.parent, t.internal]), all.map(() => ['io', main.id, false]));
    assert.deepEqual(all.map((t) => [t.end?.state, t.end?.message]), [
      ['resolved', 'status 404'], ['resolved', 'status 201'], ['resolved', 'status 200'], ['resolved', 'status 200'],
      ['rejected', 'Error: socket hang up'], ['rejected', `Error: connect ECONNREFUSED 127.0.0.1:${port}`],
    ]);
    // Each wait of main's around a request is for it, and the response's end woke it.
    const answered = [missing, upload, one, two];
    const waits = main.waits.filter((w) => all.some((t) => t.id === w.target));
    assert.deepEqual(waits.map((w) => w.target), [...answered, refused].map((t) => t.id));
    assert.deepEqual(waits.slice(0, 4).map((w) => model.wokenBy(w)), [0, 0, 0, 0], 'woken by the request it waits for');
    assert.deepEqual(waits.slice(0, 4).map((w) => w.by), answered.map((t) => t.id));
    // The response's callbacks are the request's runs.
    assert.ok(answered.every((t) => t.runs.length > 0));
    // The request starts as it is asked for, before the body it streams goes out, and ends after.
    const bodyTimer = only(model, 'setTimeout 20 ms');
    assert.ok(upload.created < bodyTimer.created && upload.end!.t > bodyTimer.end!.t);
  });

  it('a promise around http.get waits for the request, or around server.listen for what settles it, not for the lookup Node makes inside, and the server is no child of that lookup; one around dns.lookup waits for the lookup', () => {
    const { model, stdout } = traceFixture('http-get-by-hand.js');
    assert.equal(stdout, '/a /b /c string\n');
    const main = only(model, 'main');
    const lookups = new Set(tasksNamed(model, 'dns.lookup').map((t) => t.id));
    assert.equal(main.waits.length, 4);
    const [listening, first, all, lookedUp] = main.waits;
    assert.ok(!lookups.has(listening.target) && !lookups.has(first.target), 'not the lookups, which ended before the listening and the response');
    assert.match(model.waitLabel(listening), /^TCP server 127\.0\.0\.1:\d+$/);
    // Made in the callback of the lookup Node made for it, the server is still the program's.
    assert.equal(only(model, /^TCP server /).parent, main.id);
    const port = /:(\d+)$/.exec(only(model, /^TCP server /).name)![1];
    const requests = ['/a', '/b', '/c'].map((path) => only(model, `HTTP GET localhost:${port}${path}`));
    assert.equal(first.target, requests[0].id);
    const combinator = only(model, 'Promise.all ×2');
    assert.equal(all.target, combinator.id);
    assert.deepEqual(combinator.members, [requests[1].id, requests[2].id]);
    assert.ok(lookups.has(lookedUp.target), 'the lookup the program asked for itself');
    assert.equal(model.waitLabel(lookedUp), 'dns.lookup');
  });

  it('a dns lookup is one task, through dns.promises as through the callback API', () => {
    const { model, stdout } = traceFixture('dns-lookup.js');
    assert.equal(stdout, 'found true string\n');
    const main = only(model, 'main');
    const lookups = tasksNamed(model, 'dns.lookup').filter((t) => !t.internal);
    assert.deepEqual(lookups.map((t) => t.parent), [main.id, main.id], 'one per call, not the promise\'s request beside it');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['dns.lookup']);
  });

  it('callback-style fs.readFile is one task through its open, reads and close, and its callback\'s calls are its children', () => {
    const { model, stdout } = traceFixture('fs-callbacks.js');
    assert.equal(stdout, 'true\n');
    const readFile = only(model, 'fs.readFile');
    const fsTasks = [...model.tasks.values()].filter((t) => t.name.startsWith('fs.'));
    assert.deepEqual(fsTasks.map((t) => t.name), ['fs.readFile', 'fs.stat']);
    assert.equal(only(model, 'fs.stat').parent, readFile.id, 'made in readFile\'s callback');
    assert.equal(readFile.end?.state, 'resolved');
    assert.ok(readFile.end!.t >= only(model, 'fs.stat').created, 'readFile ends after its callback, not at its open');
  });

  it('a worker thread is one task, and main waits for the worker, not for a message port', () => {
    const { model, stdout } = traceFixture('worker.js');
    assert.equal(stdout, 'sum 499500\n');
    const main = only(model, 'main');
    const worker = only(model, 'Worker');
    assert.equal(worker.parent, main.id);
    assert.deepEqual(tasksNamed(model, /MessagePort|MESSAGEPORT/), [], 'the ports new Worker opens are the worker\'s');
    const labels = main.waits.map((w) => model.waitLabel(w));
    assert.deepEqual(labels, ['Worker', 'Worker.terminate']);
    assert.ok(main.waits[0].end - main.waits[0].start >= 25_000, 'main waited for the worker\'s 30 ms timer');
  });

  it('fetches started in one map are a task each, ending with their status, and Node\'s own timers in an HTTP response are not the script\'s', () => {
    const { model, stdout } = traceFixture('fetch-map.js');
    assert.equal(stdout, '/a,/b,/c 16\n');
    const main = only(model, 'main');
    const fetches = tasksNamed(model, /^fetch /);
    assert.deepEqual(fetches.map((t) => t.name.replace(/:\d+/, ':PORT')), ['/a', '/b', '/c'].map((path) => `fetch GET 127.0.0.1:PORT${path}`));
    for (const call of fetches) {
      assert.equal(call.parent, main.id);
      assert.deepEqual([call.end?.state, call.end?.message], ['resolved', 'status 200']);
      assert.equal(model.childrenOf(call.id).filter((t) => t.name.startsWith('TCP connect')).length, 1, 'each connects once');
    }
    const pbkdf2 = only(model, 'pbkdf2');
    assert.equal(pbkdf2.parent, main.id, 'a promisified function is named as it was called');
    assert.equal(pbkdf2.end?.state, 'resolved');
    assert.equal(only(model, 'crypto.pbkdf2').end?.state, 'resolved', 'the job inside it ends when it is done');
    const server = only(model, /^TCP server /);
    const accepted = model.childrenOf(server.id).filter((t) => t.name.startsWith('TCP socket'));
    assert.equal(accepted.length, 3);
    for (const socket of accepted) assert.match(socket.name, /^TCP socket 127\.0\.0\.1:\d+$/, 'named by its peer, though HTTP\'s parser reads it');
    const visibleTimers = [...model.tasks.values()].filter((t) => t.kind === 'timer' && !t.internal);
    assert.deepEqual(visibleTimers.map((t) => t.name), [], 'the response\'s date cache and the server\'s checks are Node\'s');
  });

  it('the loop is idle while a server waits for a connection, until libuv accepts it: the callback before does not run on', async () => {
    // The runner's flusher, which notes an idle loop every flush, is kept out of the way.
    const model = await traceFixtureWith('accept-after-idle.js', { flushMs: 60_000 });
    const server = only(model, /^TCP server/);
    const socket = only(model, /^TCP socket/);
    assert.equal(socket.parent, server.id);
    // The client connects 300 ms after it starts: the server's runs before that (its 'listening' callback) end long before.
    for (let i = 0; i < server.runs.length && server.runs[i] < socket.created; i += 2) {
      assert.ok(server.runs[i + 1] < socket.created - 100_000, `a run of the server (${server.runs.slice(i, i + 2)}) went on until the client connected (${socket.created})`);
    }
    assert.deepEqual(model.longBlocks(), [], 'no long block');
  });

  it('shows TCP connects and reads on 127.0.0.1 as what the clients waited for', () => {
    const { model, stdout } = traceFixture('tcp.js');
    assert.equal(stdout, 'hello 1|hello 2|hello 3\n');
    const server = only(model, /^TCP server 127\.0\.0\.1:\d+$/);
    // listen(port, host) opens the server's handle in a tick after the host's lookup: placed at the listen.
    assert.match(server.site, /tcp\.js:16:\d+$/);
    const port = server.name.split(':').pop();
    const connects = tasksNamed(model, `TCP connect 127.0.0.1:${port}`);
    assert.equal(connects.length, 3);
    // Node connects after a deferred lookup, with none of the script's code on the stack: each
    // connect is placed where its socket was made.
    assert.ok(connects.every((c) => /tcp\.js:6:\d+$/.test(c.site)), connects.map((c) => c.site).join());
    const clients = tasksNamed(model, 'client');
    assert.equal(clients.length, 3);
    for (const client of clients) {
      assert.deepEqual(client.waits.map((w) => model.waitLabel(w)), [`TCP connect 127.0.0.1:${port}`, `read TCP socket 127.0.0.1:${port}`]);
    }
    const accepted = model.childrenOf(server.id).filter((t) => t.name.startsWith('TCP socket'));
    assert.equal(accepted.length, 3, 'the server accepted three sockets');
  });

  it('names a TLS socket by its peer, and each read of for await over it as that socket\'s', () => {
    const { model, stdout } = traceFixture('tls.js');
    assert.equal(stdout, 'secret\n');
    const port = /:(\d+)$/.exec(only(model, /^TCP server /).name)![1];
    const client = only(model, `TLS socket 127.0.0.1:${port}`);
    const reads = only(model, 'main').waits.slice(1).map((w) => model.waitLabel(w));
    assert.ok(reads.length > 0);
    assert.deepEqual([...new Set(reads)], [`read ${client.name}`]);
  });

  it('names a UDP socket by its address once it has received, and a wait for its message by it', () => {
    const { model, stdout } = traceFixture('udp.js');
    assert.equal(stdout, 'ping\n');
    const server = [...model.tasks.values()].find((t) => t.name.startsWith('UDP socket 127.0.0.1:'));
    assert.ok(server, [...model.tasks.values()].map((t) => t.name).join(', '));
    assert.equal(model.waitLabel(only(model, 'main').waits.at(-1)!), server.name);
    // 'listening' comes in a tick Node's bind queued in main's call, not one main queued itself.
    assert.equal(model.waitLabel(only(model, 'main').waits[0]), 'events.once');
  });

  it('a signal the program listens for is a task while it does, made where it added its first listener: its listeners run on its lane and what they wake names it', () => {
    const fixture = 'signal-listeners.js';
    const { model, stdout } = traceFixture(fixture);
    assert.equal(stdout, 'reload\nstopped after 1 SIGUSR2\n');
    const main = only(model, 'main');
    const signals = tasksNamed(model, /^signal /);
    // SIGHUP and SIGTERM are handled by the runner's own listeners (to write the trace); SIGUSR2 by Node's handle alone.
    assert.deepEqual(signals.map((t) => [t.name, t.kind, t.parent]), [['signal SIGHUP', 'io', main.id], ['signal SIGUSR2', 'io', main.id], ['signal SIGTERM', 'io', main.id]],
      'one task a signal, none for the runner\'s own listeners');
    const lines = signals.map((t) => siteLine(t.site));
    assert.deepEqual(lines, [lineOf(fixture, "process.on('SIGHUP'"), lineOf(fixture, "process.on('SIGUSR2'"), lineOf(fixture, "process.once('SIGTERM'")]);
    const [hup, usr2, term] = signals;
    const sentBy = (delay: number): Task => only(model, `setTimeout ${delay} ms`);
    for (const [signal, timer] of [[hup, sentBy(20)], [usr2, sentBy(40)], [term, sentBy(60)]] as const) {
      assert.ok(signal.runs.length >= 2 && signal.runs[0] >= timer.runs[0], `${signal.name}: its listener ran on its lane once the timer sent it`);
    }
    const reloaded = main.waits[0];
    assert.deepEqual([model.waitLabel(reloaded), reloaded.by, reloaded.end], [hup.name, hup.id, main.runs[2]], 'the SIGHUP listener woke main');
    // A `once` listener is let go of as it is called: the task ends as that run returns, not before
    // it (what the listener makes is made before the end).
    const stopping = only(model, 'setTimeout 5 ms');
    assert.deepEqual([stopping.parent, model.waitLabel(main.waits[1])], [term.id, stopping.name]);
    assert.equal(term.end?.state, 'resolved');
    assert.ok(term.end!.t >= stopping.created, `ended ${term.end!.t} µs; made its timer at ${stopping.created}`);
    // removeAllListeners ends the others in main's run after it resumed.
    for (const signal of [hup, usr2]) {
      assert.deepEqual([signal.end?.state, signal.end?.message], ['resolved', 'closed'], signal.name);
      assert.ok(signal.end!.t >= main.runs[4], `${signal.name} ended ${signal.end!.t} µs, main resumed at ${main.runs[4]}`);
    }
  });

  it('a program that removes all of a signal\'s listeners leaves none of the runner\'s as its task', () => {
    const { model } = traceFixture('signal-listeners-removed.js');
    const signals = tasksNamed(model, /^signal /);
    assert.deepEqual(signals.map((t) => [t.name, t.end?.state, t.end?.message]), [['signal SIGTERM', 'resolved', 'closed']], 'the runner adds its own again, untraced');
  });
});
