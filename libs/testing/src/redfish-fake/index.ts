export {
  RedfishFake,
  type FakePowerState,
  type RecordedRedfishRequest,
  type RedfishFakeKnobs,
  type RedfishFakeOptions,
} from './redfish-fake';
