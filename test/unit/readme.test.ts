// The README's tables of commands and settings must say what package.json declares.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const contributes = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).contributes as {
  commands: { command: string; title: string; category: string }[];
  configuration: { properties: Record<string, { default: unknown; description?: string; markdownDescription?: string }> };
};

describe('README against package.json', () => {
  it('lists every command by the title the palette shows', () => {
    for (const c of contributes.commands) assert.ok(readme.includes(`| ${c.category}: ${c.title} |`), `${c.category}: ${c.title}`);
    const listed = [...readme.matchAll(/^\| (Tasklane: [^|]+?) \|/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), contributes.commands.map((c) => `${c.category}: ${c.title}`).sort(), 'and no command that does not exist');
  });

  it('lists every setting with its real default, and no setting that does not exist', () => {
    const settings = contributes.configuration.properties;
    for (const [key, spec] of Object.entries(settings)) {
      assert.ok(spec.description || spec.markdownDescription, `${key} has a description in package.json`);
      assert.ok(readme.includes(`| \`${key}\` | \`${JSON.stringify(spec.default)}\` |`), `${key} with default ${JSON.stringify(spec.default)}`);
    }
    const mentioned = new Set([...readme.matchAll(/`(tasklane\.\w+)`/g)].map((m) => m[1]));
    for (const key of mentioned) assert.ok(key in settings, `the README mentions ${key}, which package.json does not declare`);
  });
});
