import { Injectable } from '@nestjs/common';
import { registerSecret } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { SecretBox } from '../secrets/secret-box';
import { HostFencingStore, type StoredFencingSettings } from './host-fencing.store';
import {
  type FencingDriverName,
  type FencingOptionValue,
  type FencingSettingsInput,
  isSecretOptionKey,
} from './host-fencing.validation';
import { HostStore } from './host.store';
import { hostNotFound } from './inventory-errors';
import { type HostRecord } from './model';
import { formatTimestamp } from './time';

/** Decrypted settings, for the fencing engine only (never for an API response or a log line). */
export interface HostFencingSettings {
  hostUuid: string;
  hostName: string;
  driver: FencingDriverName;
  address: string;
  port?: number;
  username?: string;
  password?: string;
  agent?: string;
  /** All options, secret ones decrypted. */
  options: Record<string, FencingOptionValue>;
}

/** What the API shows: secrets reduced to "set" flags and key names. */
export interface HostFencingView {
  host_uuid: string;
  host_name: string;
  driver: FencingDriverName;
  address: string;
  port: number | null;
  username: string | null;
  agent: string | null;
  options: Record<string, FencingOptionValue>;
  secret_options: string[];
  password_set: boolean;
  updated_at: string;
}

const noSettings = (hostUuid: string): VigilError =>
  new VigilError(ErrorCode.NOT_FOUND, `Host ${hostUuid} has no fencing settings.`);

@Injectable()
export class HostFencingService {
  constructor(
    private readonly store: HostFencingStore,
    private readonly hosts: HostStore,
    private readonly box: SecretBox,
  ) {}

  /** Replaces the settings. An omitted password keeps the stored one; `password: null` removes it. */
  async put(hostUuid: string, input: FencingSettingsInput): Promise<HostFencingView> {
    const host = await this.host(hostUuid);
    const previous = await this.store.get(hostUuid);
    registerSecret(input.password ?? undefined);
    const options: Record<string, FencingOptionValue> = {};
    const secretOptions: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.options ?? {})) {
      if (!isSecretOptionKey(key)) {
        options[key] = value;
        continue;
      }
      registerSecret(String(value));
      secretOptions[key] = this.box.encrypt(JSON.stringify(value), context(hostUuid, `option:${key}`));
    }
    const password =
      input.password === undefined
        ? previous?.password
        : input.password === null
          ? undefined
          : this.box.encrypt(input.password, context(hostUuid, 'password'));
    const stored: StoredFencingSettings = {
      driver: input.driver,
      address: input.address,
      ...(input.port !== undefined ? { port: input.port } : {}),
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(input.agent !== undefined ? { agent: input.agent } : {}),
      options,
      ...(password !== undefined ? { password } : {}),
      secretOptions,
      updated_at: formatTimestamp(new Date()),
    };
    if ((await this.store.put(hostUuid, stored)) === 'host_not_found') throw hostNotFound(hostUuid);
    return view(host, stored);
  }

  async show(hostUuid: string): Promise<HostFencingView> {
    const host = await this.host(hostUuid);
    const stored = await this.store.get(hostUuid);
    if (!stored) throw noSettings(hostUuid);
    return view(host, stored);
  }

  async delete(hostUuid: string): Promise<void> {
    await this.host(hostUuid);
    if (!(await this.store.delete(hostUuid))) throw noSettings(hostUuid);
  }

  /**
   * Decrypted settings of the host registered under `hostName`, or undefined when the host is unknown or
   * has none. Decrypted values are registered as secrets so no logger ever prints them.
   */
  async getFencingSettings(hostName: string): Promise<HostFencingSettings | undefined> {
    const host = await this.hosts.getByName(hostName);
    if (!host) return undefined;
    const stored = await this.store.get(host.uuid);
    if (!stored) return undefined;
    const options: Record<string, FencingOptionValue> = { ...stored.options };
    for (const [key, sealed] of Object.entries(stored.secretOptions)) {
      const value = JSON.parse(
        this.box.decrypt(sealed, context(host.uuid, `option:${key}`)),
      ) as FencingOptionValue;
      registerSecret(String(value));
      options[key] = value;
    }
    const password = stored.password
      ? this.box.decrypt(stored.password, context(host.uuid, 'password'))
      : undefined;
    registerSecret(password);
    return {
      hostUuid: host.uuid,
      hostName: host.name,
      driver: stored.driver,
      address: stored.address,
      ...(stored.port !== undefined ? { port: stored.port } : {}),
      ...(stored.username !== undefined ? { username: stored.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(stored.agent !== undefined ? { agent: stored.agent } : {}),
      options,
    };
  }

  private async host(uuid: string): Promise<HostRecord> {
    const host = await this.hosts.get(uuid);
    if (!host) throw hostNotFound(uuid);
    return host;
  }
}

const context = (hostUuid: string, field: string): string => `fencing:${hostUuid}:${field}`;

function view(host: HostRecord, stored: StoredFencingSettings): HostFencingView {
  return {
    host_uuid: host.uuid,
    host_name: host.name,
    driver: stored.driver,
    address: stored.address,
    port: stored.port ?? null,
    username: stored.username ?? null,
    agent: stored.agent ?? null,
    options: stored.options,
    secret_options: Object.keys(stored.secretOptions).sort(),
    password_set: stored.password !== undefined,
    updated_at: stored.updated_at,
  };
}
