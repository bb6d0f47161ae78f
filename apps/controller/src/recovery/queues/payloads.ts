import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type RecoveryJobName, type RecoveryJobs } from './contracts';

const incidentRun = z.object({ incidentId: z.string().min(1), round: z.number().int().min(1) });

const schemas: { [K in RecoveryJobName]: z.ZodType<RecoveryJobs[K]> } = {
  'host.recover': incidentRun,
  'instance.recover': incidentRun,
  'process.recover': incidentRun,
  'process.reenable': z.object({ incidentId: z.string().min(1) }),
  'host.reinstate': z.object({ host: z.string().min(1), requestId: z.string().min(1) }),
  'instance.evacuate': z.object({
    incidentId: z.string().min(1),
    instanceId: z.string().min(1),
    round: z.number().int().min(1),
  }),
  'host.tier-gate': z.object({
    incidentId: z.string().min(1),
    round: z.number().int().min(1),
    tier: z.number().int().min(0),
  }),
};

/** Job payloads come from Redis: parsed at the boundary like any other input. */
export function parseJobData<K extends RecoveryJobName>(name: K, data: unknown): RecoveryJobs[K] {
  const parsed = schemas[name].safeParse(data);
  if (!parsed.success)
    throw new VigilError(ErrorCode.BAD_REQUEST, `malformed ${name} job payload: ${parsed.error.message}`);
  return parsed.data;
}
