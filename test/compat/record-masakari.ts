import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { runCompat } from './masakari-compat';

// Re-records test/compat/masakari-recording.json from a real Masakari (see test/compat/README.md).
async function main(): Promise<void> {
  const [base, out] = [process.env['MASAKARI_URL'] ?? 'http://127.0.0.1:15868', process.argv[2]];
  const token = process.env['OS_TOKEN'];
  if (!token || !out) throw new Error('usage: OS_TOKEN=<keystone token> node record-masakari.js <out.json>');
  const prefix = `compat-${randomUUID().slice(0, 8)}`;
  const answers = await runCompat({ base, token }, prefix, {
    settleTimeoutMs: 600_000,
  });
  writeFileSync(
    out,
    `${JSON.stringify({ recordedFrom: 'Masakari 14.0.2 (Zed), Debian 12 packages', recordedAt: new Date().toISOString().slice(0, 10), answers }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
