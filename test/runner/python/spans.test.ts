import * as assert from 'node:assert/strict';
import { lifetimeMs, only, tasksNamed } from '../helpers';
import { forEachPython, py } from './pythons';

forEachPython('coroutines awaited directly, as spans', ({ atLeast, trace }) => {
  it('a coroutine awaited directly spans its task\'s lane; from 3.12 exactly the time it ran (sys.monitoring)', () => {
    const { model } = trace(py('span_times.py'));
    const main = only(model, 'main');
    const crunch = only(model, 'crunch');
    assert.deepEqual([crunch.kind, crunch.parent, crunch.end?.state], ['coroutine', main.id, 'resolved']);
    assert.equal(model.longBlocks().length, 2, 'the 100 ms in crunch and the 100 ms in main after it');
    const startMs = (crunch.created - main.created) / 1000;
    const endMs = (crunch.end!.t - main.created) / 1000;
    if (atLeast(12)) {
      // crunch computes 100 ms and sleeps 10 ms as soon as main awaits it; main's own 100 ms follow.
      assert.ok(startMs < 30, `crunch started ${startMs} ms after main, not when main first awaited it`);
      assert.ok(endMs >= 105 && endMs < 180, `crunch ended ${endMs} ms after main started, before main's own 100 ms`);
    } else {
      // Below 3.12 a span starts and ends with the task steps it is seen in.
      assert.ok(startMs >= 95 && endMs >= 205, `crunch spans ${startMs}–${endMs} ms of main`);
    }
  });

  it('an async generator\'s span starts when it did from 3.12 (before its first await), and no span starts after one it awaits', () => {
    const { model } = trace(py('span_async_gen_times.py'));
    const main = only(model, 'main');
    const ticks = only(model, 'ticks');
    const startMs = (ticks.created - main.created) / 1000;
    if (atLeast(12)) assert.ok(startMs < 30, `ticks started ${startMs} ms after main, not as it first awaited, 50 ms in`);
    else assert.ok(startMs >= 45, `below 3.12 a span starts with the step it is seen in: ${startMs} ms`);
    // chunks yielded its first item without awaiting: only its own await of close, a step later, shows it.
    const chunks = only(model, 'chunks');
    const close = only(model, 'close');
    assert.deepEqual([close.parent, chunks.parent], [chunks.id, main.id]);
    assert.ok(chunks.created <= close.created, `chunks is seen starting ${close.created - chunks.created} µs after close, which it awaits`);
  });

  it('an @asynccontextmanager\'s two spans cover its body\'s own time from 3.12: ending as it yields to the async with, starting as it is resumed to leave', () => {
    const { model } = trace(py('span_context_times.py'));
    const main = only(model, 'main');
    const [enter, leave] = tasksNamed(model, 'session').sort((a, b) => a.created - b.created);
    assert.deepEqual([enter.parent, leave.parent], [main.id, main.id]);
    const ms = (us: number): number => (us - main.created) / 1000;
    if (!atLeast(12)) return; // below 3.12 spans start and end with the steps they are seen in
    // In: 30 ms computing and 10 ms asleep, then the async with body's 30 ms (main's), its 10 ms sleep, then out.
    assert.ok(ms(enter.end!.t) < 55, `the way in ends ${ms(enter.end!.t)} ms in, not after the body's 30 ms`);
    assert.ok(ms(leave.created) < 95, `the way out starts ${ms(leave.created)} ms in, not after its own 30 ms`);
    assert.ok(lifetimeMs(model, leave) >= 38, `the way out lasts ${lifetimeMs(model, leave)} ms: its 30 ms and its sleep`);
  });

  it('a coroutine awaited directly thousands of times without suspending is still a span the one time it waits', () => {
    const { model, stdout } = trace(py('span_after_many_calls.py'));
    assert.equal(stdout, '1999000\n');
    const main = only(model, 'main');
    const span = only(model, 'maybe_wait');
    assert.deepEqual([span.kind, span.parent, span.end?.state], ['coroutine', main.id, 'resolved']);
    assert.ok(lifetimeMs(model, span) >= 15, `it spans its 20 ms sleep: ${lifetimeMs(model, span)} ms`);
  });

  it('a coroutine awaited directly that raises ends rejected where it raised, though its caller caught it (and with what it raised, 3.12+)', () => {
    const { model } = trace(py('span_raises.py'));
    const main = only(model, 'main');
    const failing = only(model, 'failing');
    // Below 3.12 the span is seen gone as the step ends, the exception with it: its frame still tells where.
    const message = atLeast(12) ? 'ValueError: bad input' : '';
    assert.deepEqual([failing.kind, failing.parent, failing.end?.state, failing.end?.message], ['coroutine', main.id, 'rejected', message]);
    assert.match(failing.end!.site, /span_raises\.py:7:1$/);
    const fine = only(model, 'fine');
    assert.equal(fine.end?.state, 'resolved');
    assert.ok(failing.end!.t <= fine.created, 'it ended as it raised, before main went on');
    assert.equal(main.end?.state, 'resolved');
  });

  (atLeast(11) ? it : it.skip)('a coroutine awaited directly that catches its timeout and returns ends resolved, not cancelled (3.11+: asyncio.timeout)', () => {
    const { model, stdout } = trace(py('span_timeout.py'));
    assert.equal(stdout, 'default\n');
    const main = only(model, 'main');
    const fetch = only(model, 'fetch_or_default');
    assert.deepEqual([fetch.kind, fetch.parent, fetch.end?.state, fetch.end?.message], ['coroutine', main.id, 'resolved', '']);
    assert.deepEqual(main.waits.map((w) => model.waitLabel(w)), ['sleep 1 s, timeout 0.01 s', 'sleep 0.01 s']);
    assert.equal(main.end?.state, 'resolved');
  });

  it('the standard library\'s wrappers are no spans and no sites: an @asynccontextmanager is the user\'s code, a json error is where the user called it', () => {
    const { model } = trace(py('context_managers.py'));
    const main = only(model, 'main');
    assert.deepEqual([...model.tasks.values()].filter((t) => /__aenter__|__aexit__|ContextManager/.test(t.name)).map((t) => t.name), [], 'contextlib\'s own coroutines');
    const entered = tasksNamed(model, 'connection').sort((a, b) => a.created - b.created);
    assert.equal(entered.length, 2, 'the generator entered, then closed');
    assert.deepEqual(entered.map((c) => [c.kind, c.parent]), [['coroutine', main.id], ['coroutine', main.id]]);
    assert.match(entered[0].site, /context_managers\.py:23:1$/, 'where the user\'s async with is, not inside contextlib');
    assert.deepEqual(main.waits.slice(0, 3).map((w) => model.waitLabel(w)), ['sleep 0.01 s', 'sleep 0.01 s', 'sleep 0.01 s']);
    const parse = only(model, 'parse');
    assert.equal(parse.end?.state, 'rejected');
    assert.match(parse.end!.message, /^JSONDecodeError: /);
    assert.match(parse.end!.site, /context_managers\.py:19:1$/, 'the line that called json.loads, not json/decoder.py');
  });

  it('a coroutine that ran as a task and is then awaited directly is a span each time; from 3.12 the later ones exactly timed', () => {
    const { model } = trace(py('span_after_task.py'));
    const main = only(model, 'main');
    const crunches = tasksNamed(model, 'crunch').sort((a, b) => a.created - b.created);
    assert.deepEqual(crunches.map((c) => [c.kind, c.parent === main.id, c.end?.state]), [
      ['async', true, 'resolved'],
      ['coroutine', true, 'resolved'],
      ['coroutine', true, 'resolved'],
    ]);
    if (atLeast(12)) {
      // The third starts as soon as the second has returned, and computes its 50 ms inside its span.
      const [, second, third] = crunches;
      const gapMs = (third.created - second.end!.t) / 1000;
      const spanMs = (third.end!.t - third.created) / 1000;
      assert.ok(gapMs < 20, `the third crunch started ${gapMs} ms after the second returned`);
      assert.ok(spanMs >= 55, `the third crunch spans ${spanMs} ms, not its 50 ms of work and its sleep`);
    }
  });
});
