// A worker thread's frame channel, with a real worker thread: what its terminator holds.
import * as assert from 'node:assert/strict';
import { isMainThread, threadId, Worker, workerData } from 'node:worker_threads';
import { FrameChannel, type ChannelMemory } from '../../src/runner/node/flusherThread';

/** Slots of a channel's control block: its lock, and the worker thread whose records it holds. */
const LOCK = 0;
const THREAD = 4;

if (!isMainThread) {
  // The worker: sends its records again and again, each send a slow write holding the locks.
  const { memory, writes } = workerData as { memory: ChannelMemory; writes: SharedArrayBuffer };
  const channel = FrameChannel.worker(memory, writes, threadId)!;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    channel.sendRest(() => {
      const until = Date.now() + 5;
      while (Date.now() < until);
    });
    Atomics.wait(pause, 0, 0, 1);
  }
} else {
  describe('frame channels of worker threads', () => {
    it('a worker terminated while it sends its records leaves both locks free when its terminator holds its channel', async function () {
      this.timeout(20_000);
      const main = FrameChannel.main();
      const memory = FrameChannel.memoryForWorker();
      const writes = main.buffers.control;
      const watching = FrameChannel.watching(memory, writes);
      for (let round = 0; round < 5; round++) {
        const worker = new Worker(__filename, { workerData: { memory, writes } });
        await new Promise<void>((resolve) => worker.once('online', resolve));
        while (Atomics.load(watching.control, THREAD) !== worker.threadId) await new Promise((resolve) => setTimeout(resolve, 1));
        watching.holdWhileTerminated();
        await worker.terminate();
        watching.letGo();
        assert.equal(Atomics.load(main.control, LOCK), 0, `round ${round}: the side channel's lock is free`);
        assert.equal(Atomics.load(watching.control, LOCK), 0, `round ${round}: the worker's channel is free`);
        Atomics.store(watching.control, THREAD, 0); // the next worker takes the channel over
      }
    });
  });
}
