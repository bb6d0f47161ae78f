import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from '../support/ensure-built';

/** Debian's Chromium (scripts/ensure-system-deps.sh --tests installs it); playwright never downloads one. */
export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (root in CI), and nothing that phones home on a closed network. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} missing: run scripts/ensure-system-deps.sh --tests (Debian package chromium)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** `dist/ui`, built by esbuild in well under a second: rebuilt every run so the page matches its source. */
export function buildUi(root = ROOT): string {
  execFileSync(process.execPath, [join(root, 'apps/controller-ui/build.mjs')], {
    cwd: root,
    stdio: 'ignore',
  });
  return join(root, 'dist/ui');
}
