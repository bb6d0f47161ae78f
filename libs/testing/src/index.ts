export * from './redis-fixture';
export * from './log-capture';
export * from './wait-for';
export * from './ipmi-sim';
export * from './redfish-fake';
