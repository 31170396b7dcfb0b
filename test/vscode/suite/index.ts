// Entry point that VS Code's extension host calls (extensionTestsPath). Runs the mocha suite in
// the real extension host; results go to the console and, when set, the TASKLANE_TEST_LOG file
// (code-server keeps the extension host's console to itself).
import * as fs from 'node:fs';
import Mocha from 'mocha';

function sink(line: string): void {
  console.log(line);
  const file = process.env.TASKLANE_TEST_LOG;
  if (file) fs.appendFileSync(file, line + '\n');
}

function lineReporter(runner: Mocha.Runner): void {
  let passed = 0;
  let failed = 0;
  runner.on('pass', (test) => {
    passed++;
    sink(`  ✔ ${test.fullTitle()} (${test.duration} ms)`);
  });
  runner.on('fail', (test, err: Error) => {
    failed++;
    sink(`  ✘ ${test.fullTitle()}\n${(err.stack ?? err.message).split('\n').map((l) => `      ${l}`).join('\n')}`);
  });
  runner.on('end', () => sink(`vscode tier: ${passed} passing, ${failed} failing`));
}

export async function run(): Promise<void> {
  const grep = process.env.TASKLANE_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: lineReporter as unknown as string, grep, invert: process.env.TASKLANE_TEST_INVERT === '1' });
  mocha.suite.emit('pre-require', globalThis, 'tasklane', mocha);
  await import('./extension.test.js');
  await import('./restricted.test.js');
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (mocha.suite.total() === 0) throw new Error('The vscode test tier selected no tests.');
  if (failures > 0) throw new Error(`${failures} vscode test(s) failed.`);
}
