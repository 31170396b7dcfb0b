import * as assert from 'node:assert/strict';
import type { TimelineTask, TimelineUpdate } from '../../src/shared/protocol';
import { packTimelineTasks, unpackTasks } from '../../src/shared/taskPacking';
import { closeBrowser, openWebview, type WebviewHarness } from './harness';

after(closeBrowser);

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

function task(id: number, parent: number, name: string, runs: number[], waits: number[] = [], labels: string[] = [], wakers: number[] = labels.map(() => 0)): TimelineTask {
  return { id, parent, kind: id === 1 ? 'script' : 'async', name, site: `/w/main.js:${id}:1`, internal: false, created: runs[0] ?? 0, runs, waits, waitLabels: labels, waitSites: labels.map(() => '/w/main.js:3:3'), waitWakers: wakers, end: { t: 1_000_000, state: 'resolved', message: '', site: '' } };
}

const UPDATE: TimelineUpdate = {
  reset: true, live: false, endTime: 1_000_000, longBlockUs: 50_000, loopFrom: 0,
  loop: Float64Array.of(0, 100_000, 2, 500_000, 520_000, 3),
  tasks: packTimelineTasks([
    task(1, 0, 'main.js', [0, 1_000_000]),
    task(2, 1, 'sayAfter', [0, 100_000], [100_000, 1_000_000], ['setTimeout 900 ms']),
    task(3, 1, HOSTILE, [500_000, 520_000]),
  ]),
};

/** RGB of one canvas pixel at CSS coordinates. */
async function pixel(view: WebviewHarness, x: number, y: number): Promise<number[]> {
  return view.page.evaluate(([px, py]) => {
    const canvas = document.querySelector('canvas')!;
    const scale = canvas.width / canvas.clientWidth;
    return [...canvas.getContext('2d')!.getImageData(Math.round(px * scale), Math.round(py * scale), 1, 1).data.slice(0, 3)];
  }, [x, y]);
}

/** Waits until messages already posted are handled and the next frame is drawn. */
async function frame(view: WebviewHarness): Promise<void> {
  await view.page.evaluate(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), 0)));
}

const RUN_BLUE = [0x37, 0x94, 0xff];

/** From now on, records each text the canvas is asked to write, on its way (read with drawnText). */
async function recordDrawnText(view: WebviewHarness): Promise<void> {
  await view.page.evaluate(() => {
    const drawn: string[] = [];
    (window as unknown as { drawn: string[] }).drawn = drawn;
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text: string, ...rest: [number, number]) {
      drawn.push(text);
      return fillText.call(this, text, ...rest);
    };
  });
}

/** The texts the canvas wrote since recordDrawnText. */
async function drawnText(view: WebviewHarness): Promise<string[]> {
  return view.page.evaluate(() => (window as unknown as { drawn: string[] }).drawn);
}

