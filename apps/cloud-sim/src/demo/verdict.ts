/** What the demo gathered after the incident settled, to judge whether the recovery was correct. */
export interface RecoveryFacts {
  failedHost: string;
  /** Instances on the failed host when it failed. */
  planned: readonly {
    id: string;
    name: string;
    /** Nova status, e.g. ACTIVE or SHUTOFF. */ status: string;
  }[];
  /** Where each planned instance is now and its Nova status. */
  now: ReadonlyMap<string, { host: string | null; status: string }>;
  /** Evacuate calls the Nova fake received per instance. */
  evacuateCalls: ReadonlyMap<string, number>;
  /** Accepted Redfish resets, per host (the sim's BMCs). */
  resets: readonly { host: string; resetType: string }[];
  /** The failed host's BMC power now. */
  failedHostPower: string | undefined;
  /** First time the controller read the failed host's BMC once the incident was open (its fencing), epoch ms. */
  firstBmcAccessMs: number | undefined;
  /** When Nova received the first evacuate, epoch ms. */
  firstEvacuateMs: number | undefined;
  notificationStatus: string | undefined;
}

/** Every way the recovery went wrong; empty means correct. */
export function judgeRecovery(f: RecoveryFacts): string[] {
  const problems: string[] = [];
  if (f.notificationStatus !== 'finished')
    problems.push(`notification status is ${f.notificationStatus ?? 'missing'}, not finished`);
  if (f.planned.length === 0) problems.push(`${f.failedHost} had no instances: nothing was tested`);
  for (const p of f.planned) {
    const now = f.now.get(p.id);
    const calls = f.evacuateCalls.get(p.id) ?? 0;
    if (calls !== 1) problems.push(`${p.name}: ${calls} evacuate calls, expected exactly 1`);
    if (!now) {
      problems.push(`${p.name}: gone from Nova`);
      continue;
    }
    if (now.host === f.failedHost || now.host === null)
      problems.push(`${p.name}: still on ${now.host ?? 'no host'}`);
    if (now.status !== p.status) problems.push(`${p.name}: ${now.status}, was ${p.status}`);
  }
  if (f.failedHostPower !== 'Off')
    problems.push(`${f.failedHost} BMC reads ${f.failedHostPower ?? 'nothing'}, not Off`);
  if (f.firstBmcAccessMs === undefined) problems.push(`the controller never checked ${f.failedHost}'s BMC`);
  else if (f.firstEvacuateMs !== undefined && f.firstBmcAccessMs > f.firstEvacuateMs)
    problems.push(`the first evacuate came before ${f.failedHost} was fenced`);
  const others = f.resets.filter((r) => r.host !== f.failedHost && r.resetType !== 'On');
  for (const r of others) problems.push(`${r.host} was fenced too (${r.resetType})`);
  return problems;
}
