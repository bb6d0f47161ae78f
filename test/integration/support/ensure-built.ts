import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../../..');

function newestTsMs(dir: string): number {
  if (!existsSync(dir)) return 0;
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory()
        ? newestTsMs(join(dir, e.name))
        : e.name.endsWith('.ts')
          ? statSync(join(dir, e.name)).mtimeMs
          : 0,
    ),
  );
}

/** `dist/apps/<project>/main.js`, rebuilt with `nest build` when any app or lib source is newer. */
export function ensureBuilt(project: string): string {
  const main = join(ROOT, 'dist/apps', project, 'main.js');
  const newest = Math.max(newestTsMs(join(ROOT, 'apps', project, 'src')), newestTsMs(join(ROOT, 'libs')));
  if (!existsSync(main) || statSync(main).mtimeMs < newest)
    execFileSync('npx', ['nest', 'build', project], { cwd: ROOT, stdio: 'ignore', timeout: 280_000 });
  return main;
}
