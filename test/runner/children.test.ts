import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CLI, only, runUntraced, tempTrace, traceFixture } from './helpers';
import { parseTrace } from '../../src/trace/load';

describe('scripts that start other programs or print a lot', () => {
  it('child processes and worker threads run untraced and unharmed; a nested tasklane run works', () => {
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
});
