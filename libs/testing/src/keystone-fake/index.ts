export * from './keystone-fake';
export { KeystoneError, keystoneErrorBody, DEFAULT_DOMAIN } from './keystone-identity';
export type {
  KeystoneFakeUserSpec,
  KeystoneFakeProjectSpec,
  KeystoneFakeAppCredSpec,
  FakeUser,
  FakeProject,
} from './keystone-identity';
export { FakeHttpServer } from './fake-http';
export type { FakeRequest, FakeResponse, FaultKnobs } from './fake-http';
