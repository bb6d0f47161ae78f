export { startIpmiSim, findFreeUdpPort, type IpmiSimFixture, type IpmiSimOptions } from './ipmi-sim-fixture';
export { SpawnRecorder, type RecordedSpawn } from './spawn-recorder';
