import { randomUUID } from 'node:crypto';
import { type HostMonitorConfig, type Logger } from '@vigil/config';
import { type InstanceWatchStats, InstanceWatch } from './instances/instance-watch';
import { loadHostSecret, readBootId } from './identity';
import { PeerListener } from './peers/peer-listener';
import { PeerWitness } from './peers/peer-witness';
import { CommandRunner } from './platform/command-runner';
import { ComponentMonitor } from './probes/component-monitor';
import { buildComponentProbes } from './probes/registry';
import {
  type Clock,
  ControllerLink,
  FetchTransport,
  HeartbeatBuilder,
  HeartbeatLoop,
  type HeartbeatStats,
  type HttpTransport,
  type MonitorIdentity,
  systemClock,
} from '@vigil/heartbeat';

/** What the monitor runs with besides its config; every field has a production default. */
export interface HostMonitorDeps {
  clock: Clock;
  transport: HttpTransport;
  /** Environment given (minus VIGIL_MONITOR_*) to probe commands and the event stream. */
  env: NodeJS.ProcessEnv;
  procRoot: string;
}

export interface HostMonitor {
  readonly identity: MonitorIdentity;
  /** Port the peer listener is bound to (resolves `peerListen.port: 0`); undefined when disabled. */
  readonly peerPort: number | undefined;
  stats(): { heartbeats: HeartbeatStats; instanceEvents?: InstanceWatchStats };
  /**
   * Stops every loop, the event stream and the peer listener; resolves when all have ended. With
   * `goingDown` (the host itself is shutting down) a last-gasp heartbeat is sent once after the loops.
   */
  stop(options?: { goingDown?: boolean }): Promise<void>;
  /** True while systemd shuts the host down (`systemctl is-system-running` says `stopping`). */
  systemStopping(): Promise<boolean>;
}

/**
 * Starts the agent: one probe round first (so the first heartbeat carries real statuses), then the probe,
 * heartbeat, peer and instance-event loops until `stop()`. Never touches Redis; talks only to the controller.
 */
export async function startHostMonitor(
  config: HostMonitorConfig,
  logger: Logger,
  deps: Partial<HostMonitorDeps> = {},
): Promise<HostMonitor> {
  const clock = deps.clock ?? systemClock;
  const secret = await loadHostSecret(config, logger);
  const identity: MonitorIdentity = {
    host: config.host,
    bootId: await readBootId(config.bootIdFile),
    runId: randomUUID(),
  };
  const runner = new CommandRunner(deps.env ?? process.env);
  const link = new ControllerLink(
    {
      host: config.host,
      secret,
      urls: config.controllerUrls,
      requestTimeoutMs: config.requestTimeoutMs,
      spread: config.spreadControllers,
    },
    deps.transport ?? new FetchTransport(),
    clock,
    logger.child({ part: 'controller-link' }),
  );

  const components = new ComponentMonitor(
    buildComponentProbes(config.probes, { runner, procRoot: deps.procRoot }),
    config.probeIntervalMs ?? config.intervalMs,
    clock,
    logger.child({ part: 'probes' }),
  );
  const peers = new PeerWitness(
    config.peers,
    config.peerProbeIntervalMs,
    config.peerProbeTimeoutMs,
    clock,
    logger.child({ part: 'peers' }),
  );
  const heartbeats = new HeartbeatLoop(
    new HeartbeatBuilder(identity, config.intervalMs, clock),
    link,
    { components: () => components.snapshot(), peers: () => peers.snapshot() },
    config.intervalMs,
    clock,
    logger.child({ part: 'heartbeat' }),
  );
  const instances = config.instanceWatch.enabled
    ? new InstanceWatch(
        config.instanceWatch,
        identity,
        runner,
        link,
        clock,
        logger.child({ part: 'instances' }),
      )
    : undefined;

  const listener = config.peerListen.enabled
    ? new PeerListener(config.peerListen.host, config.peerListen.port, config.host)
    : undefined;
  const peerPort = await listener?.start();

  await Promise.all([components.probeAll(), peers.probeAll()]);

  const abort = new AbortController();
  const guard = (name: string, task: Promise<void>): Promise<void> =>
    task.catch((err: unknown) => logger.error({ err, loop: name }, 'monitor loop crashed'));
  const tasks = [
    guard('probes', components.run(abort.signal)),
    guard('heartbeat', heartbeats.run(abort.signal)),
    guard('peers', peers.run(abort.signal)),
    ...(instances ? [guard('instances', instances.run(abort.signal))] : []),
  ];
  logger.info(
    {
      host: identity.host,
      bootId: identity.bootId,
      runId: identity.runId,
      controllers: config.controllerUrls,
      components: Object.keys(config.probes),
      peers: config.peers.map((p) => p.host),
      peerPort,
      instanceWatch: config.instanceWatch.enabled,
    },
    'host monitor started',
  );

  return {
    identity,
    peerPort,
    stats: () => ({
      heartbeats: { ...heartbeats.stats },
      ...(instances ? { instanceEvents: { ...instances.stats } } : {}),
    }),
    stop: async (options) => {
      abort.abort();
      await Promise.all(tasks);
      if (options?.goingDown) {
        const accepted = await heartbeats.lastGasp();
        logger.info({ accepted }, 'last-gasp heartbeat sent: the host is shutting down');
      }
      await listener?.stop();
      logger.info('host monitor stopped');
    },
    systemStopping: async () => {
      const result = await runner.run(['systemctl', 'is-system-running'], 1000);
      // A monitor restarted by systemd or an upgrade is not the host going down: only `stopping` is.
      return result.kind === 'exited' && result.stdout.trim() === 'stopping';
    },
  };
}
