import { type AlertEvidenceKind, type AlertRule } from '@vigil/config';

/**
 * Built-in rules for the alerts of docs (alerting.md §2). First match wins, so the specific rules
 * (a libvirt or OVS exporter being down) come before the generic `up == 0` one.
 */
const TARGET_DOWN = 'InstanceDown|TargetDown|.*ExporterDown';
const NODE_HOST: Pick<AlertRule, 'hostLabels' | 'stripPort'> = {
  hostLabels: ['host', 'instance'],
  stripPort: true,
};
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  // openstack-exporter: `hostname` is already the Nova service host.
  {
    match: {},
    matchRe: { alertname: 'NovaComputeDown|NovaComputeServiceDown|NovaAgentDown' },
    hostLabels: ['host', 'hostname'],
    stripPort: false,
    kind: 'nova-compute-down',
  },
  {
    match: {},
    matchRe: { alertname: 'Libvirtd?Down|LibvirtExporterDown' },
    ...NODE_HOST,
    kind: 'libvirt-down',
  },
  { match: {}, matchRe: { alertname: TARGET_DOWN, job: 'libvirt.*' }, ...NODE_HOST, kind: 'libvirt-down' },
  {
    match: {},
    matchRe: { alertname: 'OvsDown|OVSDown|OpenvswitchDown|OpenVSwitchDown|OvsExporterDown' },
    ...NODE_HOST,
    kind: 'ovs-down',
  },
  {
    match: {},
    matchRe: { alertname: TARGET_DOWN, job: 'ovs.*|openvswitch.*' },
    ...NODE_HOST,
    kind: 'ovs-down',
  },
  {
    match: {},
    matchRe: { alertname: 'HostDown|NodeDown|NodeExporterDown' },
    ...NODE_HOST,
    kind: 'host-unreachable',
  },
  { match: {}, matchRe: { alertname: TARGET_DOWN, job: 'node.*' }, ...NODE_HOST, kind: 'host-unreachable' },
  // Degradation, not failure (before the BMC rules: `IpmiPsuRedundancyLost` is a degradation).
  {
    match: {},
    matchRe: {
      alertname:
        '.*(Psu|PSU|PowerSupply|Nic|NIC|Bond)RedundancyLost|.*(Correctable|CE)MemoryErrors?|EdacCorrectableErrors.*',
    },
    ...NODE_HOST,
    kind: 'degradation',
  },
  // ipmi_exporter sensor alerts, or any alert named after the BMC/IPMI.
  { match: {}, matchRe: { alertname: '(Ipmi|IPMI|Bmc|BMC).*' }, ...NODE_HOST, kind: 'bmc-alert' },
  { match: {}, matchRe: { job: 'ipmi.*' }, ...NODE_HOST, kind: 'bmc-alert' },
];

export type AlertMapping =
  | { mapped: true; host: string; kind: AlertEvidenceKind }
  | { mapped: false; reason: 'no-rule' | 'no-host-label'; alertname: string };

/** A rule set with its regexes compiled once. */
export class AlertMapper {
  private readonly compiled: Array<{ rule: AlertRule; re: Array<[string, RegExp]> }>;

  constructor(
    rules: readonly AlertRule[],
    private readonly hostAliases: Readonly<Record<string, string>>,
  ) {
    // Prometheus anchors label regexes: `job=~"node"` does not match `node2`.
    this.compiled = rules.map((rule) => ({
      rule,
      re: Object.entries(rule.matchRe).map(([label, re]) => [label, new RegExp(`^(?:${re})$`)]),
    }));
  }

  map(labels: Readonly<Record<string, string>>): AlertMapping {
    const alertname = labels.alertname ?? '';
    const found = this.compiled.find(({ rule, re }) => matches(rule, re, labels));
    if (!found) return { mapped: false, reason: 'no-rule', alertname };
    const { rule } = found;
    const raw = rule.hostLabels.map((l) => labels[l]).find((v) => v !== undefined && v !== '');
    if (raw === undefined) return { mapped: false, reason: 'no-host-label', alertname };
    const value = rule.stripPort ? stripPort(raw) : raw;
    return { mapped: true, host: this.hostAliases[value] ?? value, kind: rule.kind };
  }
}

function matches(
  rule: AlertRule,
  re: ReadonlyArray<[string, RegExp]>,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [label, value] of Object.entries(rule.match)) if ((labels[label] ?? '') !== value) return false;
  for (const [label, pattern] of re) if (!pattern.test(labels[label] ?? '')) return false;
  return true;
}

/** `cmp-01.example:9100` → `cmp-01.example`, `[fd00::5]:9100` → `fd00::5`; a bare IPv6 address is kept whole. */
export function stripPort(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1]) return bracketed[1];
  const colons = value.split(':').length - 1;
  if (colons === 1) return value.replace(/:\d+$/, '');
  return value;
}

/** Rejects rule regexes that do not compile, at boot, with the rule named. */
export function validateRules(rules: readonly AlertRule[]): string[] {
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    for (const [label, re] of Object.entries(rule.matchRe)) {
      try {
        new RegExp(`^(?:${re})$`);
      } catch {
        problems.push(`alerts.rules[${i}].matchRe.${label}: invalid regex ${JSON.stringify(re)}`);
      }
    }
  });
  return problems;
}
