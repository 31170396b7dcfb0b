import * as assert from 'node:assert/strict';
import { filledPath, settingProgram, withWorkspaceFolder } from '../../src/session/settingPaths';

describe('paths in the settings', () => {
  const folder = '/work/app';
  const home = '/home/me';

  it('name programs with ${workspaceFolder} and ~ filled in, relative to the workspace folder', () => {
    assert.equal(settingProgram('${workspaceFolder}/.venv/bin/python', folder, home), '/work/app/.venv/bin/python');
    assert.equal(settingProgram('.venv/bin/python', folder, home), '/work/app/.venv/bin/python');
    assert.equal(settingProgram('./tools/node', folder, home), '/work/app/tools/node');
    assert.equal(settingProgram('../shared/python', folder, home), '/work/shared/python');
    assert.equal(settingProgram('~/.pyenv/shims/python', folder, home), '/home/me/.pyenv/shims/python');
    assert.equal(settingProgram('/usr/bin/python3', folder, home), '/usr/bin/python3');
  });

  it('leave a bare command to the PATH, and a relative path as it is with no folder open', () => {
    assert.equal(settingProgram('python3', folder, home), 'python3');
    assert.equal(settingProgram('node', folder, home), 'node');
    assert.equal(settingProgram('.venv/bin/python', undefined, home), '.venv/bin/python');
    assert.equal(settingProgram('${workspaceFolder}/x', undefined, home), '${workspaceFolder}/x');
  });

  it('fill in ${workspaceFolder} in a value (tasklane.env\'s), nothing else', () => {
    assert.equal(withWorkspaceFolder('${workspaceFolder}/src:${workspaceFolder}/lib', folder), '/work/app/src:/work/app/lib');
    assert.equal(withWorkspaceFolder('~/x', folder), '~/x');
    assert.equal(withWorkspaceFolder('${workspaceFolder}', undefined), '${workspaceFolder}');
  });

  it('fill in a folder (tasklane.cwd) without resolving it', () => {
    assert.equal(filledPath('${workspaceFolder}/packages/api', folder, home), '/work/app/packages/api');
    assert.equal(filledPath('packages/api', folder, home), 'packages/api');
    assert.equal(filledPath('~', folder, home), '/home/me');
    assert.equal(filledPath('~other/x', folder, home), '~other/x');
  });
});
