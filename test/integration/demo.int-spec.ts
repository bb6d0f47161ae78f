import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './support/ensure-built';

function run(argv: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** Processes whose working directory is under `dir` (the embedded redis-server runs in its data dir). */
function processesUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

// The README's demo, `--once`: 8 hosts, 40 instances in 2 segments with a reserved host each; one host
// loses power and the real controller must fence it, move each of its instances once, and finish.
describe('demo --once', () => {
  let workDir: string;
  let cloudSimMain: string;

  beforeAll(() => {
    ensureBuilt('controller');
    cloudSimMain = ensureBuilt('cloud-sim');
    workDir = mkdtempSync(join(tmpdir(), 'vigil-demo-it-'));
  }, 600_000);

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('prints the incident step by step and exits 0 because the recovery was correct', async () => {
    const { code, out } = await run(
      [cloudSimMain, 'demo', '--once', '--api-port', '0', '--work-dir', workDir, '--timeout-ms', '60000'],
      ROOT,
    );
    const context = `${out}\n--- controller log tail ---\n${readFileSync(join(workDir, 'controller.log'), 'utf8').slice(-4000)}`;
    expect({ code, out: context }).toMatchObject({ code: 0 });
    for (const step of [
      'power loss',
      // Alertmanager, the third input: its webhook (bearer auth) accepts the alert, detection counts it.
      'Alertmanager HostDown for',
      'accepted as evidence',
      'detected',
      'confirmed',
      'fenced',
      'isolated',
      'moved',
      'finished',
      'recovery: correct',
    ])
      expect(out).toContain(step);
    expect(out).toMatch(/confirmed .*confirmed by .*alert-host-down/);
    expect(out).toMatch(/total: \d+\.\d\d s from power loss to notification finished/);
    // Every line of the incident carries its offset from the power loss.
    expect(out.split('\n').filter((l) => /^\+\s+\d+\.\d\ds {2}\S/.test(l)).length).toBeGreaterThan(5);
    // Nothing it started outlives it: no controller, no embedded redis-server.
    expect(processesUnder(workDir)).toEqual([]);
  }, 120_000);
});
