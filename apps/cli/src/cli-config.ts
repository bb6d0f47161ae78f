import { z } from 'zod';
import { keystoneSchema, loadConfig } from '@vigil/config';

/**
 * The CLI is configured like the `openstack` client: OS_* variables for Keystone, plus VIGIL_URL for the
 * controller (else the `instance-ha` endpoint from the catalog). `--noauth` sends no token.
 */
export const cliConfigSchema = z
  .object({
    url: z.string().url().optional(),
    noauth: z.boolean().default(false),
    timeoutMs: z.number().int().min(100).default(15_000),
    keystone: keystoneSchema.optional(),
  })
  .strict();
export type CliConfig = z.infer<typeof cliConfigSchema>;

export function loadCliConfig(env: NodeJS.ProcessEnv, flags: { url?: string; noauth?: boolean }): CliConfig {
  const base = loadConfig(cliConfigSchema, { env, envPrefix: 'VIGIL_CLI_' });
  const keystone =
    env.OS_AUTH_URL && !flags.noauth
      ? keystoneSchema.parse({
          authUrl: env.OS_AUTH_URL,
          username: env.OS_USERNAME,
          password: env.OS_PASSWORD,
          projectName: env.OS_PROJECT_NAME,
          userDomainName: env.OS_USER_DOMAIN_NAME ?? 'Default',
          projectDomainName: env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
          applicationCredentialId: env.OS_APPLICATION_CREDENTIAL_ID,
          applicationCredentialSecret: env.OS_APPLICATION_CREDENTIAL_SECRET,
          interface: (env.OS_INTERFACE ?? 'public').replace(/URL$/, ''),
          region: env.OS_REGION_NAME,
        })
      : undefined;
  return {
    ...base,
    url: flags.url ?? env.VIGIL_URL ?? base.url,
    noauth: flags.noauth ?? base.noauth,
    keystone,
  };
}

/** The options every vigil command takes (parseArgs form): where the controller is, how to sign in, output. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  noauth: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;
