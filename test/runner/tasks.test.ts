import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CALLBACK_NAMES, callbackNames, FIXTURES, fixtureCopy, lifetimeMs, lineOf, only, runsAfterEnd, runUntraced, stretchesOfNeither, syncRandomBytesIsAJob, tasksNamed, traceFixture, traceFixtureWith } from './helpers';
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

  it('helpers and combinators called one after another, with no await between, are each a task of their caller', () => {
    const { model, stdout } = traceFixture('helpers-in-a-row.js');
    assert.equal(stdout, 'fast [[0,1],[1,2]] 2\n');
    const main = only(model, 'main');
    const named = (name: string): string[] => tasksNamed(model, name).map((t) => `${model.displayName(model.tasks.get(t.parent)!)}${t.internal ? ' (internal)' : ''}`);
    assert.deepEqual(named('Promise.all ×2'), ['main', 'main', 'main', 'main', 'main'], 'the pairs, the files, the sleeps, the pairs awaited');
    assert.deepEqual(named('Promise.race ×2'), ['main']);
    assert.deepEqual(named('fs.readFile'), ['main', 'main'], 'one per file of the map');
    assert.deepEqual(['setTimeout 30 ms', 'setTimeout 20 ms'].flatMap(named), ['main', 'main']);
    assert.deepEqual(named('setTimeout 10 ms'), ['main', 'main'], 'one in the race, one in the map');
    assert.deepEqual(named('setTimeout 5 ms'), ['main'], 'a plain timer set right after the pairs');
    assert.ok(main.waits.length >= 4);
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
      assert.equal(delay.site.split(':').at(-2), String(lineOf(fixture.replace('.mjs', '.js'), 'delay(10)')));
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

  it('a wait for the usual sleep (a promise its timer resolves) says it waits for the timer before the timer fires, pending at exit too', () => {
    const { model, code, stdout } = traceFixture('sleep-pending.js');
    assert.equal(code, 0);
    assert.equal(stdout, 'aborted\n');
    const [slept, aborted, pending] = [only(model, 'main').waits[0], only(model, 'abortable').waits[0], only(model, 'nap').waits[0]];
    const [sleepTimer, abortTimer] = tasksNamed(model, 'setTimeout 20 ms');
    assert.deepEqual([slept.target, model.waitLabel(slept), model.wokenBy(slept)], [sleepTimer.id, 'setTimeout 20 ms', 0]);
    assert.deepEqual([pending.target, model.waitLabel(pending)], [only(model, 'setTimeout 10000 ms').id, 'setTimeout 10000 ms']);
    assert.ok(Number.isNaN(pending.end) || pending.end === model.endTime, 'still waiting as the program exited');
    // The timer's callback calling resolve, an arrow's or a function's.
    for (const [task, timer] of [['doze', 'setTimeout 20000 ms'], ['snooze', 'setTimeout 30000 ms']]) {
      const wait = only(model, task).waits[0];
      assert.deepEqual([wait.target, model.waitLabel(wait)], [only(model, timer).id, timer], task);
    }
    // Aborted, as a sleep of timers/promises is: the wait was for its timer, and the abort woke it.
    assert.deepEqual([model.waitLabel(aborted), model.wokenBy(aborted)], ['setTimeout 1000 ms', abortTimer.id]);
    assert.equal(only(model, 'setTimeout 1000 ms').end?.state, 'cancelled');
  });

  it('the promise forms of setImmediate and setInterval are one timer task each, named as the timers are', () => {
    const { model, stdout } = traceFixture('timers-promises.js');
    assert.equal(stdout, 'ticks 3\n');
    const main = only(model, 'main');
    assert.deepEqual(model.childrenOf(main.id).map((t) => `${t.kind} ${t.name}`), ['timer setImmediate', 'timer setInterval 5 ms']);
    // The break waits for the generator's return(), which Node's generator finishes in a job of its own.
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setImmediate', 'setInterval 5 ms', 'setInterval 5 ms', 'setInterval 5 ms', 'iterator.return']);
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

  it('an async generator a stream pipeline pulls is the pipeline\'s work: its caller waits for the whole pipeline', () => {
    const { model, stdout } = traceFixture('pipeline-generator.js');
    assert.equal(stdout, 'ABC\n');
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    assert.deepEqual(script.waits.map((w) => model.waitLabel(w)), [], 'the script\'s run ended long before');
    const main = only(model, 'main');
    const pipeline = only(model, 'stream.pipeline');
    assert.equal(pipeline.parent, main.id);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['stream.pipeline'], 'one wait, not cut by the generator\'s own');
    assert.ok(main.waits[0].end >= pipeline.end!.t, `main waited until ${main.waits[0].end}, the pipeline ended at ${pipeline.end!.t}`);
    const timers = tasksNamed(model, 'setTimeout 2 ms');
    assert.deepEqual(timers.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'the generator sleeps in the pipeline, whichever chunk');
    assert.ok(timers.every((t) => !t.internal), 'timers of the user\'s code, not Node\'s');
    assert.ok(pipeline.runs.length >= 6, 'the pipeline runs the generator after each of its timers');
  });

  it('an async generator a stream pipeline pulls through another of the program\'s is the pipeline\'s work too', () => {
    const { model, stdout } = traceFixture('pipeline-generators.js');
    assert.equal(stdout, 'ABC\n');
    const main = only(model, 'main');
    const pipeline = only(model, 'stream.pipeline');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['stream.pipeline'], 'one wait, not the first generator\'s timer');
    const timers = tasksNamed(model, 'setTimeout 2 ms');
    assert.deepEqual(timers.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'the source generator sleeps in the pipeline, whichever chunk');
  });

  it('code of the script\'s a Node API calls back is the call\'s work: what it makes are the call\'s children', () => {
    const { model, stdout } = traceFixture('called-back.js');
    assert.equal(stdout, '42 true\n');
    const main = only(model, 'main');
    const promisified = only(model, 'legacyDouble');
    const pipeline = only(model, 'stream.pipeline');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['legacyDouble', 'stream.pipeline']);
    assert.equal(only(model, 'setTimeout 5 ms').parent, promisified.id, 'the timer the wrapped function sets');
    const reads = tasksNamed(model, 'fs.readFile');
    assert.deepEqual(reads.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'the reads the generator makes, one a chunk');
    assert.ok(reads.every((t) => !t.internal));
    // The Transform's calls: each made from the callback of the one before, a series under the pipeline.
    const transforms = tasksNamed(model, 'transform');
    assert.deepEqual(transforms.map((t) => t.parent), [pipeline.id, pipeline.id, pipeline.id], 'siblings, not a staircase');
    assert.deepEqual(tasksNamed(model, 'setImmediate').map((t) => t.parent), transforms.map((t) => t.id));
  });

  it('a Transform\'s timers, one a chunk, each set from the callback of the one before, are the pipeline\'s: siblings, not each other\'s children', () => {
    const { model, stdout } = traceFixture('transform-timers.js');
    assert.equal(stdout, 'ABCD\n');
    const pipeline = only(model, 'stream.pipeline');
    const timers = tasksNamed(model, 'setTimeout 5 ms');
    assert.equal(timers.length, 4);
    assert.deepEqual(timers.map((t) => t.parent), timers.map(() => pipeline.id));
    assert.ok(timers.every((t) => /transform-timers\.js:13:\d+$/.test(t.site)), timers.map((t) => t.site).join());
  });

  it('a Readable\'s async read(), called for each chunk from a tick the call before queued, is a series under what reads the stream, not a staircase', () => {
    const { model, stdout } = traceFixture('readable-reads.js');
    assert.equal(stdout, '0,1,2 3\n');
    const main = only(model, 'main');
    const pipeline = only(model, 'stream.pipeline');
    const reads = tasksNamed(model, 'read');
    assert.equal(reads.length, 8, 'three chunks and the end, for each of two streams');
    assert.deepEqual(reads.map((t) => t.parent), [...Array(4).fill(pipeline.id), ...Array(4).fill(main.id)]);
  });

  it('for await over an async generator waits on what the generator awaits, where it awaits it', () => {
    const { model, stdout } = traceFixture('async-gen.js');
    assert.equal(stdout, '0\n1\n');
    const main = only(model, 'main');
    const timers = tasksNamed(model, 'setTimeout 10 ms');
    assert.deepEqual(timers.map((t) => t.parent), [main.id, main.id], 'the generator sleeps in main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['setTimeout 10 ms', 'setTimeout 10 ms']);
    assert.ok(main.waits.every((w) => /async-gen\.js:6:\d+$/.test(w.site)), main.waits.map((w) => w.site).join());
    // main runs (its `for await` steps, the generator's body) only between those waits.
    for (let i = 0; i < main.runs.length; i += 2) {
      const [start, end] = [main.runs[i], main.runs[i + 1]];
      assert.ok(main.waits.every((w) => w.end <= start || w.start >= end), `run ${start}–${end} overlaps a wait`);
    }
  });

  it('a `yield value` in an async generator waits for the value, as `await value` does, not for a promise', () => {
    const { model, stdout } = traceFixture('async-gen-values.js');
    assert.equal(stdout, '4950\n');
    const waits = only(model, 'sum').waits;
    assert.ok(waits.length > 0, 'the first yield waits while main runs');
    assert.deepEqual(waits.map((w) => [model.waitLabel(w), w.site.replace(/^.*\//, '')]), waits.map(() => ['value', 'async-gen-values.js:4:35']));
  });

  it('what an installed package makes or throws is placed at the project\'s call of it, not in node_modules', () => {
    const { model, stdout } = traceFixture('with-package/main.js');
    assert.equal(stdout, 'the library failed\n');
    assert.match(only(model, 'setTimeout 20 ms').site, /with-package\/main\.js:6:\d+$/);
    assert.match(only(model, 'main').waits[0].site, /with-package\/main\.js:6:\d+$/);
    const fail = only(model, 'exports.fail');
    assert.match(fail.site, /with-package\/main\.js:7:\d+$/);
    assert.equal(fail.end?.state, 'rejected');
    assert.match(fail.end!.site, /with-package\/main\.js:7:\d+$/);
    // Called back from the package's own timer: at the function itself.
    assert.match(only(model, 'handler').site, /with-package\/main\.js:12:\d+$/);
  });

  it('a package\'s function stored under another method name is named by the method the program called (axios\'s post is its httpMethod); a wait for its promise is a wait for the call (pg\'s query)', () => {
    const { model, stdout } = traceFixture('with-package/client-verbs.js');
    assert.equal(stdout, 'GET /a\nPOST /b\nPUT /c\nrows of SELECT 1\nsent /d\n');
    const main = only(model, 'main');
    for (const verb of ['get', 'post', 'put']) assert.equal(only(model, `Client.${verb}`).parent, main.id, verb);
    assert.deepEqual(tasksNamed(model, /httpMethod/), []);
    // A promise the package made (and handed out through a .catch) is waited for as its call, woken by its timer.
    const [query, request] = main.waits.slice(-2);
    assert.equal(model.waitLabel(query), 'Client.query');
    assert.equal(model.tasks.get(model.wokenBy(query))?.name, 'setTimeout 5 ms');
    assert.equal(model.waitLabel(request), 'request', 'an unnamed export by the name the program calls it');
  });

  it('a package that is a function is named as the program calls it, and an unnamed mapper before an options object after that call', () => {
    const { model, stdout } = traceFixture('with-package/map-options.js');
    assert.equal(stdout, '2,4,6 8\n');
    const main = only(model, 'main');
    const maps = tasksNamed(model, 'pMap');
    assert.deepEqual(maps.map((m) => m.parent), [main.id, main.id], 'not module.exports');
    assert.equal(tasksNamed(model, 'pMap callback').length, 3, 'the mapper of three items, not pMap.concurrency');
    assert.equal(tasksNamed(model, 'tasks.double').length, 4, 'a function assigned to a property keeps the name V8 gives it');
    assert.deepEqual([...model.tasks.values()].filter((t) => /concurrency|module\.exports/.test(t.name)), []);
  });

  it('what a package makes in a tick or an immediate of its own after the project\'s call of it is placed at that call (ioredis, nodemailer connecting)', () => {
    const { model, stdout } = traceFixture('with-package/deferred-connect.js');
    assert.equal(stdout, 'connected\n');
    const calls = [`lib.connectLater(server.address().port);`, 'lib.connectLater(server.address().port, setImmediate)'].map((text) => `deferred-connect.js:${lineOf('with-package/deferred-connect.js', text)}:\\d+$`);
    const main = only(model, 'main');
    const inTick = tasksNamed(model, /^TCP (socket|connect) /).filter((t) => t.parent === main.id);
    const soon = only(model, 'setImmediate');
    const inImmediate = tasksNamed(model, /^TCP (socket|connect) /).filter((t) => t.parent === soon.id || model.tasks.get(t.parent)?.parent === soon.id);
    assert.equal(inTick.length, 2, inTick.map((t) => t.name).join());
    assert.equal(inImmediate.length, 2, inImmediate.map((t) => t.name).join());
    for (const task of inTick) assert.match(task.site, new RegExp(calls[0]), task.name);
    for (const task of inImmediate) assert.match(task.site, new RegExp(calls[1]), task.name);
  });

  it('what a package makes 40 calls deep inside itself is still placed at the project\'s call of it', () => {
    const { model } = traceFixture('with-package/deep.js');
    const timer = only(model, 'setTimeout 30 ms');
    assert.match(timer.site, /with-package\/deep\.js:5:\d+$/);
    assert.equal(timer.parent, only(model, 'main').id);
    assert.match(only(model, 'main').waits[0].site, /with-package\/deep\.js:5:\d+$/);
  });

  it('require() of an ES module package is no task of the script\'s (Node\'s loader works inside the call)', function () {
    if (!(process.features as { require_module?: boolean }).require_module) this.skip(); // Node 20.19+
    const { model, stdout } = traceFixture('with-package/require-esm.js');
    assert.equal(stdout, '42\n');
    assert.deepEqual([...model.tasks.values()].map((t) => t.name), ['require-esm.js']);
  });

  it('a callback or an async call run inside a waiting task\'s own microtask (piscina\'s pool, abstract-level\'s open) does not resume the task as it returns or suspends', () => {
    const { model, stdout } = traceFixture('nested-aside.js');
    assert.equal(stdout, 'done\n');
    const main = only(model, 'main');
    const timer = only(model, 'setTimeout 20 ms');
    assert.equal(main.waits.length, 1);
    assert.ok(main.waits[0].end >= timer.runs[0], 'one wait, until the timer fired');
    assert.ok(main.runs.every((t, i) => i % 2 === 1 || t < main.waits[0].start || t >= main.waits[0].end), 'main does not run while it waits');
    const pool = only(model, 'Pool');
    assert.ok(model.runningTime(pool) >= 4_000, 'the pool\'s callback holds the loop for its 5 ms');
  });

  it('a native addon\'s work (Node-API async work) is a callback task that ends as its callback returns, not pending to the end', () => {
    // Built from C as database bindings are; Node's headers come with Node (Debian's nodejs, the official builds).
    const headers = path.join(path.dirname(process.execPath), '..', 'include', 'node');
    assert.ok(fs.existsSync(path.join(headers, 'node_api.h')), `no Node-API headers in ${headers}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-addon-'));
    const built = spawnSync('gcc', ['-shared', '-fPIC', '-O1', `-I${headers}`, '-o', path.join(dir, 'addon.node'), path.join(FIXTURES, 'addon/work.c')], { encoding: 'utf8' });
    assert.equal(built.status, 0, `gcc (which .ci/run installs): ${built.error ?? built.stderr}`);
    const { model, stdout } = traceFixture('addon/main.js', { env: { ...process.env, ADDON_DIR: dir } });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(stdout, 'worked\n');
    const calls = tasksNamed(model, 'workFor');
    const works = tasksNamed(model, 'addon.work');
    assert.deepEqual(works.map((w) => [w.kind, w.parent, w.end?.state]), calls.map((c) => ['callback', c.id, 'resolved']));
    assert.ok(works[0].end!.t < calls[1].created, 'the first work ended before the second call');
  });

  it('a promise of a builtin V8 shows no frame for (WebAssembly.compile), made in an async function\'s body, is no call of that function; a wait for it is named after it (in an ES-module TypeScript file too)', () => {
    // As TypeScript (the same code), compiled on Node's loader thread.
    for (const fixture of ['unseen-builtins.js', fixtureCopy('unseen-builtins.js', '.mts')]) {
      const { model, stdout } = traceFixture(fixture);
      assert.equal(stdout, '/ true true\n');
      const load = only(model, 'load');
      assert.deepEqual(model.childrenOf(load.id).map((t) => t.name), ['import()', 'compileModule']);
      assert.ok(load.waits.length > 0);
      for (const wait of load.waits) assert.match(model.waitLabel(wait), /^(import\(\)|WebAssembly\.(compile|instantiate)|compileModule)$/);
      // A call that returns the builtin's promise waits for it, by its name.
      assert.deepEqual(only(model, 'compileModule').waits.map((w) => model.waitLabel(w)), ['WebAssembly.compile']);
    }
  });

  it('a wait for a builtin with work of its own (Atomics.waitAsync; Array.fromAsync where Node has it) is named after it', () => {
    const { model, stdout } = traceFixture('builtin-work.js');
    assert.equal(stdout, '1 2\n3 4 5\n');
    assert.deepEqual(only(model, 'waitForFlag').waits.map((w) => model.waitLabel(w)), ['Atomics.waitAsync']);
    const hasFromAsync = typeof (Array as { fromAsync?: unknown }).fromAsync === 'function';
    assert.deepEqual(only(model, 'collect').waits.map((w) => model.waitLabel(w)), [hasFromAsync ? 'Array.fromAsync' : 'Promise.all ×2']);
    if (!hasFromAsync) return;
    // Over an async generator: the caller waits for Array.fromAsync until it has every value, not
    // for the timer of the generator's first step, nor for nothing once that step has run.
    const caller = only(model, 'collectGenerated');
    const at = `builtin-work.js:${lineOf('builtin-work.js', 'await Array.fromAsync(numbers())')}`;
    assert.deepEqual([...new Set(caller.waits.map((w) => `${model.waitLabel(w)} @ ${w.site.replace(/^.*\//, '').replace(/:\d+$/, '')}`))], [`Array.fromAsync @ ${at}`]);
    assert.deepEqual(stretchesOfNeither(caller), []);
    // Each step of the generator is the caller's work, those V8 runs from jobs no hook reports too:
    // the sleep of every step is the caller's, and each step's code runs as the caller.
    const sleepLine = lineOf('builtin-work.js', 'await new Promise((resolve) => setTimeout(resolve, 10))');
    const sleeps = [...model.tasks.values()].filter((t) => t.kind === 'timer' && t.site.includes(`:${sleepLine}:`));
    assert.deepEqual(sleeps.map((t) => model.tasks.get(t.parent)?.name), ['collectGenerated', 'collectGenerated', 'collectGenerated']);
    const script = [...model.tasks.values()].find((t) => t.kind === 'script')!;
    const scriptRunsDuringSteps = [];
    for (let i = 0; i < script.runs.length; i += 2) if (script.runs[i] > sleeps[0].created && script.runs[i] < caller.end!.t) scriptRunsDuringSteps.push(script.runs[i]);
    assert.deepEqual(scriptRunsDuringSteps, [], 'runs of the script while the generator stepped');
  });

  it('a wait for a Web Crypto digest is named after the call, not the hashing job Node runs for it', () => {
    const { model, stdout } = traceFixture('webcrypto-digest.js');
    assert.equal(stdout, '8ac081cb\n');
    const main = only(model, 'main');
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['SubtleCrypto.digest']);
    assert.equal(main.waits[0].target, only(model, 'SubtleCrypto.digest').id);
  });

  it('a promisified function with no name of its own is named as the program calls it', () => {
    const { model, stdout } = traceFixture('promisified-anonymous.js');
    assert.equal(stdout, '5\n');
    assert.equal(only(model, 'nap').parent, only(model, 'main').id);
    assert.deepEqual(tasksNamed(model, ''), []);
  });

  it('an AsyncResource a package makes is a callback task of its maker, ending as its callback last returned, or pending if it never ran', () => {
    const { model, stdout } = traceFixture('async-resources.js');
    assert.equal(stdout, 'bound callback ran\ntimer set in the first result\nsecond result\n');
    const main = only(model, 'main');
    const bound = only(model, 'AsyncResource.bind');
    const query = only(model, 'POOL_REQUEST');
    const never = only(model, 'NeverCalled');
    for (const task of [bound, query, never]) assert.deepEqual([task.kind, task.parent], ['callback', main.id], task.name);
    // (A callback's console.log completes its write a moment after it returns: that is its too.)
    const second = only(model, 'setTimeout 20 ms');
    assert.ok(bound.runs.length >= 2 && bound.runs[1] < second.created, 'the bound callback ran, before main slept again');
    assert.ok(query.runs[1] < second.created && query.runs.some((t, i) => i % 2 === 0 && t >= model.endTimeOf(second)), 'the pool ran a callback in its resource before main slept 20 ms and one after');
    assert.deepEqual([bound.end?.state, bound.end?.t], ['resolved', bound.runs.at(-1)]);
    assert.deepEqual([query.end?.state, query.end?.t], ['resolved', query.runs.at(-1)]);
    assert.equal(model.endState(never), 'pending');
    assert.equal(only(model, 'setTimeout 5 ms').parent, query.id, 'what its callback makes is its');
  });

  it('names an async method by its class and method, as in a stack trace', () => {
    const { model } = traceFixture('methods.js');
    const main = only(model, 'main');
    assert.equal(only(model, 'Api.get').parent, main.id);
    assert.equal(only(model, 'Store.load').parent, main.id, 'not exports.internals.Store.load');
    assert.equal(only(model, 'Api.connect').parent, main.id, 'a static method after its class');
    assert.equal(only(model, 'Api.#fetch').parent, only(model, 'Api.get').id, 'a private method after its class too');
    assert.equal(only(model, 'Api.#handshake').parent, only(model, 'Api.connect').id, 'a static private method after the class its caller is in');
    assert.equal(only(model, 'wait').parent, main.id, 'a plain object has no class name to add');
    assert.deepEqual([only(model, 'Client.head').parent, only(model, 'Client.post').parent], [main.id, main.id], 'methods under computed keys by the key they were called as (V8 says Client.<computed>)');
    assert.equal(only(model, 'tick').parent, only(model, 'setTimeout 1 ms').id, 'not Timeout.tick: Node calls it as the timer\'s _onTimeout');
    assert.equal(only(model, 'onPing').parent, only(model, 'setTimeout 2 ms').id, 'not EventEmitter.onPing');
    assert.equal(tasksNamed(model, 'emitter.on(\'ping\') callback').length, 1, 'an unnamed listener is named after the call that added it, not after how Node called it');
  });

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
    const fetches = tasksNamed(model, 'fetch');
    assert.equal(fetches.length, 2);
    const sockets = [...model.tasks.values()].filter((t) => fetches.some((f) => f.id === t.parent) && /^TCP socket /.test(t.name));
    assert.ok(sockets.length >= 1, 'fetch connected');
    assert.deepEqual(sockets.map((s) => [s.end?.state, s.end?.message]), sockets.map(() => ['resolved', 'closed: other side closed']));
  });

  it('names fetch and its Response as the globals they are, and an HTTP server\'s request as one', () => {
    const { model, stdout } = traceFixture('fetch.js');
    assert.equal(stdout, 'hello\n');
    const main = only(model, 'main');
    assert.equal(only(model, 'fetch').parent, main.id);
    assert.equal(only(model, 'Response.text').parent, main.id);
    // The first fetch of a program loads Node's undici first; the wait is still for the fetch.
    const fetchWait = main.waits.find((w) => /fetch\.js:8:\d+$/.test(w.site))!;
    assert.equal(fetchWait.target, only(model, 'fetch').id);
    assert.match(model.waitLabel(fetchWait), /^read TCP socket 127\.0\.0\.1:\d+$/);
    // Its socket and connect, made inside undici with no code of the script's on the stack, are placed at the fetch.
    const made = model.childrenOf(only(model, 'fetch').id).filter((t) => t.kind === 'io');
    assert.deepEqual(made.map((t) => t.name.replace(/[\d.:]+$/, '')).sort(), ['TCP connect ', 'TCP socket ']);
    assert.ok(made.every((t) => t.site === only(model, 'fetch').site), made.map((t) => t.site).join());
    // listen(port, host, resolve): Node emits 'listening' in a tick of the server's, once bound.
    const server = only(model, /^TCP server /);
    assert.deepEqual([main.waits[0].by, model.waitLabel(main.waits[0])], [server.id, server.name]);
    assert.match(server.site, /fetch\.js:6:\d+$/);
    assert.equal(only(model, 'HTTP request').internal, true, 'the server\'s request, made by Node');
    const tasks = [...model.tasks.values()];
    assert.ok(!tasks.some((t) => t.site.startsWith('wasm://')), 'undici\'s WebAssembly parser is not the script\'s code');
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

  it('web streams: each reader.read() and a pipeTo are a task main waits for; getReader, pipeThrough and a controller\'s enqueue none', () => {
    const { model, stdout } = traceFixture('stream-reader.js');
    assert.equal(stdout, '3 AB\n');
    const main = only(model, 'main');
    const made = [...model.tasks.values()].filter((t) => t.parent === main.id);
    const reads = made.filter((t) => t.name === 'ReadableStreamDefaultReader.read');
    assert.equal(reads.length, 4, 'three chunks, then the end');
    assert.deepEqual(made.filter((t) => !reads.includes(t)).map((t) => t.name), ['ReadableStream.pipeTo'], 'one pipeTo, and no task for pipeThrough or getReader');
    assert.deepEqual(main.waits.map((w) => w.target), made.map((t) => t.id));
    assert.deepEqual([...model.tasks.values()].filter((t) => /enqueue|close|pipeThrough|getReader/.test(t.name)).map((t) => t.name), []);
  });

  it('each step of for await over a web ReadableStream waits for what fed it, with no task for the iterator or its steps', () => {
    const { model, stdout } = traceFixture('web-stream-iterate.js');
    assert.equal(stdout, '5 21\n');
    const names = [...model.tasks.values()].map((t) => t.name);
    assert.deepEqual(names.filter((n) => /values|next|return|webstreams|fromWeb/.test(n)), [], names.join(', '));
    const counter = only(model, 'countParts');
    const throughNode = only(model, 'countThroughNode');
    for (const task of [counter, throughNode]) {
      assert.deepEqual(model.childrenOf(task.id).map((t) => t.name), [], task.name);
      assert.deepEqual(stretchesOfNeither(task), [], `${task.name} waits from step to step, never neither running nor waiting`);
    }
    // Its break waits while Node's stream iterator destroys the stream, cancelling the web stream.
    assert.equal(model.waitLabel(throughNode.waits[throughNode.waits.length - 1]), 'iterator.return');
    const fedByPulls = counter.waits.filter((w) => model.tasks.get(w.by)?.name === 'pull');
    assert.ok(fedByPulls.length >= 2, counter.waits.map((w) => model.waitLabel(w)).join(', '));
    const download = only(model, 'download');
    assert.deepEqual(model.childrenOf(download.id).map((t) => t.name), ['fetch']);
    assert.deepEqual(stretchesOfNeither(download), []);
    const reads = download.waits.map((w) => model.waitLabel(w)).filter((l) => /^read TCP socket 127\.0\.0\.1:\d+$/.test(l));
    assert.ok(reads.length >= 2, `three parts 30 ms apart: ${download.waits.map((w) => model.waitLabel(w)).join(', ')}`);
  });

  it('a fetch aborted by AbortSignal.timeout ends cancelled, though it was the program\'s first (undici loads inside it)', () => {
    const { model, stdout } = traceFixture('fetch-abort.js');
    assert.equal(stdout, 'TimeoutError\n');
    const fetchTask = only(model, 'fetch');
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
    for (const task of tasksNamed(model, /^(fetch|Response\.text)$/)) assert.deepEqual(runsAfterEnd(task), [], `${task.name} #${task.id}`);
  });

  it('each step of for await over a file stream waits for the file read that fed it', () => {
    const { model, stdout } = traceFixture('for-await-stream.js');
    assert.equal(stdout, 'true\n');
    const main = only(model, 'main');
    const labels = main.waits.map((w) => model.waitLabel(w));
    assert.ok(labels.length >= 3, `the file takes several reads: ${labels.join(', ')}`);
    assert.deepEqual([...new Set(labels)].filter((l) => !/^fs\.(open|read|close)$/.test(l)), [], labels.join(', '));
    // Node's iterator yields a chunk in the microtasks after the read's callback: the read woke main
    // as that callback ended (where a Chrome trace's flow from it starts), not after.
    // Node's iterator steps on in jobs of its own, awaiting the file's close at the end: main waits
    // on through them, each wait lasting until main's own code resumes.
    assert.deepEqual(stretchesOfNeither(main), []);
    const byReads = main.waits.filter((w) => model.tasks.get(w.by)?.name === 'fs.read');
    assert.ok(byReads.length >= 2, labels.join(', '));
    for (const wait of byReads) {
      const runs = model.tasks.get(wait.by)!.runs;
      const inRun = runs.some((start, i) => i % 2 === 0 && start <= wait.wokenAt && wait.wokenAt <= runs[i + 1]);
      assert.ok(inRun, `woken at ${wait.wokenAt} µs by #${wait.by}, which ran ${runs.join(', ')}`);
    }
  });

  it('each step of for await over a socket waits for its read, the end of the stream too', () => {
    const { model, stdout } = traceFixture('for-await-socket.js');
    assert.equal(stdout, 'ab\n');
    const reader = only(model, 'net.createServer callback');
    const labels = reader.waits.map((w) => model.waitLabel(w));
    assert.ok(labels.length >= 3, `two messages, then the end: ${labels.join(', ')}`);
    assert.ok(labels.every((l) => /^read TCP socket 127\.0\.0\.1:\d+$/.test(l)), labels.join(', '));
  });

  it('an async call right after a for await over readline, made where each step was, is a task of its own, not one more step', () => {
    const { model, stdout } = traceFixture('lines-then-call.js');
    assert.equal(stdout, '120\n');
    const main = only(model, 'main');
    const save = only(model, 'save');
    assert.equal(save.parent, main.id);
    assert.equal(only(model, 'setTimeout 5 ms').parent, save.id, 'the timer save sets is its own');
    assert.equal(model.waitLabel(main.waits[main.waits.length - 1]), 'save', 'main waits for save');
  });

  it('an async call right after a long for await over a directory is a task of its own, with the timer it sets', () => {
    const { model, stdout } = traceFixture('dir-then-call.js');
    assert.equal(stdout, '100\n');
    const save = only(model, 'save');
    assert.equal(save.parent, only(model, 'main').id);
    assert.equal(only(model, 'setTimeout 5 ms').parent, save.id, 'the timer its sleep sets, which showed it was no step');
  });

  it('a Node helper called right after a for await over a child\'s stdout, where each step was made, is a task of its own', () => {
    const { model, stdout } = traceFixture('child-output-then-close.js');
    assert.equal(stdout, '300000 0\n');
    const run = only(model, 'run');
    const close = only(model, 'events.once');
    assert.equal(close.parent, run.id);
    assert.equal(run.waits[run.waits.length - 1].target, close.id, 'run waits for the close');
  });

  it('a for await over events.on() waits for events.on at each step, and its steps are no tasks', () => {
    const { model, stdout } = traceFixture('events-on.js');
    assert.equal(stdout, '3\n');
    const main = only(model, 'main');
    assert.deepEqual(model.childrenOf(main.id).map((t) => t.name), ['setTimeout 10 ms']);
    assert.ok(main.waits.length >= 1);
    assert.deepEqual([...new Set(main.waits.map((w) => model.waitLabel(w)))], ['events.on']);
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

  it('reading a file by lines with for await over readline shows no task per line, and each wait is for readline', () => {
    const { model, stdout } = traceFixture('lines-of-file.js');
    assert.equal(stdout, '500\n');
    const counter = only(model, 'countLines');
    const shown = [...model.tasks.values()].filter((t) => !t.internal);
    assert.ok(shown.length < 20, `${shown.length} tasks shown: ${shown.slice(0, 30).map((t) => t.name).join(', ')}`);
    assert.ok(counter.waits.length > 0);
    assert.deepEqual([...new Set(counter.waits.map((w) => model.waitLabel(w)))], ['readline'], 'each wait is for the next line');
  });

  it('a file stream\'s requests are all made by the task it works for, not each by the request before it; a gzip stream ends when it closes', () => {
    const { model, stdout } = traceFixture('file-streams.js');
    assert.equal(stdout, '300000\n');
    const main = only(model, 'main');
    const requests = [...model.tasks.values()].filter((t) => t.name.startsWith('fs.'));
    const reads = requests.filter((t) => t.name === 'fs.read');
    assert.ok(reads.length >= 5, `300,000 bytes in 64 KiB chunks: ${reads.length} reads`);
    assert.ok(requests.some((t) => t.name === 'fs.writev' || t.name === 'fs.write'));
    const gzip = only(model, 'zlib.gzip');
    for (const request of requests.filter((r) => r.parent !== gzip.id)) assert.equal(request.parent, main.id, `${request.name} #${request.id} is main's, not #${request.parent}'s`);
    assert.equal(model.endState(gzip), 'resolved', 'the gzip stream closed');
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

  it('an HTTP server\'s request and an http.get end as their connection closes', () => {
    const { model, stdout } = traceFixture('http-get.js');
    assert.equal(stdout, 'ok\n');
    // The client's socket is named as it connects, though the client's parser reads it in Node's C++.
    assert.equal(tasksNamed(model, `TCP socket 127.0.0.1:${/:(\d+)$/.exec(only(model, /^TCP server /).name)![1]}`).length, 1);
    for (const name of ['HTTP request', 'HTTP client request']) {
      const task = only(model, name);
      assert.equal(task.internal, true);
      assert.deepEqual([task.end?.state, task.end?.message], ['resolved', 'closed'], name);
    }
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

  it('an HTTP/2 session and its streams are named so, Node\'s own, and end; the request is no task left pending', () => {
    const { model, stdout } = traceFixture('http2.js');
    assert.equal(stdout, 'h2\n');
    const tasks = [...model.tasks.values()];
    assert.deepEqual(tasks.filter((t) => !t.end && !t.internal).map((t) => t.name), []);
    assert.deepEqual([...new Set(tasks.filter((t) => t.name.startsWith('HTTP/2')).map((t) => `${t.name} ${t.internal} ${t.end?.state}`))].sort(), ['HTTP/2 session true resolved', 'HTTP/2 settings true resolved', 'HTTP/2 stream true resolved']);
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

  it('fetches started in one map are a task each, and Node\'s own timers in an HTTP response are not the script\'s', () => {
    const { model, stdout } = traceFixture('fetch-map.js');
    assert.equal(stdout, '/a,/b,/c 16\n');
    const main = only(model, 'main');
    const fetches = tasksNamed(model, 'fetch');
    assert.equal(fetches.length, 3);
    for (const call of fetches) {
      assert.equal(call.parent, main.id);
      assert.equal(call.end?.state, 'resolved');
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

  it('ends a rejected task rejected, with its message and where it was thrown', () => {
    const { model, stdout } = traceFixture('rejected.js');
    assert.equal(stdout, 'caught: disk on fire\n');
    const failing = only(model, 'failLater');
    assert.equal(failing.end?.state, 'rejected');
    assert.equal(failing.end?.message, 'Error: disk on fire');
    assert.match(failing.end!.site, /rejected\.js:4:\d+$/);
    assert.equal(only(model, 'main').end?.state, 'resolved');
  });

  it('async functions that eval and new Function made are tasks, created where the program calls them', () => {
    const { model, stdout } = traceFixture('eval-functions.js');
    assert.equal(stdout, '4 5\n');
    const main = only(model, 'main');
    for (const [name, text] of [['generated', 'fromFunction(2)'], ['evaluated', 'fromEval(doubled)']]) {
      const task = only(model, name);
      assert.deepEqual([task.kind, task.parent, task.end?.state], ['async', main.id, 'resolved'], name);
      assert.match(task.site, new RegExp(`eval-functions\\.js:${lineOf('eval-functions.js', text)}:\\d+$`), name);
      assert.deepEqual(model.childrenOf(task.id).map((t) => t.name), ['setTimeout 5 ms'], `${name}'s sleep is its own`);
    }
  });

  it('a program whose Error.prepareStackTrace throws runs as untraced: a rejection it catches ends its task rejected, and its crash is in the trace', () => {
    const caught = traceFixture('prepare-stack-throws.js');
    assert.equal(caught.stdout, runUntraced('prepare-stack-throws.js').stdout, 'the tracer reading the error did not throw into the program');
    assert.equal(caught.code, 0);
    assert.equal(only(caught.model, 'fail').end?.state, 'rejected');
    assert.equal(only(caught.model, 'main').end?.state, 'resolved');
    const crashed = traceFixture('prepare-stack-throws.js', { args: ['crash'] });
    assert.equal(crashed.code, 1);
    assert.deepEqual([crashed.model.exit?.reason, crashed.model.exit?.message], ['exception', 'RangeError: out of range'], 'its error by name and message, its stack unreadable');
    assert.equal(only(crashed.model, 'main').end?.state, 'resolved', 'what it did before is there');
  });

  it('a program that throws a Proxy whose traps all throw runs as untraced, and its crash is in the trace', () => {
    const untraced = runUntraced('proxy-error.js');
    const { model, stdout, stderr, code } = traceFixture('proxy-error.js');
    assert.deepEqual([stdout, code], [untraced.stdout, untraced.code]);
    assert.equal(stdout, 'caught\n');
    assert.equal(stderr.replace(/^tasklane: wrote .*\n/m, ''), untraced.stderr, 'Node reports it as untraced');
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exception', 1], 'the runner reported the crash itself');
    assert.equal(tasksNamed(model, 'work').length, 2);
  });

  it('an error Node shows without a stack (Promise.any\'s, one made with stacks off) ends its task with its message alone', () => {
    const { model, stdout } = traceFixture('rejected-reasons.js');
    assert.equal(stdout, 'caught: All promises were rejected\ncaught: quota exceeded\n');
    const ends = (name: string) => [only(model, name).end?.state, only(model, name).end?.message];
    assert.deepEqual(ends('Promise.any ×2'), ['rejected', 'AggregateError: All promises were rejected']);
    assert.deepEqual(ends('anyOf'), ['rejected', 'AggregateError: All promises were rejected']);
    assert.deepEqual(ends('coded'), ['rejected', 'Error: quota exceeded']);
  });

  it('flags a 100 ms busy loop as a long block held by its task', () => {
    const { model } = traceFixture('busy-loop.js');
    const blocker = only(model, 'blocker');
    const [block] = model.longBlocks();
    assert.ok(block, 'a long block was found');
    assert.equal(block.task, blocker.id);
    assert.ok(block.end - block.start >= 95_000, `block lasted ${block.end - block.start} µs`);
  });

  it('a loop left idle is idle on the timeline, though the callback that ends the wait first names its socket', async () => {
    // No flush in the wait, which would write the idle run itself: the first callback after it must.
    const model = await traceFixtureWith('late-first-read.js', { flushMs: 60_000 });
    const socket = only(model, /^TCP socket 127\.0\.0\.1:\d+$/);
    assert.ok(socket.runs.length > 0, 'the server\'s socket ran when the data came');
    const server = only(model, /^TCP server /);
    // The server's last run before the read (its accept) ended when it did, not when the read came.
    const endsBefore = server.runs.filter((_, i) => i % 2 === 1 && server.runs[i - 1] < socket.runs[0]);
    const lastRun = endsBefore[endsBefore.length - 1];
    assert.ok(lastRun <= socket.runs[0] - 250_000, `the server's accept ran until ${lastRun / 1000} ms, its socket's read at ${socket.runs[0] / 1000} ms`);
    // (Spawning the client may itself hold the loop past 50 ms on a loaded machine: not that.)
    assert.deepEqual(model.longBlocks().filter((b) => b.end - b.start > 250_000), [], 'the loop sat idle for the 300 ms the client waited');
  });

  it('a loop left idle stays idle on the timeline when a flush in the wait notices a cleared timer', async () => {
    // The flush lands about 250 ms into the wait and ends the cleared timer then.
    const model = await traceFixtureWith('cleared-then-idle.js', { flushMs: 250 });
    assert.equal(only(model, 'setTimeout 10000 ms').end?.state, 'cancelled');
    const script = model.tasks.get(1)!;
    const ranUntilMs = script.runs[script.runs.length - 1] / 1000;
    assert.ok(ranUntilMs < 100, `the script's own run lasted until ${ranUntilMs} ms`);
    assert.deepEqual(model.longBlocks(), [], 'the loop sat idle for the 600 ms timer');
  });

  it('ends an interval cleared in its own tick, and sockets closed, as their last callbacks return', async () => {
    // No flush until the end, which would otherwise end them when it looked (up to 300 ms later).
    const model = await traceFixtureWith('handle-ends.js', { flushMs: 60_000 });
    const interval = only(model, 'setInterval 20 ms');
    assert.equal(interval.end?.state, 'resolved');
    assert.equal(interval.end?.message, 'cleared');
    assert.equal(interval.runs.length, 6, 'three ticks');
    assert.ok(Math.abs(interval.end!.t - interval.runs[5]) < 500, `ended at ${interval.end!.t / 1000} ms, its third tick returned at ${interval.runs[5] / 1000} ms`);
    const sockets = [...model.tasks.values()].filter((t) => t.name.startsWith('TCP socket'));
    assert.equal(sockets.length, 2, 'the client\'s socket and the one the server accepted');
    for (const socket of sockets) {
      const lastRunEnd = socket.runs[socket.runs.length - 1];
      assert.equal(socket.end?.message, 'closed');
      // Its 'close' listeners run in its close callback: part of its life, not after its end.
      assert.ok(socket.end!.t >= lastRunEnd && socket.end!.t - lastRunEnd < 2000, `${socket.name} ended at ${socket.end!.t / 1000} ms, last ran until ${lastRunEnd / 1000} ms`);
    }
    // A socket's destroy opens process.stderr (Node's own stdio, as console.log's first use does): no task.
    assert.deepEqual([...model.tasks.values()].filter((t) => /pipe|tty/i.test(t.name)).map((t) => t.name), []);
  });

  it('a timer its maker clears (a timeout raced against the work) ends as it is cleared', async () => {
    // No flush until the end: the end comes from the clear, not from the flusher looking.
    const model = await traceFixtureWith('timeout-race.js', { flushMs: 60_000 });
    const timeout = only(model, 'setTimeout 1000 ms');
    assert.equal(timeout.end?.state, 'cancelled');
    assert.equal(timeout.end?.message, 'cleared before it fired');
    const next = only(model, 'setTimeout 50 ms');
    assert.ok(timeout.end!.t <= next.created, `ended at ${timeout.end!.t / 1000} ms, after main went on at ${next.created / 1000} ms`);
  });

  it('a timer another task clears (a watchdog) ends as the run that cleared it returns', async () => {
    // No flush until the end: the end comes from the clear, not from the flusher looking.
    const model = await traceFixtureWith('cleared-by-another.js', { flushMs: 60_000 });
    const watchdog = only(model, 'setTimeout 5000 ms');
    assert.equal(watchdog.parent, only(model, 'arm').id);
    assert.equal(watchdog.end?.message, 'cleared before it fired');
    const work = only(model, 'work');
    const next = only(model, 'setTimeout 100 ms');
    // The run of work's in which it cleared the watchdog (and set the next timer).
    const run = work.runs.findIndex((t, i) => i % 2 === 0 && t <= next.created && next.created <= work.runs[i + 1]);
    assert.ok(run >= 0);
    assert.ok(watchdog.end!.t >= work.runs[run] && watchdog.end!.t <= work.runs[run + 1], `ended at ${watchdog.end!.t / 1000} ms, work cleared it in its run ${work.runs[run] / 1000}–${work.runs[run + 1] / 1000} ms`);
  });

  it('node:test run in-process: each test is a task named after it, its function under it, under its suite, ending as it ends, failed ones rejected', async () => {
    // No flush until the end: each test ends as node:test finishes it, not when the flusher looks.
    const model = await traceFixtureWith('node-test.js', { flushMs: 60_000, exitCode: 1 });
    const suite = only(model, 'suite math');
    assert.equal(only(model, 'test sums').parent, suite.id);
    const bodyOf = (test: Task): Task => {
      const bodies = [...model.tasks.values()].filter((t) => t.parent === test.id && t.kind === 'async');
      assert.deepEqual(bodies.map((t) => t.name), [test.name.replace(/^test /, '')], `${test.name} runs one test function, named after it`);
      return bodies[0];
    };
    for (const name of ['test adds', 'test sums', 'test inner', 'test waits', 'test fails']) {
      const test = only(model, name);
      assert.ok(test.end!.t >= bodyOf(test).end!.t, `${name} ended at ${test.end!.t / 1000} ms, its function at ${bodyOf(test).end!.t / 1000} ms`);
    }
    // Each ends as node:test finishes it, before it runs the next test's function (not at the next
    // flush, or at the exit); a subtest before the test around it.
    const inOrder = ['test adds', 'test sums', 'test inner', 'test fails'].map((name) => only(model, name));
    inOrder.slice(0, -1).forEach((test, i) => assert.ok(test.end!.t <= bodyOf(inOrder[i + 1]).created, `${test.name} ended at ${test.end!.t / 1000} ms, ${inOrder[i + 1].name} began at ${bodyOf(inOrder[i + 1]).created / 1000} ms`));
    assert.ok(only(model, 'test inner').end!.t <= only(model, 'test waits').end!.t);
    assert.equal(only(model, 'test inner').parent, bodyOf(only(model, 'test waits')).id, 't.test() inside a test');
    assert.deepEqual([only(model, 'test adds').end?.state, only(model, 'test fails').end?.state, only(model, 'test fails').end?.message], ['resolved', 'rejected', 'nope']);
    // A hook is named by its kind, and ends as its suite does (node:test never ends it itself).
    const hook = only(model, 'hook beforeEach');
    assert.deepEqual([hook.parent, hook.end?.state, hook.end?.t], [suite.id, 'resolved', suite.end?.t]);
    assert.deepEqual([...model.tasks.values()].filter((t) => t.parent === hook.id && t.kind === 'async').map((t) => t.name), ['beforeEach'], 'its function, named after it');
    // node:test's own resources (its reporters, the calls' promises) are no tasks of the script, and none is left pending.
    const shown = [...model.tasks.values()].filter((t) => !t.internal);
    assert.deepEqual(shown.filter((t) => !t.end).map((t) => t.name), []);
    assert.deepEqual(shown.filter((t) => /^Test|test_runner/.test(t.name)).map((t) => t.name), []);
  });

  it('honours the long-block threshold option', () => {
    const { model } = traceFixture('busy-loop.js', { cliArgs: ['--long-block-ms', '500'] });
    assert.deepEqual(model.longBlocks(), []);
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
