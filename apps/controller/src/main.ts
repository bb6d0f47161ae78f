import { ControllerConfig, controllerConfigSchema, createLogger, loadConfig } from '@vigil/config';
import { isVigilError } from '@vigil/contracts';
import { startController } from './bootstrap';

async function main(): Promise<void> {
  let config: ControllerConfig;
  let ignoredEnv: readonly string[] = [];
  try {
    config = loadConfig(controllerConfigSchema, { onIgnoredEnv: (names) => (ignoredEnv = names) });
  } catch (err) {
    process.stderr.write(`vigil-controller: ${isVigilError(err) ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'vigil-controller', ...config.log });
  if (ignoredEnv.length > 0)
    logger.warn({ variables: ignoredEnv }, 'environment variables that name no config key were ignored');
  try {
    const controller = await startController({ config, logger });
    // One owner of shutdown: close the app (its shutdown hooks stop workers and timers), then Redis, so
    // an embedded redis-server never outlives the controller.
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      controller.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (err) {
    logger.fatal({ err }, 'controller failed to start');
    process.exit(1);
  }
}

void main();
