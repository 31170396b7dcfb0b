// The .vsix as the marketplace would take it: what vsce puts inside, the manifest, no warnings.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../harness/codeServer.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function vsce(...args) {
  const result = spawnSync('npx', ['vsce', ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  return result.stdout + result.stderr;
}

/** The Python tracer's modules as the source has them, where the package has them. */
function pythonTracer() {
  const source = path.join(ROOT, 'src/runner/python');
  return fs.readdirSync(source, { recursive: true }).filter((file) => file.endsWith('.py')).map((file) => `dist/runner/python/${file.split(path.sep).join('/')}`);
}

describe('the marketplace package', () => {
  it('ships only what runs: the bundles, the Python tracer, the icons, the README’s pictures, license and changelog', () => {
    const files = vsce('ls', '--no-dependencies').split('\n').map((l) => l.trim()).filter(Boolean).sort();
    assert.deepEqual(files, [
      'CHANGELOG.md', 'LICENSE', 'README.md',
      'dist/extension.js', 'dist/runner/bootstrap.js', 'dist/runner/esm-loader.mjs', ...pythonTracer(), 'dist/webview.css', 'dist/webview.js',
      'media/icon.png', 'media/screenshot-node.png', 'media/screenshot-python.png', 'media/tasklane.svg',
      'package.json',
    ].sort());
  });

  it('every picture the README shows is in the package', () => {
    const shipped = new Set(vsce('ls', '--no-dependencies').split('\n').map((l) => l.trim()));
    const pictures = [...fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(pictures.length >= 2, 'a Node and a Python screenshot');
    for (const picture of pictures) assert.ok(shipped.has(picture), `${picture} is shipped`);
  });

  it('has a complete manifest: a 256 px PNG icon, banner, categories, few keywords, lazy activation', () => {
    const png = fs.readFileSync(path.join(ROOT, pkg.icon));
    assert.equal(png.toString('latin1', 1, 4), 'PNG');
    assert.ok(png.readUInt32BE(16) >= 256 && png.readUInt32BE(20) >= 256, 'at least 256×256');
    for (const field of ['publisher', 'displayName', 'description', 'version', 'repository', 'bugs', 'homepage', 'license', 'galleryBanner']) assert.ok(pkg[field], field);
    assert.deepEqual(pkg.categories, ['Visualization', 'Debuggers']);
    assert.ok(pkg.keywords.length <= 5);
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.capabilities.untrustedWorkspaces.supported !== undefined);
    assert.match(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /MIT License/);
  });

  it('vsce packages it without a warning, under 300 KB', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tasklane-vsix-')), 'tasklane.vsix');
    const printed = vsce('package', '--no-dependencies', '--out', out);
    assert.ok(fs.existsSync(out));
    assert.doesNotMatch(printed, /warning/i);
    const kb = fs.statSync(out).size / 1024;
    assert.ok(kb < 300, `the .vsix is ${kb.toFixed(1)} KB`);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
