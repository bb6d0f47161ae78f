import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { controllerConfigSchema, createLogger, loadConfig } from '@vigil/config';
import { LogCapture, startRedis, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { ensureBuilt } from './support/ensure-built';

// The image cannot be built here (no daemon, no base-image registry) and hadolint is not packaged for
// Debian 12, so this checks the Dockerfile's rules (hadolint's DL codes where one applies), what the
// build copies, the health check of each entry point, and the environment-only configuration.
const ROOT = join(__dirname, '../..');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const HEALTHCHECK = join(ROOT, 'deploy/container/healthcheck.sh');

/** Node LTS lines and the end of their support (nodejs.org release schedule). */
const NODE_LTS_END: Record<number, string> = { 22: '2027-04-30', 24: '2028-04-30' };

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    if (pending) pending.args = `${pending.args} ${body}`;
    else {
      const [keyword = '', ...rest] = body.split(/\s+/);
      pending = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: i + 1 };
    }
    if (!continued) {
      out.push(pending);
      pending = undefined;
    }
  });
  return out;
}

/**
 * Whether a .dockerignore pattern list excludes a path: the subset of its syntax used here (star,
 * double star and slash, `!`), a pattern matching a directory excluding everything under it, the last matching pattern winning.
 */
function ignored(patterns: readonly string[], path: string): boolean {
  const toRegex = (pattern: string): RegExp => {
    const body = pattern
      .replace(/^\//, '')
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\u0000')
      .replace(/\*/g, '[^/]*')
      .replace(/\u0000/g, '(?:.*/)?');
    return new RegExp(`^${body}(?:/.*)?$`);
  };
  let out = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (toRegex(negated ? p.slice(1) : p).test(path)) out = !negated;
  }
  return out;
}

const instructions = parseDockerfile(DOCKERFILE);
const dockerignore = (): string[] =>
  readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
const of = (keyword: string): Instruction[] => instructions.filter((i) => i.keyword === keyword);

