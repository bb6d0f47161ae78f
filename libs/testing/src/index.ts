export * from './redis-fixture';
export * from './log-capture';
export * from './wait-for';
export * from './keystone-fake';
export * from './ipmi-sim';
export * from './redfish-fake';
export * from './nova-fake';
export * from './fuzz';
