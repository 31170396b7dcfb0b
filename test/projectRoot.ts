// The project folder, found from a built test's own: the nearest one above it with a package.json.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function projectRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
