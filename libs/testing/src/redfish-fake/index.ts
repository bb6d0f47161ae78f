export {
  RedfishFake,
  type FakePowerState,
  type FakeSystem,
  type RecordedRedfishRequest,
  type RedfishFakeKnobs,
  type RedfishFakeOptions,
} from './redfish-fake';