describe('webview in headless Chromium: the canvas timeline', () => {
  let view: WebviewHarness;
  beforeEach(async () => {
    view = await openWebview();
    await view.page.setViewportSize({ width: 1000, height: 700 });
    await view.post({ type: 'timeline', update: UPDATE });
    await frame(view);
  });
  afterEach(() => view.close());

  async function canvasBox(): Promise<{ x: number; y: number }> {
    const box = (await view.page.locator('canvas').boundingBox())!;
    return { x: box.x, y: box.y };
  }

  it('draws each task’s running segments on its own lane, in the theme’s run colour', async () => {
    // Lane 0 (main.js) runs for the whole trace; lane 1 (sayAfter) only in its first tenth.
    assert.deepEqual(await pixel(view, 600, 42 + 10), RUN_BLUE);
    assert.deepEqual(await pixel(view, 240, 62 + 10), RUN_BLUE);
    assert.notDeepEqual(await pixel(view, 900, 62 + 10), RUN_BLUE, 'sayAfter is waiting there, not running');
  });

  it('draws a line through a lane from the task\'s creation to its end, where it neither runs nor waits', async () => {
    // Lane 2 (the hostile name) runs from 500 ms to 520 ms and lives on to 1000 ms.
    const middle = 82 + 10;
    const background = await pixel(view, 900, middle - 5);
    assert.notDeepEqual(await pixel(view, 900, middle), background, 'alive, idle: the line');
    assert.deepEqual(await pixel(view, 300, middle), background, 'not created yet: nothing');
  });

  it('past the event cap the loop lane is hatched to the end, and a dashed line through the lanes marks where recording stopped', async () => {
    // 1000 px wide, names column 200 px, the view fitted with 2% on either side: 600 ms is at x 677.
    // The loop is idle after 520 ms.
    const loopRow = async (x0: number, x1: number): Promise<number> => view.page.evaluate(([a, b]) => {
      const canvas = document.querySelector('canvas')!;
      const scale = canvas.width / canvas.clientWidth;
      const data = canvas.getContext('2d')!.getImageData(Math.round(a * scale), Math.round(32 * scale), Math.round((b - a) * scale), 1).data;
      const [r, g, bl] = canvas.getContext('2d')!.getImageData(Math.round(a * scale), Math.round(12 * scale), 1, 1).data; // the axis' background
      let differing = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== r || data[i + 1] !== g || data[i + 2] !== bl) differing++;
      return differing;
    }, [x0, x1]);
    // What is drawn there before (grid lines cross the lane) and after.
    const [late, early] = [await loopRow(700, 990), await loopRow(300, 590)];
    await view.post({ type: 'timeline', update: { ...UPDATE, recordedUntil: 600_000 } });
    await frame(view);
    assert.ok(await loopRow(700, 990) > late + 20, 'hatched from 600 ms on');
    assert.equal(await loopRow(300, 590), early, 'nothing more where the loop was idle and recorded');
    const column = await view.page.evaluate(() => {
      const canvas = document.querySelector('canvas')!;
      const scale = canvas.width / canvas.clientWidth;
      const at = (x: number): number[] => [...canvas.getContext('2d')!.getImageData(Math.round(x * scale), Math.round(90 * scale), 1, Math.round(40 * scale)).data];
      return { line: at(677), beside: at(687) };
    });
    assert.notDeepEqual(column.line, column.beside, 'the dashed line at 600 ms crosses the lanes');
  });

  it('each signal the program received is a line through the lanes where it came, named on the axis, and a mark in the overview', async () => {
    // 600 ms is at x 677 (see above); below the three lanes, the canvas is bare.
    const magenta = [0xbc, 0x3f, 0xbc];
    assert.notDeepEqual(await pixel(view, 677, 300), magenta);
    const named = (): Promise<boolean> => view.page.evaluate(() => {
      const canvas = document.querySelector('canvas')!;
      const scale = canvas.width / canvas.clientWidth;
      const data = canvas.getContext('2d')!.getImageData(Math.round(680 * scale), 0, Math.round(50 * scale), Math.round(16 * scale)).data;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 120 && data[i + 1] < 90 && data[i + 2] > 120) return true;
      return false;
    });
    assert.equal(await named(), false);
    const overviewColumn = (x: number): Promise<number[]> => view.page.evaluate((px) => {
      const canvas = document.querySelector('canvas')!;
      const scale = canvas.width / canvas.clientWidth;
      return [...canvas.getContext('2d')!.getImageData(Math.round(px * scale), Math.round((canvas.clientHeight - 12) * scale), 1, 1).data.slice(0, 3)];
    }, x);
    const hostile = '<b id=pwned>SIG';
    await view.post({ type: 'timeline', update: { ...UPDATE, signals: [{ t: 600_000, signal: 'SIGINT' }, { t: 600_100, signal: hostile }] } });
    await frame(view);
    assert.deepEqual(await pixel(view, 677, 300), magenta, 'the line, in the theme\'s terminal magenta');
    assert.notDeepEqual(await pixel(view, 687, 300), magenta);
    assert.ok(await named(), 'SIGINT is written on the axis beside it');
    assert.notDeepEqual(await overviewColumn(677), await overviewColumn(687), 'marked in the overview');
    assert.equal(await view.page.locator('#pwned').count(), 0, 'a signal\'s name is drawn as text, never markup');
  });

  it('each worker thread has a loop lane of its own below the main thread\'s, with its long blocks, and the task lanes move down for it', async () => {
    // 600 ms to 700 ms is at x 677 to 754; 200 ms to 230 ms at 373 to 396 (see above).
    const threadLoops = [{ thread: 2, loop: Float64Array.of(200_000, 230_000, 3, 600_000, 700_000, 3), loopFrom: 0 }];
    await view.post({ type: 'timeline', update: { ...UPDATE, threadLoops } });
    await frame(view);
    const workerLane = 22 + 2 + 20 + 8;
    assert.deepEqual(await pixel(view, 715, workerLane), [0xf1, 0x4c, 0x4c], 'its 100 ms block, in the theme\'s long-block red');
    assert.deepEqual(await pixel(view, 385, workerLane), [0x89, 0xd1, 0x85], 'a short run, in the loop\'s busy green');
    assert.notDeepEqual(await pixel(view, 715, 32), [0xf1, 0x4c, 0x4c], 'the main thread\'s loop is idle then');
    assert.deepEqual(await pixel(view, 900, 62 + 10), RUN_BLUE, 'main.js, running to the end, is 20 px lower, where sayAfter was');
    assert.deepEqual(await pixel(view, 240, 82 + 10), RUN_BLUE, 'and so is sayAfter');
    assert.notDeepEqual(await pixel(view, 900, 82 + 10), RUN_BLUE, 'which waits there');
  });

  it('the overview strip shows the worker threads\' loops in a band under the main thread\'s, with their long blocks', async () => {
    /** The rows of the overview strip (from its top) holding long-block red between x0 and x1 (under the in-view mark's tint). */
    const redRows = (x0: number, x1: number): Promise<number[]> => view.page.evaluate(([a, b, stripH]) => {
      const canvas = document.querySelector('canvas')!;
      const scale = canvas.width / canvas.clientWidth;
      const rows: number[] = [];
      for (let y = canvas.clientHeight - stripH; y < canvas.clientHeight; y++) {
        const data = canvas.getContext('2d')!.getImageData(Math.round(a * scale), Math.round(y * scale), Math.round((b - a) * scale), 1).data;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] - data[i + 1] > 60 && data[i] - data[i + 2] > 40) {
            rows.push(y - (canvas.clientHeight - stripH));
            break;
          }
        }
      }
      return rows;
    }, [x0, x1, 22]);
    // The main thread's loop is held 0 to 100 ms (x 215 to 292), a long block; 600 to 700 ms is at x 677 to 754.
    const mainBlock = await redRows(220, 280);
    assert.ok(mainBlock.length >= 10, `the main thread's block fills the strip's band (rows ${mainBlock.join(', ')})`);
    assert.deepEqual(await redRows(600, 800), []);
    const threadLoops = [{ thread: 2, loop: Float64Array.of(600_000, 700_000, 3), loopFrom: 0 }];
    await view.post({ type: 'timeline', update: { ...UPDATE, threadLoops } });
    await frame(view);
    const [main, worker] = [await redRows(220, 280), await redRows(690, 740)];
    assert.ok(worker.length >= 4, `the worker's 100 ms block is in the strip (rows ${worker.join(', ')})`);
    assert.ok(Math.min(...worker) > Math.max(...main), `in a band below the main thread's (rows ${main.join(', ')}, then ${worker.join(', ')})`);
  });

  it('a damaged timeline update is refused whole: the lanes stay as drawn, and the host still hears it was handled', async () => {
    const acks = view.sent.filter((m) => m.type === 'applied').length;
    const damaged = packTimelineTasks([task(4, 1, 'late', [0, 1_000_000])]);
    damaged.numbers[12] = 1e9; // a run count far past the end of the numbers
    const errors: string[] = [];
    view.page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await view.post({ type: 'timeline', update: { ...UPDATE, reset: true, tasks: damaged } });
    await frame(view);
    assert.equal(view.sent.filter((m) => m.type === 'applied').length, acks + 1, 'acknowledged, so updates keep flowing');
    assert.match(errors.join('\n'), /refused a damaged timeline update: Error: packed tasks: truncated segments/);
    assert.deepEqual(await pixel(view, 240, 62 + 10), RUN_BLUE, 'sayAfter is still drawn');
    assert.notDeepEqual(await pixel(view, 900, 62 + 10), RUN_BLUE, 'and no "late" lane took its place');
  });

  it('zooming with the wheel narrows the visible time and stops following the end', async () => {
    const before = (await view.viewState()) ?? {};
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 600, y + 100);
    await view.page.mouse.wheel(0, -400);
    await frame(view);
    const after = (await view.viewState())!;
    assert.ok((after.span as number) < ((before.span as number) ?? Infinity) / 1.5, `span ${before.span} → ${after.span}`);
    assert.equal(after.follow, false);
  });

  it('the overview along the bottom shows the whole run, marks the part in view, and a click there moves the view', async () => {
    const { x, y } = await canvasBox();
    const canvasSize = (await view.page.locator('canvas').boundingBox())!;
    const stripY = canvasSize.height - 11;
    const whole = await pixel(view, 900, stripY);
    await view.page.mouse.move(x + 300, y + 100);
    await view.page.mouse.wheel(0, -600);
    await frame(view);
    const zoomed = (await view.viewState())!;
    assert.ok((zoomed.span as number) < 400_000, `zoomed in to ${zoomed.span} µs`);
    assert.notDeepEqual(await pixel(view, 900, stripY), whole, 'the part in view is no longer the whole run: its mark moved off the end');
    // The overview spans the same pixels as the timeline, 200 px in, over the run with a 2 % margin.
    const at = 0.8;
    await view.page.mouse.click(x + 200 + ((at + 0.02) / 1.04) * (canvasSize.width - 200), y + stripY);
    await frame(view);
    const moved = (await view.viewState())!;
    assert.equal(moved.span, zoomed.span, 'the zoom stays');
    const centre = (moved.start as number) + (moved.span as number) / 2;
    assert.ok(Math.abs(centre - at * 1_000_000) < 20_000, `centred on ${centre} µs`);
  });

  it('dragging pans the view', async () => {
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 600, y + 100);
    await view.page.mouse.wheel(0, -400);
    const zoomed = (await view.viewState())!;
    await view.page.mouse.down();
    await view.page.mouse.move(x + 400, y + 100, { steps: 4 });
    await view.page.mouse.up();
    const panned = (await view.viewState())!;
    assert.ok((panned.start as number) > (zoomed.start as number), 'dragging left shows later times');
  });

  it('dragging the edge of the names column widens it, double-clicking the edge fits it to the names, and a panel shown again keeps it', async () => {
    const { x, y } = await canvasBox();
    const sayAfter = 62 + 10; // sayAfter's lane runs from 0 to 100 ms
    assert.deepEqual(await pixel(view, 240, sayAfter), RUN_BLUE);
    await view.page.mouse.move(x + 201, y + 100);
    assert.equal(await view.page.$eval('canvas', (c) => (c as HTMLElement).style.cursor), 'col-resize', 'the edge shows it can be dragged');
    await view.page.mouse.down();
    await view.page.mouse.move(x + 400, y + 100, { steps: 4 });
    await view.page.mouse.up();
    await frame(view);
    const widened = (await view.viewState())!;
    assert.equal(widened.labelWidth, 400);
    assert.notDeepEqual(await pixel(view, 240, sayAfter), RUN_BLUE, 'names there now');
    assert.deepEqual(await pixel(view, 440, sayAfter), RUN_BLUE, 'the run starts right of the wider column');
    assert.equal(widened.span, (await view.viewState())!.span, 'the same time in view');

    // The longest name on screen is the hostile one, wider than the 200 px the column starts at.
    await view.page.mouse.dblclick(x + 400, y + 100);
    await frame(view);
    const fitted = (await view.viewState())!.labelWidth as number;
    assert.ok(fitted > 200 && fitted < 400, `fitted to ${fitted} px`);

    const shownAgain = await openWebview({ state: await view.viewState() });
    try {
      await shownAgain.page.setViewportSize({ width: 1000, height: 700 });
      await shownAgain.post({ type: 'timeline', update: UPDATE });
      await frame(shownAgain);
      assert.equal((await shownAgain.viewState())!.labelWidth, fitted);
      assert.notDeepEqual(await pixel(shownAgain, fitted - 5, sayAfter), RUN_BLUE);
      assert.deepEqual(await pixel(shownAgain, fitted + 30, sayAfter), RUN_BLUE);
    } finally {
      await shownAgain.close();
    }
  });

  it('a name too long for the names column is cut in the middle, keeping the end where names that begin alike differ', async () => {
    await recordDrawnText(view);
    const names = [1, 2, 3].map((i) => `fetch GET 127.0.0.1:40241/users/${i}`);
    const fetches = names.map((name, i) => task(i + 2, 1, name, [i * 100_000, i * 100_000 + 50_000]));
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([task(1, 0, 'main.js', [0, 1_000_000]), ...fetches]) } });
    await frame(view);
    const drawn = await drawnText(view);
    const labels = drawn.filter((text) => text.startsWith('fetch'));
    assert.equal(labels.length, 3, drawn.join(' | '));
    labels.forEach((label, i) => {
      assert.ok(label.length < names[i].length && label.includes('…'), label);
      assert.ok(label.endsWith(`/users/${i + 1}`), label);
      assert.ok(label.startsWith('fetch GET'), label);
    });
    assert.ok(drawn.includes('main.js'), 'a name that fits is drawn whole');
  });

  it('hovering shows a task and what it waits for; clicking selects it into the details pane', async () => {
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#tooltip:not([hidden])');
    assert.match((await view.page.textContent('#tooltip'))!, /^sayAfter\nwaiting for setTimeout 900 ms/);
    await view.page.mouse.click(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#details dl');
    assert.match((await view.page.textContent('#details'))!, /#2 sayAfter/);
    assert.equal((await view.viewState())!.selected, 2);
  });

  it('a wait says what woke it, in the tooltip and the details pane', async () => {
    const consumer = task(2, 1, 'consumer', [0, 100_000], [100_000, 900_000], ['Queue.get'], [3]);
    const producer = task(3, 1, 'producer \u202Eevil', [880_000, 900_000]);
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([task(1, 0, 'main.js', [0, 1_000_000]), consumer, producer]) } });
    await frame(view);
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#tooltip:not([hidden])');
    assert.match((await view.page.textContent('#tooltip'))!, /^consumer\nwaiting for Queue\.get \([^)]+\)\nwoken by #3 producer \uFFFDevil$/);
    await view.page.mouse.click(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#details dl');
    assert.match((await view.page.textContent('#details'))!, /Last waitQueue\.get main\.js:3, woken by #3 producer \uFFFDevil/);
  });

  it('selecting a task draws a line from the task that woke each of its waits to where the wait ended', async () => {
    const consumer = task(2, 1, 'consumer', [0, 100_000], [100_000, 900_000], ['Queue.get'], [3]);
    const producer = task(3, 1, 'producer', [880_000, 900_000]);
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([task(1, 0, 'main.js', [0, 1_000_000]), consumer, producer]) } });
    await frame(view);
    // Bluish pixels along the top of the producer's lane (82–102), above its run: the link crosses there.
    const bluish = (): Promise<number> => view.page.evaluate(() => {
      const canvas = document.querySelector('canvas')!;
      const scale = canvas.width / canvas.clientWidth;
      const row = canvas.getContext('2d')!.getImageData(Math.round(600 * scale), Math.round(84 * scale), Math.round(390 * scale), 1).data;
      let count = 0;
      for (let i = 0; i < row.length; i += 4) if (row[i + 2] - row[i] > 60) count++;
      return count;
    });
    assert.equal(await bluish(), 0, 'no link while nothing is selected');
    const { x, y } = await canvasBox();
    await view.page.mouse.click(x + 300, y + 62 + 10);
    await view.page.waitForSelector('#details dl');
    await frame(view);
    assert.ok((await bluish()) > 0, 'the link from the producer once the consumer is selected');
  });

  it('a wait inside a coroutine span names the coroutine, on the lane and in the tooltip', async () => {
    const span: TimelineTask = { ...task(4, 2, 'say_after', []), kind: 'coroutine', created: 100_000, end: { t: 1_000_000, state: 'resolved', message: '', site: '' } };
    await recordDrawnText(view);
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([...unpackTasks(UPDATE.tasks), span]) } });
    await frame(view);
    const drawn = await drawnText(view);
    assert.ok(drawn.includes('say_after › setTimeout 900 ms'), drawn.join(' | '));
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#tooltip:not([hidden])');
    assert.match((await view.page.textContent('#tooltip'))!, /^sayAfter\nwaiting for setTimeout 900 ms in say_after \(/);
    // A wait worded by the coroutine it is in (a package's, awaiting a bare future) names it once.
    const reading: TimelineTask = { ...span, name: 'DataQueue.read' };
    const waiting = task(2, 1, 'sayAfter', [0, 100_000], [100_000, 1_000_000], ['DataQueue.read, timeout 0.3 s']);
    await view.page.evaluate(() => ((window as unknown as { drawn: string[] }).drawn.length = 0));
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([...unpackTasks(UPDATE.tasks).map((t) => (t.id === 2 ? waiting : t)), reading]) } });
    await frame(view);
    const redrawn = await drawnText(view);
    assert.ok(redrawn.includes('DataQueue.read, timeout 0.3 s'), redrawn.join(' | '));
    assert.ok(!redrawn.some((text) => text.includes('›')), redrawn.join(' | '));
    await view.page.mouse.move(x + 790, y + 62 + 10);
    await view.page.waitForFunction(() => /DataQueue/.test(document.querySelector('#tooltip')?.textContent ?? ''));
    assert.match((await view.page.textContent('#tooltip'))!, /^sayAfter\nwaiting for DataQueue\.read, timeout 0\.3 s \(/);
  });

  it('a coroutine span\'s bracket along its lane\'s top can be hovered and selected: its details are its task\'s while it was open', async () => {
    const sayAfter = task(2, 1, 'sayAfter', [0, 200_000], [200_000, 1_000_000], ['setTimeout 900 ms']);
    const span: TimelineTask = { ...task(4, 2, 'say_after', []), kind: 'coroutine', created: 100_000, end: { t: 950_000, state: 'resolved', message: '', site: '' } };
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([...unpackTasks(UPDATE.tasks).map((t) => (t.id === 2 ? sayAfter : t)), span]) } });
    await frame(view);
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 500, y + 62 + 2);
    await view.page.waitForFunction(() => /coroutine awaited in/.test(document.querySelector('#tooltip')?.textContent ?? ''));
    assert.equal(await view.page.textContent('#tooltip'), 'say_after\ncoroutine awaited in sayAfter');
    await view.page.mouse.click(x + 500, y + 62 + 2);
    await view.page.waitForFunction(() => /#4 say_after/.test(document.querySelector('#details')?.textContent ?? ''));
    const details = (await view.page.textContent('#details'))!;
    assert.match(details, /Kindcoroutine/);
    assert.match(details, /Running100\.0 ms/, 'the task\'s run from the span\'s start');
    assert.match(details, /Waits1Last waitsetTimeout 900 ms /);
    assert.equal((await view.viewState())!.selected, 4);
    // Lower on the lane, a click selects the task itself.
    await view.page.mouse.click(x + 500, y + 62 + 12);
    await view.page.waitForFunction(() => /#2 sayAfter/.test(document.querySelector('#details')?.textContent ?? ''));
  });

  it('double-clicking a wait asks the host to open the await line', async () => {
    const { x, y } = await canvasBox();
    await view.page.mouse.dblclick(x + 800, y + 62 + 10);
    assert.deepEqual(await view.waitForSent((m) => m.type === 'openSite'), { type: 'openSite', site: '/w/main.js:3:3' });
  });

  it('keys move the selection and zoom', async () => {
    await view.page.focus('canvas');
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('ArrowDown');
    assert.equal((await view.viewState())!.selected, 2);
    const span = (await view.viewState())!.span as number;
    await view.page.keyboard.press('+');
    assert.ok(((await view.viewState())!.span as number) < span);
  });

  it('a hostile task name stays text: in the tooltip and the details, nothing runs', async () => {
    const { x, y } = await canvasBox();
    await view.page.mouse.click(x + 210 + 0.51 * 790, y + 82 + 10);
    await view.page.waitForSelector('#details dl');
    assert.match((await view.page.textContent('#details'))!, /<img src=x onerror/);
    assert.equal(await view.page.$$eval('img', (imgs) => imgs.length), 0);
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('the filter hides lanes that do not match', async () => {
    await view.page.fill('#filter', 'sayAfter');
    await frame(view);
    // Lane 0 is now main.js (kept as the parent of a match), lane 1 sayAfter, and the hostile task is gone.
    assert.deepEqual(await pixel(view, 600, 42 + 10), RUN_BLUE);
    assert.notDeepEqual(await pixel(view, 210 + 0.51 * 790, 82 + 10), RUN_BLUE);
    assert.equal((await view.viewState())!.filter, 'sayAfter');
  });

  it('Enter in the filter box selects the next matching task, Shift+Enter the previous one', async () => {
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([task(1, 0, 'main.js', [0, 1_000_000]), task(2, 1, 'fetch user', [0, 10]), task(3, 1, 'parse', [20, 30]), task(4, 1, 'fetch posts', [40, 50])]) } });
    await view.page.fill('#filter', 'fetch');
    const selected = async (): Promise<string> => ((await view.page.textContent('#details dd')) ?? '').trim();
    await view.page.press('#filter', 'Enter');
    assert.equal(await selected(), '#2 fetch user');
    await view.page.press('#filter', 'Enter');
    assert.equal(await selected(), '#4 fetch posts');
    await view.page.press('#filter', 'Enter');
    assert.equal(await selected(), '#2 fetch user', 'wraps around');
    await view.page.press('#filter', 'Shift+Enter');
    assert.equal(await selected(), '#4 fetch posts');
  });

  for (const theme of [
    { kind: 'vscode-light', background: [0xff, 0xff, 0xff], run: [0x1a, 0x85, 0xff] },
    { kind: 'vscode-high-contrast', background: [0x00, 0x00, 0x00], run: [0x37, 0x94, 0xff] },
  ]) {
    it(`redraws in the new theme’s colours when VS Code switches to ${theme.kind}`, async () => {
      await view.page.evaluate(({ kind, background, run }) => {
        const hex = (rgb: number[]): string => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
        document.documentElement.style.setProperty('--vscode-editor-background', hex(background));
        document.documentElement.style.setProperty('--vscode-charts-blue', hex(run));
        document.body.className = kind; // what VS Code changes when the theme does
      }, theme);
      await frame(view);
      assert.deepEqual(await pixel(view, 600, 42 + 10), theme.run, 'main.js runs in the theme’s blue');
      assert.deepEqual(await pixel(view, 600, 42 + 1), theme.background, 'between lanes: the theme’s background');
    });
  }

  it('the page’s CSP blocks inline script even if markup from a trace ever reached the DOM', async () => {
    // Simulates the bug the CSP guards against: trace text inserted as HTML.
    await view.page.evaluate((name) => {
      document.body.insertAdjacentHTML('beforeend', name);
      const script = document.createElement('script');
      script.textContent = 'window.__pwnedByScript = 1';
      document.body.append(script);
    }, HOSTILE);
    await frame(view);
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'the inline onerror handler did not run');
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwnedByScript?: number }).__pwnedByScript), undefined, 'the inline script did not run');
  });

  it('control characters and bidi overrides in names and labels show as U+FFFD in the tooltip and details', async () => {
    const name = 'evil\u202Egnp.exe\u0007';
    await view.post({ type: 'timeline', update: { ...UPDATE, tasks: packTimelineTasks([task(1, 0, 'main.js', [0, 1_000_000]), task(2, 1, name, [0, 100_000], [100_000, 1_000_000], ['sleep \u2066x\u2069'])]) } });
    await frame(view);
    const { x, y } = await canvasBox();
    await view.page.mouse.move(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#tooltip:not([hidden])');
    const tooltip = (await view.page.textContent('#tooltip')) ?? '';
    await view.page.mouse.click(x + 800, y + 62 + 10);
    await view.page.waitForSelector('#details dl');
    const details = (await view.page.textContent('#details')) ?? '';
    assert.match(tooltip, /evil\uFFFDgnp\.exe\uFFFD\nwaiting for sleep \uFFFDx\uFFFD/);
    assert.match(details, /evil\uFFFDgnp\.exe\uFFFD/, JSON.stringify(details));
    for (const text of [tooltip, details]) assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u202a-\u202e\u2066-\u2069]/);
  });
});
