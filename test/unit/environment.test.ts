import * as assert from 'node:assert/strict';
import { scriptEnvironment } from '../../src/session/environment';

describe('the environment a script the extension runs starts with', () => {
  it('is the extension host\'s without VS Code\'s and Electron\'s own variables, with the user\'s over it', () => {
    const host = {
      PATH: '/usr/bin', HOME: '/home/me', NODE_OPTIONS: '--max-old-space-size=4096', LANG: 'C.UTF-8',
      ELECTRON_RUN_AS_NODE: '1', ELECTRON_NO_ATTACH_CONSOLE: '1', VSCODE_PID: '42', VSCODE_IPC_HOOK: '/run/x.sock', VSCODE_NLS_CONFIG: '{}',
      VSCODE_PORTABLE: '/opt/code-data', SNAP: '/snap/code/1', SNAP_NAME: 'code', GDK_PIXBUF_MODULE_FILE: '/snap/x',
      MY_ELECTRON_APP: 'keep', SNAPSHOT_DIR: '/tmp/snaps',
    };
    const env = scriptEnvironment(host, { DEBUG: 'app:*', VSCODE_SET_BY_ME: 'yes', PATH: '/opt/bin:/usr/bin' });
    assert.deepEqual(env, {
      PATH: '/opt/bin:/usr/bin', HOME: '/home/me', NODE_OPTIONS: '--max-old-space-size=4096', LANG: 'C.UTF-8',
      VSCODE_PORTABLE: '/opt/code-data', MY_ELECTRON_APP: 'keep', SNAPSHOT_DIR: '/tmp/snaps',
      DEBUG: 'app:*', VSCODE_SET_BY_ME: 'yes',
    });
    assert.equal(host.ELECTRON_RUN_AS_NODE, '1', 'the host\'s own environment is left as it was');
  });
});
