export {
  RedfishFake,
  type FakePowerState,
  type FakeSystem,
  type RecordedRedfishRequest,
  type RedfishFakeKnobs,
  type RedfishFakeOptions,
  type ResetRequester,
} from './redfish-fake';
