/**
 * Finding the project a command acts on: the nearest folder upwards with a nightshift.toml.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** The project root for `start` (default: cwd), or a UserError telling how to create one. */
export function findProjectRoot(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'nightshift.toml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new UserError(
    `no nightshift project here: no nightshift.toml in ${path.resolve(start)} or any parent folder`,
    {
      hint: 'run `nightshift init` in your repository first',
    },
  );
}
