import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { controllerConfigSchema } from '@vigil/config';
import { fencingTargetSchema } from '@vigil/fencing';
import { toFencingTarget } from '../../apps/controller/src/fencing/host-fencing-drivers';

// Examples that cannot rot: fencing settings shown in docs/ go through the mapping the controller uses
// and the fencing lib's schema, and every key must survive (the schema drops unknown keys silently, so
// a misspelt option would otherwise be ignored at fencing time). Controller YAML in the docs parses
// through the controller's schema. (deploy/*.example.yaml are checked by health-deploy and
// libs/config's monitor-schema spec.)

const DOCS = join(__dirname, '..', '..', 'docs');
const docs = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({ file: f, text: readFileSync(join(DOCS, f), 'utf8') }));

/** `-d '{...}'` bodies of a curl command (continued with `\\`) to a `/fencing` route, and `printf` JSON. */
function fencingBodies(text: string): string[] {
  const bodies: string[] = [];
  for (const m of text.matchAll(/curl [^\n]*\/fencing[^\n]*\\\n(?:[^\n]*\\\n)*?\s*-d '([^']+)'/g))
    if (m[1]) bodies.push(m[1]);
  for (const m of text.matchAll(/printf '(\{"driver"[^']+\})'/g)) if (m[1]) bodies.push(m[1]);
  return bodies;
}

function yamlBlocks(text: string): string[] {
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

const fencingExamples = docs.flatMap(({ file, text }) =>
  fencingBodies(text).map((body, i) => ({ name: `${file} #${i + 1}`, body })),
);

describe('examples in docs/ parse through the real schemas', () => {
  it('finds the fencing examples', () => {
    expect(fencingExamples.map((e) => e.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^api\.md/), expect.stringMatching(/^operations\.md/)]),
    );
  });

  it.each(fencingExamples)('fencing settings in $name: every key is one the driver reads', ({ body }) => {
    // printf's %s stands for the password read from a file.
    const input = JSON.parse(body.replace('%s', 'secret')) as {
      driver: 'ipmitool' | 'redfish' | 'fence-agent' | 'fake';
      address: string;
      port?: number;
      username?: string;
      password?: string;
      agent?: string;
      options?: Record<string, string | number | boolean>;
    };
    const target = toFencingTarget(
      { hostUuid: 'h', hostName: 'h', options: {}, ...input },
      { ipmitoolPath: '/usr/bin/ipmitool' },
    );
    const parsed = fencingTargetSchema.parse(target);
    const dropped = Object.keys(target).filter((k) => !(k in parsed));
    expect(dropped).toEqual([]);
  });

  const controllerYaml = docs.flatMap(({ file, text }) =>
    yamlBlocks(text)
      .filter((y) => /controller\.yaml/.test(y))
      .map((yaml) => ({ name: file, yaml })),
  );

  it.each(controllerYaml)('controller configuration in $name', ({ yaml }) => {
    const raw = parseYaml(yaml) as Record<string, Record<string, unknown>>;
    // Secrets come from the environment in production; the example leaves them out on purpose.
    const withSecrets = { ...raw, keystone: { ...raw['keystone'], password: 'from-env' } };
    expect(controllerConfigSchema.safeParse(withSecrets).error?.issues ?? []).toEqual([]);
  });
});
