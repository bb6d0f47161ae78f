export { NeutronFake, neutronErrorBody } from './neutron-fake';
export type { NeutronFakeOptions, NeutronFakePort } from './neutron-fake';
