import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, FIXTURES, only, ROOT, runUntraced, tempTrace, traceFixture } from './helpers';
import { launchTraced } from '../../src/session/launch';
import { parseTrace } from '../../src/trace/load';
import { TraceModel } from '../../src/trace/model';

describe('scripts that start other programs or print a lot', () => {
  it('child processes run untraced and unharmed, a worker thread answers as it does untraced; a nested tasklane run works', () => {
    const nestedTrace = tempTrace();
    const { model, stdout, code } = traceFixture('children.js', { args: [CLI, nestedTrace] });
    assert.equal(code, 0);
    assert.match(stdout, /child NODE_OPTIONS: none\n/, 'the runner took itself out of the environment children inherit');
    assert.match(stdout, /worker answered: 42\n/);
    assert.match(stdout, /nested run printed: hello world/);
    assert.equal(only(model, 'main').end?.state, 'resolved');
    assert.deepEqual([model.exit?.reason, model.exit?.code], ['exit', 0]);
    const nested = parseTrace(fs.readFileSync(nestedTrace, 'utf8'));
    fs.rmSync(nestedTrace, { force: true });
    assert.equal(nested.info?.runtime, 'node');
    assert.equal(nested.tasks.size > 0 && [...nested.tasks.values()].filter((t) => t.name === 'sayAfter').length, 2, 'the nested run has its own complete trace');
  });

  it('8 MB of output arrives whole and unchanged', () => {
    const { stdout, code } = traceFixture('megabytes.js');
    assert.equal(code, 0);
    assert.equal(stdout.length, 8 * 1024 * 1024);
    assert.equal(stdout, runUntraced('megabytes.js').stdout);
  });

  it('a run in VS Code ends after the last of its output, though a child it left printed that after it exited', async () => {
    // The run's end line follows the output in the script's terminal only if the run is done once
    // the output has all been read (as launchTraced tells the extension).
    const run = launchTraced({
      script: path.join(FIXTURES, 'late-output.js'), args: [], cwd: ROOT, runnerDir: path.join(ROOT, 'dist/runner'),
      stdio: 'pipe', processGroup: false, runtime: 'node', sink: new TraceModel(),
    });
    let stdout = '';
    run.child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const outcome = await run.done;
    assert.equal(outcome.code, 0);
    assert.equal(stdout, 'from the script\nfrom its child, after it exited\n');
  });
});
