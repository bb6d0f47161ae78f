import { z } from 'zod';

/** Only the fields we act on; BMCs add plenty of vendor keys, so objects are loose. */
const odataRef = z.looseObject({ '@odata.id': z.string().startsWith('/') });

export const serviceRootSchema = z.looseObject({
  Systems: odataRef,
  Links: z.looseObject({ Sessions: odataRef.optional() }).optional(),
});

export const systemCollectionSchema = z.looseObject({
  Members: z.array(odataRef),
});

export const RESET_ACTION = '#ComputerSystem.Reset';

export const computerSystemSchema = z.looseObject({
  PowerState: z.enum(['On', 'Off', 'PoweringOn', 'PoweringOff', 'Paused']),
  Actions: z.looseObject({
    [RESET_ACTION]: z.looseObject({
      target: z.string().min(1),
      'ResetType@Redfish.AllowableValues': z.array(z.string()).optional(),
    }),
  }),
});

export type ComputerSystem = z.infer<typeof computerSystemSchema>;
export type RedfishPowerState = ComputerSystem['PowerState'];

export const redfishErrorSchema = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
});
