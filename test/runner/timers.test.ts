import * as assert from 'node:assert/strict';
import { only, stretchesOfNeither, tasksNamed, traceFixture } from './helpers';

describe('Node runner: timers', () => {
  it('shows a sleep cancelled by AbortSignal.timeout as cancelled', () => {
    const { model, stdout } = traceFixture('abort-timeout.js');
    assert.equal(stdout, 'sleep ended: AbortError\n');
    const sleep = only(model, 'setTimeout 10000 ms');
    assert.equal(sleep.end?.state, 'cancelled');
    assert.match(sleep.end!.message, /AbortError/);
    assert.ok(sleep.end!.t / 1000 < 1000, 'cancelled long before 10 s');
    const main = only(model, 'main');
    assert.equal(model.waitLabel(main.waits[0]), 'setTimeout 10000 ms');
    assert.equal(only(model, 'AbortSignal.timeout 50 ms').kind, 'timer');
  });

  it('a wait for the usual sleep (a promise its timer resolves) says it waits for the timer before the timer fires, pending at exit too', () => {
    const { model, code, stdout } = traceFixture('sleep-pending.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'aborted\n');
    const [slept, aborted, pending] = [only(model, 'main').waits[0], only(model, 'abortable').waits[0], only(model, 'nap').waits[0]];
    const [sleepTimer, abortTimer] = tasksNamed(model, 'setTimeout 20 ms');
    assert.deepEqual([slept.target, model.waitLabel(slept), model.wokenBy(slept)], [sleepTimer.id, 'setTimeout 20 ms', 0]);
    assert.deepEqual([pending.target, model.waitLabel(pending)], [only(model, 'setTimeout 10000 ms').id, 'setTimeout 10000 ms']);
    assert.ok(Number.isNaN(pending.end) || pending.end === model.endTime, 'still waiting as the program exited');
    // The timer's callback calling resolve, an arrow's or a function's, or returning what it returns.
    for (const [task, timer] of [['doze', 'setTimeout 20000 ms'], ['snooze', 'setTimeout 30000 ms'], ['rest', 'setTimeout 40000 ms']]) {
      const wait = only(model, task).waits[0];
      assert.deepEqual([wait.target, model.waitLabel(wait)], [only(model, timer).id, timer], task);
    }
    // Aborted, as a sleep of timers/promises is: the wait was for its timer, and the abort woke it.
    assert.deepEqual([model.waitLabel(aborted), model.wokenBy(aborted)], ['setTimeout 1000 ms', abortTimer.id]);
    assert.equal(only(model, 'setTimeout 1000 ms').end?.state, 'cancelled');
  });

  it('a callback API promisified by hand waits for the operation its executor starts, not for the timeout guarding it; a combinator of such promises has the operations as members', () => {
    const { model, stdout } = traceFixture('promisified-by-hand.js');
    assert.equal(stdout, 'true 1,2\n');
    const main = only(model, 'main');
    const read = only(model, 'fs.readFile');
    // The target is known as the wait starts (a live view names it at once), not only once woken.
    assert.deepEqual([main.waits[0].target, model.waitLabel(main.waits[0])], [read.id, 'fs.readFile']);
    assert.equal(only(model, 'setTimeout 5000 ms').end?.state, 'cancelled');
    const all = only(model, 'Promise.all ×2');
    assert.deepEqual(all.members.map((id) => model.tasks.get(id)?.name), ['child process node -e "console.log(1)"', 'child process node -e "console.log(2)"']);
  });

  it('a promise whose executor chains an async call (explicit construction, a limiter with a free slot) waits for that call from the start, and is it as a member', () => {
    const { model, stdout } = traceFixture('explicit-construction.js');
    assert.equal(stdout, '1 2 1 3 2 1\n');
    const main = only(model, 'main');
    const calls = tasksNamed(model, 'fetchThing');
    assert.equal(calls.length, 6);
    assert.deepEqual([main.waits[0].target, model.waitLabel(main.waits[0])], [calls[0].id, 'fetchThing']);
    const [wrappers, limited] = [only(model, 'Promise.all ×2'), only(model, 'Promise.all ×3')];
    assert.deepEqual(wrappers.members, [calls[1].id, calls[2].id]);
    // The two jobs started in their executors while a slot was free; the third was queued, and
    // started later by the first's end: no call of it in its executor.
    assert.deepEqual(limited.members.slice(0, 2), [calls[3].id, calls[4].id]);
  });

  it('a promise whose executor chains a call that does not settle it (a log for its side effect, a call whose callback sets the timer that does) waits for that call until it ends, then for what settles it; a chain on a task\'s promise stays that task\'s', () => {
    const { model, stdout } = traceFixture('executor-side-call.js');
    assert.equal(stdout, '42\n');
    const main = only(model, 'main');
    const timerOf = (ms: number): number => only(model, `setTimeout ${ms} ms`).id;
    assert.deepEqual(main.waits.slice(0, 4).map((w) => [model.waitLabel(w), w.target, w.by]), [
      ['log', only(model, 'log').id, 0], ['setTimeout 50 ms', 0, timerOf(50)],
      ['load', tasksNamed(model, 'load')[0].id, 0], ['setTimeout 20 ms', 0, timerOf(20)],
    ]);
    // A .finally on a race's promise settles a job after its callback ran: the wait is the race's to its end.
    assert.deepEqual(new Set(main.waits.slice(4).map((w) => w.target)), new Set([only(model, 'Promise.race ×2').id]));
    assert.ok(main.waits[1].start - only(model, 'log').end!.t < 5_000, 'from the end of the log on');
  });

  it('sleeps made before they are awaited are their timers too: a combinator\'s members, a raced timeout that rejects, a .catch of one, a wait still pending at the exit', () => {
    const { model, code, stdout } = traceFixture('sleeps-together.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'timed out after 5 ms\ncaught\n');
    const main = only(model, 'main');
    const name = (id: number): string | undefined => model.tasks.get(id)?.name;
    const [all, race] = [only(model, 'Promise.all ×2'), only(model, 'Promise.race ×2')];
    assert.deepEqual(all.members.map(name), ['setTimeout 10 ms', 'setTimeout 20 ms']);
    assert.deepEqual(race.members.map(name), ['fetchUser', 'setTimeout 5 ms']);
    // Each wait is for the timer from its start, named so before it fires, and while it never does.
    assert.deepEqual(main.waits.map((w) => name(w.target)), ['Promise.all', 'Promise.race', 'setTimeout 6 ms', 'setTimeout 15 ms', 'setTimeout 30 ms', 'setTimeout 10000 ms']);
    const pending = main.waits[5];
    assert.ok(Number.isNaN(pending.end) || pending.end === model.endTime, 'still waiting as the program exited');
    assert.equal(model.waitLabel(pending), 'setTimeout 10000 ms');
  });

  it('the promise forms of setImmediate, setInterval and scheduler.yield are one timer task each, named and of the kind the timers are', () => {
    const { model, stdout } = traceFixture('timers-promises.js');
    assert.equal(stdout, 'ticks 3\n');
    const main = only(model, 'main');
    assert.deepEqual(model.childrenOf(main.id).map((t) => `${t.kind} ${t.name}`), ['immediate setImmediate', 'timer setInterval 5 ms', 'immediate setImmediate']);
    // The break waits for the generator's return(), which Node's generator finishes in a job of its own.
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setImmediate', 'setInterval 5 ms', 'setInterval 5 ms', 'setInterval 5 ms', 'iterator.return', 'setImmediate']);
    // Each step waits for the interval's timer from its start, not only once the timer has woken it.
    const interval = only(model, 'setInterval 5 ms');
    assert.deepEqual(main.waits.slice(1, 4).map((w) => w.target), [interval.id, interval.id, interval.id]);
    assert.equal(main.waits[5].target, model.childrenOf(main.id)[2].id, 'scheduler.yield waits for its immediate');
    // Node's own generator steps in jobs of their own: main waits on through them.
    assert.deepEqual(stretchesOfNeither(main), []);
  });

  it('a wait for a tick or a microtask the task queued itself says which queue', () => {
    const { model, stdout } = traceFixture('yield-queues.js');
    assert.equal(stdout, 'done\n');
    assert.deepEqual(only(model, 'yieldTwice').waits.map((w) => model.waitLabel(w)), ['process.nextTick', 'queueMicrotask', 'setImmediate']);
    const main = only(model, 'main');
    const wait = only(model, 'waitFor').waits[0];
    assert.equal(wait.by, main.id);
    assert.equal(model.waitLabel(wait), 'main', 'a tick queued by another task: that task woke it, not the queue');
  });

  it('a function the program queued itself (process.nextTick, queueMicrotask) is its task\'s code, which holds the loop, while that task waits or after it has ended; one that only resolves is a wake', () => {
    const { model, stdout } = traceFixture('queued-callbacks.js');
    assert.equal(stdout, 'done\n');
    const main = only(model, 'main');
    const timer = only(model, 'setTimeout 1 ms');
    // (Blocks from main's first run on: loading the script may hold the loop that long on a busy machine.)
    const blocks = model.longBlocks().filter((b) => b.start >= main.created);
    assert.deepEqual(blocks.map((b) => model.tasks.get(b.task)?.name).sort(), ['main', 'setTimeout 1 ms'], 'each 60 ms callback is a long block of the task that queued it');
    const [block] = blocks.filter((b) => b.task === timer.id);
    assert.ok(block.start >= timer.end!.t, 'the tick runs after its timer\'s callback, as its code');
    // main's wait for its 10 ms timer goes on after the microtask, as after a .then callback of its own.
    const firstTimer = only(model, 'setTimeout 10 ms');
    assert.deepEqual(main.waits.slice(0, 2).map((w) => w.target), [firstTimer.id, firstTimer.id]);
    assert.equal(model.waitLabel(main.waits.at(-1)!), 'process.nextTick');
    // At a top-level await: the module's body is the script's.
    const tla = traceFixture('queued-callbacks-tla.mjs');
    assert.equal(tla.stdout, 'done\n');
    const script = [...tla.model.tasks.values()].find((t) => t.kind === 'script')!;
    assert.deepEqual(tla.model.longBlocks().filter((b) => b.start >= script.waits[0].start).map((b) => b.task), [script.id]);
  });

  it('a tick or a microtask queued right after a call awaited later (a helper\'s, an async function\'s returning another\'s promise) is the caller\'s, not the call\'s', () => {
    const { model, stdout } = traceFixture('queued-after-call.js');
    assert.equal(stdout, 'process.nextTick\nqueueMicrotask\nqueueMicrotask after load\nprocess.nextTick after load\n', 'as untraced');
    const later = tasksNamed(model, 'later');
    assert.deepEqual(later.map((t) => model.tasks.get(t.parent)?.name), ['main', 'main', 'main', 'main'], 'not fs.readFile, nor load');
  });

  it('a timer re-armed from its own callback is a sibling of the one before, not its child: a poll is no staircase', () => {
    const { model, stdout } = traceFixture('poll-chain.js');
    assert.equal(stdout, '5\n');
    const timers = tasksNamed(model, 'setTimeout 2 ms').sort((a, b) => a.created - b.created);
    assert.equal(timers.length, 5);
    const [first, ...rearmed] = timers;
    assert.equal(model.tasks.get(first.parent)?.kind, 'script');
    assert.deepEqual(rearmed.map((t) => t.parent), rearmed.map(() => first.id), 'each re-armed timer is made under the first');
  });

  it('names a timer by its delay to three significant digits, as a person would write it', () => {
    const { model } = traceFixture('odd-delays.js');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setTimeout 12.3 ms', 'setTimeout 151 ms']);
  });

  it('a task that logs and then sleeps waits the whole sleep, though its log\'s write ends meanwhile', () => {
    const { model, stdout } = traceFixture('log-then-sleep.js');
    assert.equal(stdout, '0\n1\n2\ndone\n');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setTimeout 20 ms', 'setTimeout 20 ms', 'setTimeout 20 ms']);
    // Each wait lasts until its timer fired (its callback had run), not until the log's write ended,
    // and began in the first half of its timer's life (the first is timed as the script's run ends).
    const timers = tasksNamed(model, 'setTimeout 20 ms');
    main.waits.forEach((w, i) => {
      const timer = timers[i];
      const began = w.start <= timer.created + (timer.end!.t - timer.created) / 2;
      assert.ok(w.end >= timer.end!.t && began, `wait ${i}: ${w.start}–${w.end}, its timer ${timer.created}–${timer.end!.t}`);
    });
    const starts = main.runs.filter((_, i) => i % 2 === 0);
    assert.ok(starts.every((t) => t < main.end!.t), 'no run of main after it returned (its last write ends later)');
  });
});
