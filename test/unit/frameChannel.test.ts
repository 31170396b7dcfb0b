// A worker thread's frame channel, with real worker threads: what their terminators hold.
import * as assert from 'node:assert/strict';
import { isMainThread, parentPort, threadId, Worker, workerData } from 'node:worker_threads';
import { FrameChannel, type ChannelMemory } from '../../src/runner/node/flusherThread';

/** Slots of a channel's control block: its lock, and the worker thread whose records it holds. */
const LOCK = 0;
const THREAD = 4;

interface Job {
  role: 'sender' | 'starter';
  memory: ChannelMemory;
  writes: SharedArrayBuffer;
  ancestors: SharedArrayBuffer[];
}

/** A sender sends its records again and again, each send a slow write holding the locks. */
function send(channel: FrameChannel): never {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    channel.sendRest(() => {
      const until = Date.now() + 5;
      while (Date.now() < until);
    });
    Atomics.wait(pause, 0, 0, 1);
  }
}

/** A starter starts a sender of its own, says so once the sender has its channel, and idles. */
function startSender(channel: FrameChannel, writes: SharedArrayBuffer): void {
  const memory = FrameChannel.memoryForWorker();
  const job: Job = { role: 'sender', memory, writes, ancestors: channel.lineage() };
  new Worker(__filename, { workerData: job });
  const control = new Int32Array(memory.control);
  const started = setInterval(() => {
    if (Atomics.load(control, THREAD) === 0) return;
    clearInterval(started);
    parentPort!.postMessage('sending');
    setInterval(() => undefined, 1000);
  }, 1);
}

/** Runs `job` in a new worker thread; resolves as its channel is taken (a sender) or its sender's is (a starter). */
async function startWorker(job: Job): Promise<Worker> {
  const worker = new Worker(__filename, { workerData: job });
  if (job.role === 'starter') await new Promise((resolve) => worker.once('message', resolve));
  else while (Atomics.load(new Int32Array(job.memory.control), THREAD) !== worker.threadId) await new Promise((resolve) => setTimeout(resolve, 1));
  return worker;
}

if (!isMainThread) {
  const job = workerData as Job;
  const channel = FrameChannel.worker(job.memory, job.writes, threadId, job.ancestors)!;
  if (job.role === 'sender') send(channel);
  else startSender(channel, job.writes);
} else {
  describe('frame channels of worker threads', () => {
    for (const role of ['sender', 'starter'] as const) {
      const what = role === 'sender' ? 'a worker terminated while it sends its records' : 'a worker terminated while the worker it started sends its records (Node stops that one too)';
      it(`${what} leaves the side channel's lock free when its terminator holds its channel`, async function () {
        this.timeout(30_000);
        const main = FrameChannel.main();
        const writes = main.buffers.control;
        for (let round = 0; round < 5; round++) {
          const memory = FrameChannel.memoryForWorker();
          const watching = FrameChannel.watching(memory, writes, []);
          const worker = await startWorker({ role, memory, writes, ancestors: [] });
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
          watching.holdWhileTerminated();
          await worker.terminate();
          watching.letGo();
          assert.equal(Atomics.load(main.control, LOCK), 0, `round ${round}: the side channel's lock is free`);
          assert.equal(Atomics.load(watching.control, LOCK), 0, `round ${round}: the worker's channel is free`);
        }
      });
    }
  });
}
