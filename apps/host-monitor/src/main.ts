import { createLogger, hostMonitorConfigSchema, loadConfig, type HostMonitorConfig } from '@vigil/config';
import { isVigilError } from '@vigil/contracts';
import { startHostMonitor } from './host-monitor';

async function main(): Promise<void> {
  let config: HostMonitorConfig;
  let ignoredEnv: readonly string[] = [];
  try {
    config = loadConfig(hostMonitorConfigSchema, {
      envPrefix: 'VIGIL_MONITOR_',
      onIgnoredEnv: (names) => (ignoredEnv = names),
    });
  } catch (err) {
    process.stderr.write(`vigil-host-monitor: ${isVigilError(err) ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'vigil-host-monitor', ...config.log });
  if (ignoredEnv.length > 0)
    logger.warn({ variables: ignoredEnv }, 'environment variables that name no config key were ignored');
  try {
    const monitor = await startHostMonitor(config, logger);
    const shutdown = async (signal: string): Promise<void> => {
      const goingDown = await monitor.systemStopping();
      logger.info({ signal, goingDown }, 'shutting down');
      await monitor.stop({ goingDown }).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  } catch (err) {
    logger.fatal({ err }, 'host monitor failed to start');
    process.exit(isVigilError(err) ? 2 : 1);
  }
}

void main();
