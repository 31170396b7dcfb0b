import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CALLBACK_NAMES, callbackNames, fixtureCopy, lifetimeMs, lineOf, only, siteLine, tasksNamed, traceFixture } from './helpers';
import type { Task } from '../../src/trace/task';

describe('Node runner: the task model on real scripts', () => {
  it('two awaits in sequence give two tasks that do not overlap, about 300 ms in all', () => {
    const { model, stdout, code } = traceFixture('sequential.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'hello\nworld\n');
    const main = only(model, 'main');
    const [first, second] = tasksNamed(model, 'sayAfter');
    assert.equal(tasksNamed(model, 'sayAfter').length, 2);
    assert.equal(first.parent, main.id);
    assert.equal(second.parent, main.id);
    assert.ok(second.created >= first.end!.t, 'the second starts after the first ended');
    const total = lifetimeMs(model, main);
    assert.ok(total >= 295 && total < 450, `main took ${total} ms`);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['sayAfter', 'sayAfter']);
    assert.deepEqual(first.waits.map((w) => model.waitLabel(w)), ['setTimeout 100 ms']);
    assert.deepEqual(model.longBlocks(), [], 'the loop was idle while the timers ran, after the script’s own run');
  });

  it('starting both first and awaiting after gives two overlapping tasks, about 200 ms in all', () => {
    const { model } = traceFixture('concurrent.js');
    const main = only(model, 'main');
    const [first, second] = tasksNamed(model, 'sayAfter');
    assert.ok(second.created < first.end!.t, 'the second starts before the first ends');
    const total = lifetimeMs(model, main);
    assert.ok(total >= 195 && total < 290, `main took ${total} ms`);
  });

  it('records where each task was created and where it awaited', () => {
    const { model } = traceFixture('sequential.js');
    const [first, second] = tasksNamed(model, 'sayAfter');
    assert.match(first.site, /fixtures\/node\/sequential\.js:8:\d+$/);
    assert.match(second.site, /fixtures\/node\/sequential\.js:9:\d+$/);
    assert.match(only(model, 'setTimeout 100 ms').site, /sequential\.js:3:\d+$/);
    assert.match(first.waits[0].site, /sequential\.js:3:\d+$/);
  });

  it('shows Promise.all of three calls as one combinator joining three children', () => {
    const { model, stdout } = traceFixture('promise-all.js');
    assert.equal(stdout, '1,2,3\n');
    const combinator = only(model, 'Promise.all ×3');
    const items = tasksNamed(model, 'fetchItem');
    assert.deepEqual([...combinator.members].sort(), items.map((t) => t.id).sort());
    const main = only(model, 'main');
    assert.equal(model.waitLabel(main.waits[0]), 'Promise.all ×3');
    assert.equal(combinator.end?.state, 'resolved');
  });

  it('helpers and combinators called one after another, with no await between, are each a task of their caller, in a loop at one line too', () => {
    const { model, stdout } = traceFixture('helpers-in-a-row.js');
    assert.equal(stdout, 'fast [[0,1],[1,2]] 2 9\n');
    const main = only(model, 'main');
    const named = (name: string): string[] => tasksNamed(model, name).map((t) => `${model.displayName(model.tasks.get(t.parent)!)}${t.internal ? ' (internal)' : ''}`);
    assert.deepEqual(named('Promise.all ×2'), Array(8).fill('main'), 'the pairs, the loop\'s three, the files, the sleeps, the pairs awaited');
    assert.deepEqual(named('Promise.allSettled ×2'), ['main', 'main', 'main'], 'one a call of the loop');
    assert.deepEqual(named('Promise.all ×1'), ['main', 'main'], 'the last loop\'s calls of one');
    const empty = tasksNamed(model, 'Promise.all').filter((t) => t.members.length === 0);
    assert.deepEqual(empty.map((t) => [t.parent, t.end?.state]), [[main.id, 'resolved']], 'its call of none, resolved as it was called');
    assert.deepEqual(named('Promise.all ×9'), ['main'], 'the loops\' combinators awaited');
    assert.deepEqual(named('Promise.race ×2'), ['main']);
    assert.deepEqual(named('fs.readFile'), ['main', 'main'], 'one per file of the map');
    assert.deepEqual(['setTimeout 30 ms', 'setTimeout 20 ms'].flatMap(named), ['main', 'main']);
    assert.deepEqual(named('setTimeout 10 ms'), ['main', 'main'], 'one in the race, one in the map');
    assert.deepEqual(named('setTimeout 5 ms'), ['main'], 'a plain timer set right after the pairs');
    assert.ok(main.waits.length >= 4);
  });

  it('code that wakes a task right after calling a helper it awaits later woke it, not the helper', () => {
    const { model, code } = traceFixture('wake-after-call.js');
    assert.equal(code, 0);
    const producer = only(model, 'producer');
    const waits = tasksNamed(model, 'sleeper').map((t) => t.waits[0]);
    assert.deepEqual(waits.map((w) => [model.tasks.get(w.by)?.name, model.waitLabel(w)]), [['producer', 'producer'], ['producer', 'producer']], 'in its first run and after an await');
    assert.ok(waits.every((w) => w.by === producer.id));
  });

  it('a combinator given .then and .catch chains has as members the calls and sleeps they start from, a timeout raced as sleep(ms).then(fail) too', () => {
    const { model, stdout } = traceFixture('then-members.js');
    assert.equal(stdout, 'deadline\ndeadline\n10,10\n');
    const name = (id: number): string => model.tasks.get(id)?.name ?? `#${id}`;
    assert.deepEqual(only(model, 'Promise.all ×2').members.map(name), ['load', 'load']);
    const races = tasksNamed(model, 'Promise.race ×2');
    assert.deepEqual(races.map((race) => race.members.map(name)), [['load', 'setTimeout 10 ms'], ['load', 'setTimeout 15 ms']]);
    const main = only(model, 'main');
    assert.deepEqual(races.map((race) => race.members.map((id) => model.tasks.get(id)?.parent)), [[main.id, main.id], [main.id, main.id]]);
  });

  it('a combinator called on a Promise subclass is a combinator of the calls it was given, awaited as one, and a promise made where a loop called one is none', () => {
    const { model, stdout } = traceFixture('promise-subclass.js');
    assert.equal(stdout, 'fast fast slow 1200 4 3\n');
    const main = only(model, 'main');
    const race = only(model, 'Promise.race ×2');
    assert.equal(race.parent, main.id);
    // Their members are the calls they were given, and main waits for each: V8 calls a subclass's
    // then() on the combinator's promise in a job of its own, as it does for any thenable.
    const membersOf = (combinator: Task): string[] => combinator.members.map((id) => `${model.tasks.get(id)?.name} at line ${model.tasks.get(id)?.site.split(':').at(-2)}`);
    const raceLine = lineOf('promise-subclass.js', 'Plain.race([');
    assert.deepEqual(membersOf(race), [`fast at line ${raceLine}`, `slow at line ${raceLine}`]);
    const deferredAll = tasksNamed(model, /^Promise\.all/)[0];
    assert.deepEqual(membersOf(deferredAll), [`fast at line ${raceLine + 1}`, `slow at line ${raceLine + 1}`]);
    assert.deepEqual(main.waits.slice(0, 2).map((w) => model.waitLabel(w)), ['Promise.race ×2', 'Promise.all ×2']);
    assert.deepEqual(main.waits.slice(0, 2).map((w) => w.target), [race.id, deferredAll.id]);
    const pairs = tasksNamed(model, /^Promise\.all/);
    assert.equal(pairs.length, 1 + 300 + 300, 'Deferred.all, then each round of both loops');
    assert.deepEqual([...new Set(pairs.map((t) => model.displayName(t)))], ['Promise.all ×2']);
    assert.ok(pairs.every((t) => t.parent === main.id));
    assert.deepEqual(tasksNamed(model, /Plain|Deferred|Promise$/), [], 'no task for a subclass\'s constructor or a new Promise');
    assert.deepEqual(only(model, 'setTimeout 5 ms').parent, main.id);
    // Each round's combinator settles in the microtasks main's own run queued: no timer woke it.
    const rounds = main.waits.filter((w) => w.site.includes(`:${lineOf('promise-subclass.js', 'Plain.all([i')}:`));
    assert.ok(rounds.length > 0);
    assert.deepEqual(rounds.filter((w) => w.by !== 0).map((w) => `${model.tasks.get(w.by)?.name} woke the wait at ${w.start} µs`), []);
  });

  it('the call after a loop of awaited calls is named after its own function, not the loop\'s, in a program with async hooks of its own too', () => {
    for (const fixture of ['loop-then-call.js', 'loop-then-call-hooked.js']) {
      const { model, stdout } = traceFixture(fixture);
      assert.equal(stdout, 'done\n');
      assert.equal(tasksNamed(model, 'handle').length, 6, fixture);
      assert.match(only(model, 'finish').site, /loop-then-call\.js:16:\d+$/, fixture);
    }
  });

  it('an async function that returns another\'s promise without awaiting it has returned: what its caller does next is the caller\'s, and it waits for the one it returned', () => {
    const { model, stdout } = traceFixture('return-promise.js');
    assert.equal(stdout, '1,2 4 5\n');
    const main = only(model, 'main');
    const parentName = (t: { parent: number }): string => model.tasks.get(t.parent)!.name;
    const relays = tasksNamed(model, 'relay');
    assert.deepEqual(relays.map(parentName), ['main', 'main', 'main', 'caller']);
    assert.deepEqual(tasksNamed(model, /^Promise\.all/).map((t) => [model.displayName(t), parentName(t)]), [['Promise.all ×2', 'main'], ['Promise.all ×2', 'main']]);
    assert.equal(parentName(only(model, 'setTimeout 1 ms')), 'main');
    assert.equal(parentName(only(model, 'caller')), 'main');
    assert.deepEqual(only(model, 'caller').waits.map((w) => model.waitLabel(w)), ['relay']);
    assert.ok(main.waits.length >= 3);
    // Having returned leaf's promise, each relay waits for that leaf until it ends with it.
    const leaves = tasksNamed(model, 'leaf');
    for (const [i, relay] of relays.entries()) {
      assert.deepEqual(relay.waits.map((w) => w.target), [leaves[i].id], `relay #${relay.id}`);
      assert.equal(relay.waits[0].end, relay.end!.t);
      assert.match(relay.waits[0].site, /return-promise\.js:11:10$/, 'at its `return leaf(n)`');
    }
    // One that returns the call after an await waits from the moment its run returned, not from
    // V8's job adopting the call's promise, after 20 ms of another microtask's.
    const resumed = only(model, 'resumedRelay');
    assert.deepEqual(resumed.waits.map((w) => w.target), [only(model, 'setTimeout 2 ms').id, tasksNamed(model, 'leaf').at(-1)!.id]);
    const gap = resumed.waits[1].start - resumed.runs.at(-1)!;
    assert.ok(gap < 5000, `its wait starts ${gap} µs after its last run ended`);
  });

  it('an async call deeper than a captured stack is still its caller\'s child', () => {
    const { model, stdout } = traceFixture('deep-call.js');
    assert.equal(stdout, '1\n');
    const outer = only(model, 'outer');
    assert.equal(only(model, 'leaf').parent, outer.id, 'outer has not returned while recurse(40) runs');
    assert.equal(outer.parent, only(model, 'main').id);
    assert.deepEqual(outer.waits.map((w) => model.waitLabel(w)), ['leaf']);
  });

  it('a call that takes another branch after the same await is named for the API it called there', () => {
    const { model, stdout } = traceFixture('branch-after-await.js');
    assert.equal(stdout, 'read,read,read,read,retried,read\n');
    const calls = tasksNamed(model, 'load').map((load) => model.childrenOf(load.id).map((t) => t.name).join(' then '));
    const read = 'setTimeout 1 ms then fs.readFile';
    assert.deepEqual(calls, [read, read, read, read, 'setTimeout 1 ms then setTimeout 5 ms', read]);
  });

  it('what a task makes after an await is placed there, though a callback of the task ran while it waited', () => {
    const { model } = traceFixture('callback-while-waiting.js');
    const first = tasksNamed(model, 'setTimeout 10 ms');
    const afterAwait = tasksNamed(model, 'setTimeout 30 ms');
    assert.equal(first.length, 5);
    assert.equal(afterAwait.length, 5);
    assert.ok(first.every((t) => /callback-while-waiting\.js:4:\d+$/.test(t.site)), first.map((t) => t.site).join());
    assert.ok(afterAwait.every((t) => /callback-while-waiting\.js:7:\d+$/.test(t.site)), afterAwait.map((t) => t.site).join());
  });

  it('a timer a loop first sets in another branch late, and a wait there, are placed at their own lines', () => {
    const { model } = traceFixture('late-branch-timer.js');
    assert.equal(tasksNamed(model, 'setTimeout 1 ms').length, 11);
    assert.ok(tasksNamed(model, 'setTimeout 1 ms').every((t) => /late-branch-timer\.js:7:\d+$/.test(t.site)));
    assert.match(only(model, 'setTimeout 2 ms').site, /late-branch-timer\.js:6:\d+$/);
    const last = only(model, 'main').waits.at(-1)!;
    assert.equal(model.waitLabel(last), 'setTimeout 3 ms');
    assert.match(last.site, /late-branch-timer\.js:8:\d+$/);
  });

  it('a branch a loop first takes late is named for what it calls soon after', () => {
    const { model, stdout } = traceFixture('late-branch.js');
    assert.equal(stdout, '50\n');
    const main = only(model, 'main');
    // Each pass: sleep 2, then fs.stat (the first 50) or sleep 1 (the other 100).
    const passes: string[][] = [];
    for (const task of model.childrenOf(main.id).filter((t) => !t.internal)) {
      if (task.name === 'setTimeout 2 ms') passes.push([]);
      else passes.at(-1)?.push(task.name);
    }
    assert.equal(passes.length, 150);
    assert.deepEqual([...new Set(passes.slice(0, 50).map((p) => p.join()))], ['fs.stat']);
    assert.deepEqual([...new Set(passes.slice(50 + 64).map((p) => p.join()))], ['setTimeout 1 ms'], 'right from the next check of the cached site on');
  });

  it('a recursion as deep as a hundred calls is a task per call, each waiting for the next, the base case for its timer', () => {
    const { model, stdout } = traceFixture('recursion.js', { args: ['100'] });
    assert.equal(stdout, '100\n');
    const calls = tasksNamed(model, 'depth');
    assert.equal(calls.length, 101);
    const [first] = calls;
    assert.equal(first.parent, only(model, 'main').id);
    for (const call of calls.slice(1)) assert.equal(model.tasks.get(call.parent)?.name, 'depth');
    const base = calls.filter((call) => model.childrenOf(call.id).length === 0 || model.childrenOf(call.id)[0].kind === 'timer');
    assert.deepEqual(base.map((call) => model.childrenOf(call.id).map((t) => t.name)), [['setTimeout 5 ms']], 'one base case, with the timer');
    assert.deepEqual(calls.map((call) => call.waits.map((w) => model.waitLabel(w)).join()), [...Array(100).fill('depth'), 'setTimeout 5 ms']);
  });

  it('a branch taken before the first await by a late call of a function makes what that branch makes, not the other calls\' call', () => {
    const { model, stdout } = traceFixture('first-run-branch.js');
    assert.equal(stdout, '1\n');
    assert.equal(tasksNamed(model, 'load').length, 30);
    assert.equal(tasksNamed(model, 'fetchOne').length, 29);
    assert.equal(tasksNamed(model, 'setTimeout 1 ms').length, 1);
  });

  it('async calls that return without awaiting are children of their caller, not of each other, and end resolved', () => {
    const { model, stdout } = traceFixture('quick-returns.js');
    assert.equal(stdout, 'ABC de\n');
    const main = only(model, 'main');
    const calls = [...tasksNamed(model, 'lookup'), ...tasksNamed(model, 'map callback')];
    assert.equal(calls.length, 5);
    for (const call of calls) {
      assert.equal(call.parent, main.id, `${call.name} #${call.id} was made by main`);
      assert.equal(call.end?.state, 'resolved');
    }
    assert.deepEqual(tasksNamed(model, /^Promise\.all/).map((t) => [model.displayName(t), t.parent]), [['Promise.all ×3', main.id], ['Promise.all ×2', main.id]]);
  });

  it('an async call that returned a promise it was given waits from its return until it settles with it; what its caller does after is the caller\'s', () => {
    const { model, stdout } = traceFixture('return-given-promise.js');
    assert.equal(stdout, 'tick\ndone\n');
    const main = only(model, 'main');
    const [pass, passSettled] = tasksNamed(model, 'pass');
    for (const call of [pass, passSettled]) {
      assert.equal(call.parent, main.id);
      assert.deepEqual(model.childrenOf(call.id), [], 'pass makes nothing');
    }
    for (const ms of [1, 5, 7]) assert.equal(only(model, `setTimeout ${ms} ms`).parent, main.id, `setTimeout ${ms} ms`);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['pass', 'pass', 'setTimeout 7 ms']);
    assert.deepEqual(pass.waits.map((w) => model.waitLabel(w)), ['setTimeout 1 ms']);
    assert.equal(pass.waits[0].start, pass.runs.at(-1), 'it waits from the moment it returned, not from when V8 adopted what it returned');
    // Given the promise settled already, it still waits until V8 has adopted it.
    assert.deepEqual(passSettled.waits.map((w) => [model.waitLabel(w), w.start, w.end]), [['settled promise', passSettled.runs.at(-1), passSettled.end!.t]]);
  });

  it('a task awaiting a thenable waits for whatever resolves it, through the job that calls its then()', () => {
    const { model, stdout } = traceFixture('thenable.js');
    assert.equal(stdout, 'late 3 rows of SELECT 1\n');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setTimeout 30 ms', 'setTimeout 5 ms', 'setTimeout 5 ms', 'setTimeout 5 ms', 'runQuery']);
    assert.ok(main.waits[0].end - main.waits[0].start >= 25_000, 'the whole wait for the thenable, not the moment before its then() ran');
    // The builder's then() started runQuery, which worked 3 ms before it awaited: one wait for it, from the await.
    const query = only(model, 'runQuery');
    const wait = main.waits[4];
    assert.equal(wait.target, query.id);
    assert.ok(wait.start <= query.created && wait.end >= model.endTimeOf(query), 'the whole wait is for the query');
  });

  it('.then callbacks a task attached run as its code while it waits, and its wait goes on after each', () => {
    const { model, stdout } = traceFixture('then-while-waiting.js');
    assert.equal(stdout, '10,20,30,10,20,30\n');
    const main = only(model, 'main');
    const labels = new Set(main.waits.map((w) => model.waitLabel(w)));
    assert.deepEqual([...labels], ['setTimeout 60 ms'], 'every stretch of each wait is for its sleep');
    const waited = main.waits.reduce((sum, w) => sum + (w.end - w.start), 0);
    assert.ok(waited >= 100_000, `main waited ${waited / 1000} ms of its two 60 ms sleeps`);
    const jobs = tasksNamed(model, 'job');
    for (const job of jobs) {
      const callbackRun = main.runs.some((t, i) => i % 2 === 0 && t >= job.end!.t && t - job.end!.t < 10_000);
      assert.ok(callbackRun, `main ran the callback of the ${job.waits[0] && model.waitLabel(job.waits[0])} job`);
    }
  });

  it('awaiting values and settled promises is main running on, not waits nor work of the script', () => {
    const { model, stdout } = traceFixture('await-values.js');
    assert.equal(stdout, '5050\n');
    const main = only(model, 'main');
    const script = model.tasks.get(1)!;
    assert.deepEqual(script.waits, [], 'the script itself awaited nothing');
    const long = main.waits.filter((w) => w.end - w.start > 10_000);
    assert.equal(long.length, 1, 'one real wait');
    assert.equal(model.waitLabel(long[0]), 'setTimeout 20 ms');
    assert.ok(main.waits.length <= 2, `${main.waits.length} waits: besides the timer, at most the first await, where main hands back to the script`);
    assert.ok(main.waits.every((w) => w === long[0] || model.waitLabel(w) === 'value'), 'an await of a plain value waits for a value');
    assert.deepEqual([...model.tasks.values()].map((t) => t.name), ['await-values.js', 'main', 'setTimeout 20 ms']);
  });

  it('Promise.all over hundreds of calls, helper calls or promises is one combinator, and what follows it is read anew', () => {
    const { model, stdout } = traceFixture('fan-out.js');
    assert.equal(stdout, '400 100 300\n');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['Promise.all ×400', 'setTimeout 5 ms', 'Promise.all ×100', 'setTimeout 6 ms', 'Promise.all ×300', 'setTimeout 7 ms']);
    const combinators = [...model.tasks.values()].filter((t) => t.kind === 'combinator');
    assert.deepEqual(combinators.map((t) => [t.name, t.parent, t.members.length]), [['Promise.all', main.id, 400], ['Promise.all', main.id, 100], ['Promise.all', main.id, 300]]);
    assert.ok(combinators.every((t) => /fan-out\.js:(13|15|18):\d+$/.test(t.site)), combinators.map((t) => t.site).join());
    assert.equal(tasksNamed(model, 'load').length, 400, 'no combinator taken for one more call');
    assert.equal(tasksNamed(model, 'fs.stat').length, 100);
    for (const ms of [5, 6, 7]) assert.equal(only(model, `setTimeout ${ms} ms`).parent, main.id);
  });

  // An ES module's functions are read by file URL; a TypeScript file's as the runner compiled it.
  for (const fixture of ['call-after-loop.js', 'call-after-loop.ts', 'call-after-loop.mjs']) {
    it(`a call or a promise after a loop of hundreds of calls of another function is what it is (${fixture})`, () => {
      const copy = fixture.endsWith('.mjs') ? fixtureCopy('call-after-loop.js', '.mjs') : undefined;
      const { model, stdout } = traceFixture(copy ?? fixture);
      if (copy !== undefined) fs.rmSync(path.dirname(copy), { recursive: true });
      assert.equal(stdout, 'delay 10 300\nmain 30 1000 900\n');
      assert.equal(tasksNamed(model, 'fetchThing').length, 1300, 'no later call taken for one more fetchThing');
      assert.equal(tasksNamed(model, 'pass').length, 900, 'no promise or helper call taken for one more pass');
      const script = model.tasks.get(1)!;
      const main = only(model, 'main');
      // At the top level, the call after the loop first calls another async function.
      const delay = only(model, 'delay');
      assert.equal(delay.parent, script.id);
      assert.match(delay.site, /call-after-loop\.m?[jt]s:\d+:\d+$/);
      assert.equal(siteLine(delay.site), lineOf(fixture.replace('.mjs', '.js'), 'delay(10)'));
      const settles = tasksNamed(model, 'settle');
      assert.deepEqual(settles.map((t) => t.parent), [delay.id, main.id]);
      // In main, the call after the loop first makes the timer's promise.
      assert.equal(only(model, 'setTimeout 10 ms').parent, settles[0].id);
      assert.equal(only(model, 'setTimeout 30 ms').parent, settles[1].id);
      assert.deepEqual(settles[1].waits.map((w) => model.waitLabel(w)), ['setTimeout 30 ms']);
      // After calls that return without settling, a promise a timer resolves is main's: no task of its own.
      for (const ms of [5, 6, 7]) assert.equal(only(model, `setTimeout ${ms} ms`).parent, main.id);
      assert.ok(tasksNamed(model, 'new Promise').every((t) => t.internal), 'a promise taken for a call is put aside');
      assert.equal(only(model, 'setTimeout 7 ms').kind, 'timer', 'a helper call taken for a call is the helper');
      // (The loop's .then callbacks run on main's lane while it waits: they cut its wait for settle.)
      assert.deepEqual([...new Set(main.waits.map((w) => model.waitLabel(w)))], ['settle', 'setTimeout 5 ms', 'setTimeout 6 ms', 'setTimeout 7 ms', 'Promise.all ×1000', 'Promise.all ×900']);
    });
  }

  it('a hot loop awaiting Promise.resolve() is main running on, once V8 has optimized it too (no task per iteration)', () => {
    const { model, stdout } = traceFixture('hot-promise-resolve.js');
    assert.equal(stdout, '1249975000 50000\n');
    assert.deepEqual([...model.tasks.values()].map((t) => t.name), ['hot-promise-resolve.js', 'main', 'setTimeout 20 ms']);
    // (What main does after 100,000 promises made in one run is read from the site cache as what it
    // made there before: the timer's wait is not told apart; see README, Limitations.)
    assert.equal(model.waitLabel(only(model, 'main').waits[0]), 'settled promise', 'awaiting Promise.resolve(i)');
  });

  it('an async function a builtin calls (items.map(fetchOne), Array.from) is placed at the call of that builtin; one Node calls (a timer\'s) at itself', () => {
    const { model, stdout } = traceFixture('builtin-callers.js');
    assert.equal(stdout, '1,4,25\n');
    const line = (text: string): number => lineOf('builtin-callers.js', text);
    assert.deepEqual(tasksNamed(model, 'compute').map((t) => Number(/:(\d+):\d+$/.exec(t.site)![1])), [line('.map(compute)'), line('.map(compute)'), line('Array.from('), line('async function compute')]);
  });

  it('a method called through super, or by a wrapper with apply, is named by the class it is written in, not the receiver\'s', () => {
    const { model, stdout } = traceFixture('super-calls.js');
    assert.equal(stdout, 'ROW 1\n');
    const chain: string[] = [];
    for (let task = only(model, 'main'); ; ) {
      const child = model.childrenOf(task.id).find((t) => t.kind === 'async');
      if (!child) break;
      chain.push(child.name);
      task = child;
    }
    assert.deepEqual(chain, ['get', 'CachedRepo.get', 'Repo.get'], 'the wrapper, called as get; the subclass\'s method it replaced; the base class\'s, through super');
  });

  it('an anonymous async function written as a call\'s argument is named after that call, with its first argument when that is a string; one called where it is written is an async IIFE', () => {
    const { model, code } = traceFixture('callbacks.js');
    assert.equal(code, 0);
    assert.deepEqual(callbackNames(model), CALLBACK_NAMES);
  });

  it('a package\'s own anonymous async function, called from the project\'s code, is named after the project\'s call of the package (p-limit\'s shape)', () => {
    const { model, stdout } = traceFixture('with-package/limit.js');
    assert.equal(stdout, '1,2,3\n');
    const main = only(model, 'main');
    const limits = tasksNamed(model, 'limit');
    assert.equal(limits.length, 3, 'one a call of limit()');
    assert.ok(limits.every((t) => t.parent === main.id && /with-package\/limit\.js:11:\d+$/.test(t.site)));
    assert.equal(tasksNamed(model, 'fetchUser').length, 3);
  });

  it('awaiting a promise chained on a task\'s own (.then, .catch, .finally) waits for that task, then for the task its callback returns', () => {
    const { model, stdout } = traceFixture('then-chains.js');
    assert.equal(stdout, '1 slept 3 40\n');
    const main = only(model, 'main');
    const [first, second, fourth] = tasksNamed(model, 'load');
    const save = only(model, 'save');
    // A .then callback runs as main's code; the wait goes on after it, for the same task, or for
    // the one it returned.
    const targets = main.waits.map((w) => w.target).filter((t, i, all) => t !== all[i - 1]);
    assert.deepEqual(targets.map((id) => model.displayName(model.tasks.get(id)!)), ['load', 'setTimeout 15 ms', 'load', 'load', 'save']);
    assert.deepEqual([targets[0], targets[2], targets[3], targets[4]], [first.id, second.id, fourth.id, save.id]);
    // From the callback's return main waits for save until it ends: V8 adopting save's promise is no run of main's.
    const forSave = main.waits.filter((w) => w.target === save.id);
    assert.equal(forSave.length, 1);
    assert.ok(Math.abs(forSave[0].end - save.end!.t) < 1000, `the wait ends as save does (${forSave[0].end} vs ${save.end!.t})`);
    const runEnds = main.runs.filter((_, i) => i % 2 === 1);
    const callbackEnd = Math.max(...runEnds.filter((end) => end <= forSave[0].start + 1));
    assert.ok(forSave[0].start - callbackEnd < 1, `the wait for save starts as the callback returns (${callbackEnd} → ${forSave[0].start})`);
  });

  it('a promise the program resolves with another\'s is waited for to the end: for the one it adopted when awaited, else for what was awaited', () => {
    const { model } = traceFixture('resolved-with-promise.js');
    /**
     * The task's waits from its first to its end, with no time out of them but its runs and those
     * of the tasks its code called meanwhile (a .then callback of its own, running the limiter's job).
     */
    const waitsToTheEnd = (task: Task): void => {
      const from = task.waits[0].start;
      const to = model.endTimeOf(task);
      const own = (id: number): boolean => {
        for (let t = model.tasks.get(id); t; t = model.tasks.get(t.parent)) if (t === task) return true;
        return false;
      };
      const spans: [number, number][] = task.waits.map((w) => [w.start, Number.isNaN(w.end) ? to : w.end]);
      for (let i = 0; i < model.loop.length; i += 3) if (own(model.loop[i + 2])) spans.push([model.loop[i], model.loop[i + 1]]);
      spans.sort((a, b) => a[0] - b[0]);
      let covered = 0;
      let reached = from;
      for (const [start, end] of spans) {
        const s = Math.max(start, reached);
        const e = Math.min(end, to);
        if (e > s) covered += e - s;
        reached = Math.max(reached, e);
      }
      assert.ok(covered >= to - from - 1000, `${task.name} waited or ran (itself or what it called) ${covered} µs of the ${to - from} µs from its first await to its end`);
    };
    // direct awaits `done`, which a .then callback of its own resolves with work(30)'s promise.
    const direct = only(model, 'direct');
    const [directWork] = tasksNamed(model, 'work');
    waitsToTheEnd(direct);
    assert.equal(direct.waits.at(-1)!.target, directWork.id, 'from the callback on, for the work it adopted');
    // queued awaits Promise.all of promises its limiter resolves with each job's promise: V8
    // adopting those is no resumption of queued's, and it waits for Promise.all throughout.
    const queued = only(model, 'queued');
    waitsToTheEnd(queued);
    assert.deepEqual([...new Set(queued.waits.map((w) => model.waitLabel(w)))], ['Promise.all ×2']);
  });
});

