import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Who holds one image, in `rbd`'s JSON shapes (Ceph src/tools/rbd/action/Status.cc and Lock.cc). */
export interface FakeRbdImage {
  watchers: { address: string; client: number; cookie: number }[];
  locks: { id: string; locker: string; address: string }[];
}

/**
 * A fake `rbd` executable (a Node script) in its own directory, to put first on PATH. It answers what
 * Vigil runs, as the real CLI documents it: `rbd status <pool>/<image> --format json` prints
 * `{"watchers":[{address, client, cookie}]}`; `rbd lock ls <pool>/<image> --format json` prints
 * `[{id, locker, address}]`; an unknown image exits 2 with `rbd: error opening image <name>: (2) No such
 * file or directory`; anything else exits 22 (EINVAL). Every argv is recorded.
 */
export class FakeRbd {
  readonly dir: string;
  readonly path: string;
  private readonly state: string;
  private readonly log: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-fake-rbd-'));
    this.path = join(this.dir, 'rbd');
    this.state = join(this.dir, 'state.json');
    this.log = join(this.dir, 'calls.log');
    writeFileSync(this.state, '{}');
    writeFileSync(this.log, '');
    writeFileSync(this.path, script(this.state, this.log));
    chmodSync(this.path, 0o755);
  }

  /** Sets who holds `image` (`pool/name`); the image exists from now on. */
  set(image: string, holders: Partial<FakeRbdImage>): void {
    const all = this.images();
    all[image] = { watchers: holders.watchers ?? [], locks: holders.locks ?? [] };
    writeFileSync(this.state, JSON.stringify(all));
  }

  /** The guest is gone: no watcher, no lock. */
  release(image: string): void {
    this.set(image, {});
  }

  /** Every argv the fake was run with. */
  calls(): string[][] {
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as string[]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private images(): Record<string, FakeRbdImage> {
    return JSON.parse(readFileSync(this.state, 'utf8')) as Record<string, FakeRbdImage>;
  }
}

function script(state: string, log: string): string {
  return `#!/usr/bin/env node
const fs = require('node:fs');
const argv = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(argv) + '\\n');
const words = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--format' || argv[i] === '--id' || argv[i] === '-p' || argv[i] === '--pool') { i++; continue; }
  words.push(argv[i]);
}
const json = argv[argv.indexOf('--format') + 1] === 'json';
const images = JSON.parse(fs.readFileSync(${JSON.stringify(state)}, 'utf8'));
const open = (name) => {
  const image = images[name];
  if (!image) {
    process.stderr.write('rbd: error opening image ' + String(name).split('/').pop() + ': (2) No such file or directory\\n');
    process.exit(2);
  }
  return image;
};
if (words[0] === 'status' && words.length === 2) {
  const image = open(words[1]);
  if (json) process.stdout.write(JSON.stringify({ watchers: image.watchers }));
  else if (image.watchers.length === 0) process.stdout.write('Watchers: none\\n');
  else process.stdout.write('Watchers:\\n' + image.watchers.map((w) => '\\twatcher=' + w.address + ' client.' + w.client + ' cookie=' + w.cookie + '\\n').join(''));
} else if (words[0] === 'lock' && (words[1] === 'ls' || words[1] === 'list') && words.length === 3) {
  const image = open(words[2]);
  if (json) process.stdout.write(JSON.stringify(image.locks));
  else if (image.locks.length > 0) process.stdout.write('There is 1 exclusive lock on this image.\\nLocker ID Address\\n' + image.locks.map((l) => l.locker + ' ' + l.id + ' ' + l.address + '\\n').join(''));
} else {
  process.stderr.write('rbd: unrecognised command\\n');
  process.exit(22);
}
`;
}
