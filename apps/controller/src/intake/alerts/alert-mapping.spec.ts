import { type AlertRule } from '@vigil/config';
import { AlertMapper, DEFAULT_ALERT_RULES, stripPort, validateRules } from './alert-mapping';

const aliases = { 'cmp-01.example': 'cmp-01', '10.0.0.12': 'cmp-02', 'fd00::5': 'cmp-05' };
const defaults = new AlertMapper(DEFAULT_ALERT_RULES, aliases);

describe('default alert rules (alerting.md §2)', () => {
  it.each<[string, Record<string, string>, ReturnType<AlertMapper['map']>]>([
    [
      'node_exporter down via up{job="node"} as InstanceDown',
      { alertname: 'InstanceDown', job: 'node', instance: 'cmp-01.example:9100' },
      { mapped: true, host: 'cmp-01', kind: 'host-unreachable' },
    ],
    [
      'an ipmi_exporter PSU redundancy alert is a degradation, not a BMC alert',
      { alertname: 'IpmiPsuRedundancyLost', job: 'ipmi', instance: 'cmp-03:9290' },
      { mapped: true, host: 'cmp-03', kind: 'degradation' },
    ],
    [
      'correctable memory errors are a degradation',
      { alertname: 'EdacCorrectableErrorsDetected', instance: 'cmp-04:9100' },
      { mapped: true, host: 'cmp-04', kind: 'degradation' },
    ],
    [
      'HostDown with a static host label wins over instance',
      { alertname: 'HostDown', job: 'node', host: 'cmp-07', instance: 'cmp-01.example:9100' },
      { mapped: true, host: 'cmp-07', kind: 'host-unreachable' },
    ],
    [
      'HostDown by IP is aliased',
      { alertname: 'HostDown', instance: '10.0.0.12:9100' },
      { mapped: true, host: 'cmp-02', kind: 'host-unreachable' },
    ],
    [
      'openstack-exporter NovaComputeDown uses hostname as is',
      { alertname: 'NovaComputeDown', hostname: 'cmp-03', service: 'nova-compute', adminState: 'enabled' },
      { mapped: true, host: 'cmp-03', kind: 'nova-compute-down' },
    ],
    [
      'libvirt exporter unreachable (up{job="libvirt"} == 0)',
      { alertname: 'TargetDown', job: 'libvirt', instance: 'cmp-01.example:9177' },
      { mapped: true, host: 'cmp-01', kind: 'libvirt-down' },
    ],
    [
      'LibvirtDown (libvirt_up == 0)',
      { alertname: 'LibvirtDown', instance: 'cmp-04:9177' },
      { mapped: true, host: 'cmp-04', kind: 'libvirt-down' },
    ],
    [
      'OVS exporter down',
      { alertname: 'InstanceDown', job: 'openvswitch', instance: '[fd00::5]:9475' },
      { mapped: true, host: 'cmp-05', kind: 'ovs-down' },
    ],
    [
      'OvsDown by name',
      { alertname: 'OvsDown', host: 'cmp-06' },
      { mapped: true, host: 'cmp-06', kind: 'ovs-down' },
    ],
    [
      'IPMI sensor alert from ipmi_exporter',
      { alertname: 'IpmiSensorCritical', job: 'ipmi', instance: 'cmp-08.example' },
      { mapped: true, host: 'cmp-08.example', kind: 'bmc-alert' },
    ],
    [
      'BMC alert by job only',
      { alertname: 'PowerSupplyFailed', job: 'ipmi-exporter', host: 'cmp-09' },
      { mapped: true, host: 'cmp-09', kind: 'bmc-alert' },
    ],
    [
      'an unrelated alert is not mapped',
      { alertname: 'DiskFull', job: 'node', instance: 'cmp-01.example:9100' },
      { mapped: false, reason: 'no-rule', alertname: 'DiskFull' },
    ],
    [
      'a target-down alert of another job',
      { alertname: 'InstanceDown', job: 'mysql', instance: 'db:9104' },
      { mapped: false, reason: 'no-rule', alertname: 'InstanceDown' },
    ],
    [
      'a matching alert without any host label',
      { alertname: 'NovaComputeDown', service: 'nova-compute' },
      { mapped: false, reason: 'no-host-label', alertname: 'NovaComputeDown' },
    ],
  ])('%s', (_name, labels, expected) => {
    expect(defaults.map(labels)).toEqual(expected);
  });
});

describe('custom rules', () => {
  const rules: AlertRule[] = [
    { match: { team: 'compute' }, matchRe: {}, hostLabels: ['node'], stripPort: false, kind: 'bmc-alert' },
    {
      match: {},
      matchRe: { alertname: 'Host.*' },
      hostLabels: ['instance'],
      stripPort: true,
      kind: 'host-unreachable',
    },
  ];
  const mapper = new AlertMapper(rules, {});

  it.each<[string, Record<string, string>, ReturnType<AlertMapper['map']>]>([
    [
      'equality matcher, port kept',
      { team: 'compute', node: 'cmp-1:22' },
      { mapped: true, host: 'cmp-1:22', kind: 'bmc-alert' },
    ],
    [
      'first match wins',
      { team: 'compute', alertname: 'HostDown', node: 'a', instance: 'b:1' },
      { mapped: true, host: 'a', kind: 'bmc-alert' },
    ],
    [
      'regex matcher',
      { alertname: 'HostGone', instance: 'b:1' },
      { mapped: true, host: 'b', kind: 'host-unreachable' },
    ],
    [
      'equality is exact',
      { team: 'Compute', alertname: 'x' },
      { mapped: false, reason: 'no-rule', alertname: 'x' },
    ],
    [
      'regex anchored at both ends',
      { alertname: 'MyHostDown', instance: 'b:1' },
      { mapped: false, reason: 'no-rule', alertname: 'MyHostDown' },
    ],
  ])('%s', (_name, labels, expected) => {
    expect(mapper.map(labels)).toEqual(expected);
  });
});

describe('stripPort', () => {
  it.each([
    ['cmp-01.example:9100', 'cmp-01.example'],
    ['10.0.0.1:9100', '10.0.0.1'],
    ['cmp-01', 'cmp-01'],
    ['[fd00::1]:9100', 'fd00::1'],
    ['[fd00::1]', 'fd00::1'],
    ['fd00::1', 'fd00::1'],
  ])('%s → %s', (input, expected) => {
    expect(stripPort(input)).toBe(expected);
  });
});

describe('validateRules', () => {
  it('names each rule whose regex does not compile', () => {
    const bad: AlertRule = {
      match: {},
      matchRe: { alertname: '(' },
      hostLabels: ['host'],
      stripPort: true,
      kind: 'ovs-down',
    };
    expect(validateRules([...DEFAULT_ALERT_RULES, bad])).toEqual([
      `alerts.rules[${DEFAULT_ALERT_RULES.length}].matchRe.alertname: invalid regex "("`,
    ]);
    expect(validateRules(DEFAULT_ALERT_RULES)).toEqual([]);
  });
});