describe('Node runner: what is not a task', () => {
  it('reading stdin makes it a task of the reader, and each wait for it reads "read stdin"', () => {
    const { model, stdout } = traceFixture('read-stdin.js', { input: 'hello\n' });
    assert.equal(stdout, 'bytes 6\n');
    const main = only(model, 'main');
    const stdin = only(model, 'stdin');
    assert.deepEqual([stdin.kind, stdin.parent, stdin.end?.state, stdin.end?.message], ['io', main.id, 'resolved', 'closed']);
    assert.match(stdin.site, /read-stdin\.js:4:\d+$/);
    assert.ok(main.waits.length > 0);
    assert.deepEqual([...new Set(main.waits.map((w) => model.waitLabel(w)))], ['read stdin']);
  });

  it('stdin only asked whether it is a terminal, never read, is no task', () => {
    const { model, stdout } = traceFixture('stdin-untouched.js', { input: 'unread\n' });
    assert.equal(stdout, 'undefined\n');
    assert.deepEqual([...model.tasks.values()].map((t) => t.name), ['stdin-untouched.js']);
  });

  it('process.stdout opened by console.log on a pipe is not a task of the script', () => {
    const { model, stdout } = traceFixture('sequential.js');
    assert.equal(stdout, 'hello\nworld\n');
    assert.deepEqual([...model.tasks.values()].filter((t) => /pipe|tty/i.test(t.name)).map((t) => t.name), []);
  });
});
