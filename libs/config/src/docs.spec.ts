import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { controllerConfigSchema } from './schema';

/** Every key of the controller's configuration is documented in docs/configuration.md, and nothing more. */
function leafKeys(schema: unknown, prefix = ''): string[] {
  const node = schema as {
    type?: string | string[];
    properties?: Record<string, unknown>;
    anyOf?: unknown[];
  };
  if (node.anyOf) return node.anyOf.flatMap((s) => leafKeys(s, prefix));
  if (node.properties && Object.keys(node.properties).length > 0)
    return Object.entries(node.properties).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
  return prefix ? [prefix] : [];
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');
  const keys = [
    ...new Set(leafKeys(z.toJSONSchema(controllerConfigSchema, { io: 'input', unrepresentable: 'any' }))),
  ];
  const documented = new Set([...doc.matchAll(/^\| `([a-zA-Z0-9.[\]]+)` +\|/gm)].map((m) => m[1]));

  it('documents every configuration key', () => {
    expect(keys.filter((k) => !documented.has(k))).toEqual([]);
  });

  it('documents no key that does not exist', () => {
    expect([...documented].filter((k) => k !== undefined && !keys.includes(k))).toEqual([]);
  });
});