describe('Dockerfile rules', () => {
  it('builds every stage FROM a pinned, supported Node LTS base (DL3006, DL3007)', () => {
    const froms = of('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const bases = new Set(froms.map((f) => f.args.split(/\s+/)[0]));
    expect(bases.size).toBe(1);
    const [base = ''] = [...bases];
    const m = /^docker\.io\/library\/node:(\d+)-bookworm-slim$/.exec(base);
    expect(m).not.toBeNull();
    const end = NODE_LTS_END[Number(m?.[1])];
    expect(end).toBeDefined();
    // Fails the day the base line leaves support: move to the next LTS then.
    expect(Date.parse(end as string)).toBeGreaterThan(Date.now());
  });

  it('installs Debian packages without recommends and drops the apt lists in the same layer (DL3015, DL3009)', () => {
    const installs = of('RUN').filter((r) => /apt-get install/.test(r.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) {
      expect(r.args).toMatch(/apt-get update/);
      expect(r.args).toMatch(/install -y --no-install-recommends/);
      expect(r.args).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
      expect(r.args).not.toMatch(/apt-get (dist-)?upgrade/);
    }
  });

  it('puts into the runtime image every program the config defaults name', () => {
    const defaults = controllerConfigSchema.parse({ auth: { strategy: 'noauth' } });
    const packages = of('RUN')
      .filter((r) => /apt-get install/.test(r.args))
      .flatMap((r) => r.args.split(/\s+/));
    // Debian package of each default binary: the embedded Redis and the ipmitool driver.
    expect(defaults.redis.embedded.binary).toBe('redis-server');
    expect(defaults.fencing.ipmitoolPath).toBe('/usr/bin/ipmitool');
    for (const pkg of ['redis-server', 'ipmitool', 'fence-agents', 'tini', 'curl'])
      expect(packages).toContain(pkg);
  });

  it('follows the shell and instruction rules (DL3002, DL3003, DL3004, DL3020, DL3025, DL4003, DL4006)', () => {
    const problems: string[] = [];
    for (const r of of('RUN')) {
      if (/(^|&&|;)\s*cd\s/.test(r.args)) problems.push(`line ${r.line}: cd in RUN, use WORKDIR`);
      if (/\bsudo\b/.test(r.args)) problems.push(`line ${r.line}: sudo`);
      if (/[^|]\|[^|]/.test(r.args) && !of('SHELL').some((s) => s.args.includes('pipefail')))
        problems.push(`line ${r.line}: a pipe without SHELL pipefail`);
    }
    if (of('ADD').length > 0) problems.push('ADD: use COPY');
    for (const k of ['CMD', 'ENTRYPOINT', 'HEALTHCHECK']) {
      const list = of(k);
      // One per image (the last stage counts); each in exec form, so signals reach the process.
      if (k !== 'HEALTHCHECK' && list.length !== 1) problems.push(`${k} appears ${list.length} times`);
      for (const i of list) if (!/\[\s*"/.test(i.args)) problems.push(`line ${i.line}: ${k} in shell form`);
    }
    const user = of('USER').at(-1)?.args.split(':')[0];
    if (user === undefined || user === 'root' || user === '0') problems.push(`last USER ${user}`);
    for (const w of of('WORKDIR')) if (!w.args.startsWith('/')) problems.push(`WORKDIR ${w.args} relative`);
    expect(problems).toEqual([]);
  });

  it('carries no secret in ENV, ARG or LABEL', () => {
    const settings = [...of('ENV'), ...of('ARG'), ...of('LABEL')].flatMap((i) =>
      i.args.split(/\s+/).filter((w) => w.includes('=')),
    );
    expect(settings.filter((kv) => /PASSWORD|SECRET|TOKEN|MASTER_KEY|ENCRYPTION_KEY/i.test(kv))).toEqual([]);
  });

  it('copies only from defined stages and from files the build context holds', () => {
    const stages = of('FROM').map((f) => /\bAS\s+(\S+)/i.exec(f.args)?.[1]);
    const copies = of('COPY').map((c) => ({
      from: /--from=(\S+)/.exec(c.args)?.[1],
      sources: c.args.split(/\s+/).slice(0, -1),
    }));
    const missingStages = copies.flatMap((c) => (c.from && !stages.includes(c.from) ? [c.from] : []));
    const contextSources = copies.flatMap((c) => (c.from ? [] : c.sources.filter((s) => s !== '.')));
    expect(missingStages).toEqual([]);
    expect(contextSources.length).toBeGreaterThan(0);
    expect(contextSources.filter((src) => !existsSync(join(ROOT, src)))).toEqual([]);
    expect(contextSources.filter((src) => ignored(dockerignore(), src))).toEqual([]);
  });

  it('.dockerignore keeps host dependencies, build output, history and data with secret keys out of COPY . .', () => {
    expect(of('COPY').some((c) => /^\.\s/.test(c.args))).toBe(true);
    const patterns = dockerignore();
    for (const path of [
      '.git',
      'node_modules',
      'apps/cli/node_modules',
      'dist',
      '.vigil-data',
      '.vigil-data/secret.key',
      'some/where/secret.key',
      'controller.log',
    ])
      expect([path, ignored(patterns, path)]).toEqual([path, true]);
    // What `npm ci` and `npm run build` need stays in.
    for (const path of [
      'package.json',
      'package-lock.json',
      'nest-cli.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'apps/controller/src/main.ts',
      'apps/controller-ui/build.mjs',
      'libs/config/src/schema.ts',
      'bin/vigil',
      'deploy/container/healthcheck.sh',
    ])
      expect([path, ignored(patterns, path)]).toEqual([path, false]);
  });
});

describe('the image configuration: its defaults file and the environment', () => {
  /**
   * The ENV the image sets, as the container's environment starts, with a path the image COPYs from the
   * build context mapped back to that source file (so the controller here reads what the image holds).
   */
  const imageEnv = (): Record<string, string> => {
    const copied = new Map(
      of('COPY')
        .filter((c) => !c.args.startsWith('--from'))
        .map((c) => c.args.split(/\s+/))
        .filter((parts) => parts.length === 2)
        .map(([src, dest]) => [dest as string, join(ROOT, src as string)]),
    );
    const env: Record<string, string> = {};
    for (const e of of('ENV'))
      for (const kv of e.args.split(/\s+/)) {
        const [k, v] = kv.split('=');
        if (k && v !== undefined) env[k] = copied.get(v) ?? v;
      }
    return env;
  };
  const keystoneEnv = {
    VIGIL_KEYSTONE__AUTH_URL: 'http://keystone:5000/v3',
    VIGIL_KEYSTONE__USERNAME: 'vigil',
    VIGIL_KEYSTONE__PASSWORD: 'not-a-real-password',
    VIGIL_KEYSTONE__PROJECT_NAME: 'service',
  };

  it('defaults to listening on every address of the container and keeping data in the volume', () => {
    const env = imageEnv();
    expect(env.VIGIL_CONFIG).toBe(join(ROOT, 'deploy/container/controller.container.yaml'));
    expect(of('VOLUME').map((v) => v.args)).toEqual(['["/var/lib/vigil"]']);
    const config = loadConfig(controllerConfigSchema, { env: { ...env, ...keystoneEnv } });
    expect([config.api.host, config.api.port, config.dataDir]).toEqual(['0.0.0.0', 15868, '/var/lib/vigil']);
    // No redis.url: the embedded redis-server the image ships.
    expect(config.redis.url).toBeUndefined();
  });

  it('sets its defaults in a file, so the environment overrides them and a mounted file replaces them', () => {
    // No VIGIL_<key> in the image's ENV: it would silently win over a mounted file.
    expect(Object.keys(imageEnv()).filter((k) => k.startsWith('VIGIL_') && k !== 'VIGIL_CONFIG')).toEqual([]);
    const overridden = loadConfig(controllerConfigSchema, {
      env: { ...imageEnv(), ...keystoneEnv, VIGIL_API__PORT: '9999' },
    });
    expect([overridden.api.host, overridden.api.port]).toEqual(['0.0.0.0', 9999]);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-container-'));
    try {
      const file = join(dir, 'controller.yaml');
      writeFileSync(file, 'api: { host: 10.0.0.5 }\nauth: { strategy: noauth }\n');
      const mounted = loadConfig(controllerConfigSchema, { env: { ...imageEnv(), VIGIL_CONFIG: file } });
      expect([mounted.api.host, mounted.dataDir]).toEqual([
        '10.0.0.5',
        controllerConfigSchema.parse({ auth: { strategy: 'noauth' } }).dataDir,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with nothing configured, the built controller exits 2 naming what is missing', () => {
    const main = ensureBuilt('controller');
    const run = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ...imageEnv() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/keystone/);
  }, 300_000);

  it('the host-monitor entry point, with the image environment only, exits 2 naming what is missing', () => {
    const run = spawnSync(process.execPath, [ensureBuilt('host-monitor')], {
      env: { PATH: process.env.PATH ?? '', ...imageEnv() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/controllerUrls/);
  }, 300_000);
});

describe('the health check of each entry point', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  let peer: Server;
  let peerPort = 0;

  beforeAll(async () => {
    redis = await startRedis();
    controller = await startController({
      config: controllerConfigSchema.parse({
        api: { port: 0 },
        auth: { strategy: 'noauth' },
        redis: { url: redis.url, password: redis.password },
      }),
      logger: createLogger({ name: 'container', destination: new LogCapture() }),
    });
    peer = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const address = peer.address();
    peerPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => peer?.close(resolve));
    await controller?.close();
    await redis?.stop();
  });

  /** Runs the script without blocking this process, which serves the controller it checks. */
  const check = (
    env: Record<string, string>,
    ...args: string[]
  ): Promise<{ status: number; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        HEALTHCHECK,
        args,
        { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 10_000 },
        (err, _stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stderr }),
      );
    });
  const freePort = async (): Promise<number> => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const address = s.address();
    await new Promise((resolve) => s.close(resolve));
    return typeof address === 'object' && address ? address.port : 0;
  };

  it('the HEALTHCHECK runs the script the image installs', () => {
    expect(of('HEALTHCHECK')[0]?.args).toContain('"/usr/local/bin/vigil-healthcheck"');
    expect(of('COPY').map((c) => c.args)).toContain(
      'deploy/container/healthcheck.sh /usr/local/bin/vigil-healthcheck',
    );
  });

  it('controller: healthy while /healthz answers, unhealthy when nothing listens', async () => {
    const port = new URL(controller.url).port;
    expect((await check({ VIGIL_API__PORT: port }, 'controller')).status).toBe(0);
    expect((await check({ VIGIL_API__PORT: String(await freePort()) }, 'controller')).status).not.toBe(0);
  });

  it('host monitor: healthy while its peer listener accepts, unhealthy when it does not', async () => {
    expect((await check({ VIGIL_MONITOR_PEER_LISTEN__PORT: String(peerPort) }, 'host-monitor')).status).toBe(
      0,
    );
    const closed = String(await freePort());
    expect((await check({ VIGIL_MONITOR_PEER_LISTEN__PORT: closed }, 'host-monitor')).status).not.toBe(0);
    // With the listener disabled by configuration, a running process is all there is to check.
    const disabled = { VIGIL_MONITOR_PEER_LISTEN__PORT: closed, VIGIL_MONITOR_PEER_LISTEN__ENABLED: 'false' };
    expect((await check(disabled, 'host-monitor')).status).toBe(0);
  });

  it('an unknown role is unhealthy with a message', async () => {
    const run = await check({}, 'bogus');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unknown role');
  });
});
