import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

const flavorSchema = z
  .object({
    name: z.string().min(1),
    vcpus: z.number().int().min(1),
    ramMb: z.number().int().min(1),
    diskGb: z.number().int().min(0),
  })
  .strict();

/**
 * A simulated cloud: its size, timings and seed. Every key has a default, so `{}` is a small
 * working cloud; the CLI's flags override the same keys.
 */
export const scenarioSchema = z
  .object({
    /** Seeds placement and metadata, so a scenario always builds the same cloud. Default 1. */
    seed: z.number().int().default(1),
    /** Compute hosts, named `cmp-0001`... Default 8. */
    hosts: z.number().int().min(1).max(20_000).default(8),
    /** Hosts per rack (racks can be partitioned as a whole). Default 4. */
    hostsPerRack: z.number().int().min(1).default(4),
    /** Masakari segments the hosts are split into (round robin by rack). Default 2. */
    segments: z.number().int().min(1).default(2),
    /** Hosts of each segment registered as reserved (kept empty). Default 1. */
    reservedPerSegment: z.number().int().min(0).default(1),
    /** Instances placed by a capacity-respecting scheduler on non-reserved hosts. Default 40. */
    instances: z.number().int().min(0).max(500_000).default(40),
    /** Share of instances with `HA_Enabled=True`, percent. Default 100. */
    haEnabledPercent: z.number().min(0).max(100).default(100),
    /** Share of instances that are stopped (SHUTOFF), percent. Default 10. */
    stoppedPercent: z.number().min(0).max(100).default(10),
    host: z
      .object({
        vcpus: z.number().int().min(1).default(64),
        memoryMb: z.number().int().min(1).default(262_144),
        localGb: z.number().int().min(1).default(4_000),
      })
      .strict()
      .default({ vcpus: 64, memoryMb: 262_144, localGb: 4_000 }),
    flavors: z
      .array(flavorSchema)
      .min(1)
      .default([
        { name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20 },
        { name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 40 },
        { name: 'm1.large', vcpus: 4, ramMb: 8192, diskGb: 80 },
      ]),
    timing: z
      .object({
        /** Heartbeat interval of every simulated monitor, ms. Default 1000. */
        heartbeatIntervalMs: z.number().int().min(50).default(1000),
        /** Nova `service_down_time`, ms. Default 60000 (Nova's default). */
        serviceDownTimeMs: z.number().int().min(100).default(60_000),
        /** Nova `report_interval`: how often each nova-compute advances its `updated_at`, ms. Default 10000 (Nova's default). */
        reportIntervalMs: z.number().int().min(50).default(10_000),
        /** Evacuate call to instance settled on its new host, ms. Default 1500. */
        rebuildMs: z.number().int().min(0).default(1_500),
        /** Instance settled to migration done, ms. Default 20. */
        hostSwitchMs: z.number().int().min(0).default(20),
        /** Latency added to every Nova API answer, ms. Default 0. */
        novaApiLatencyMs: z.number().int().min(0).default(0),
      })
      .strict()
      .default({
        heartbeatIntervalMs: 1000,
        serviceDownTimeMs: 60_000,
        reportIntervalMs: 10_000,
        rebuildMs: 1_500,
        hostSwitchMs: 20,
        novaApiLatencyMs: 0,
      }),
    /** Port of the injection API (default 15870; 0 picks a free one); Keystone, Nova and the BMCs always take free ones. */
    ports: z
      .object({
        api: z.number().int().min(0).max(65535).default(15870),
      })
      .strict()
      .default({ api: 15870 }),
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type SimFlavor = z.output<typeof flavorSchema>;

export function parseScenario(input: unknown): Scenario {
  const result = scenarioSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(scenario)'}: ${i.message}`);
  throw new VigilError(ErrorCode.BAD_REQUEST, `Invalid scenario: ${problems.join('; ')}`, { problems });
}
