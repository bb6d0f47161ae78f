import { ErrorCode, VigilError } from '@vigil/contracts';
import { FakeFencingDriver } from './fake-fencing-driver';
import { FenceAgentDriver, type FenceAgentDeps } from './fence-agent-driver';
import { type FencingDriver } from './fencing-driver';
import { type FencingTarget, type FencingTargetInput, fencingTargetSchema } from './fencing-target';
import { IpmitoolDriver } from './ipmitool-driver';
import { RedfishDriver } from './redfish-driver';

/** Validates raw settings; every bad key is listed, the password value never. */
export function parseFencingTarget(input: unknown): FencingTarget {
  const parsed = fencingTargetSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new VigilError(ErrorCode.CONFIG_INVALID, `invalid fencing target: ${problems.join('; ')}`, {
    problems,
  });
}

export function createFencingDriver(
  settings: FencingTargetInput | FencingTarget,
  deps: FenceAgentDeps = {},
): FencingDriver {
  const target = parseFencingTarget(settings);
  switch (target.driver) {
    case 'fence-agent':
      return new FenceAgentDriver(target, deps);
    case 'ipmitool':
      return new IpmitoolDriver(target, deps);
    case 'redfish':
      return new RedfishDriver(target, deps);
    case 'fake':
      return new FakeFencingDriver(target.initialState);
  }
}
