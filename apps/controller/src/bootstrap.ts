import 'reflect-metadata';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { stripProjectIdFromUrl, NoAuthValidator, type TokenValidator } from './api/auth';
import { KeystoneTokenValidator } from './api/keystone-token-validator';
import { faultBody } from './api/fault';
import { echoMicroversionOnError, microversionMiddleware } from './api/microversion';
import { accessLog } from './api/access-log';
import { requestIdMiddleware } from './api/request-id';
import { type AlertSource, VigilMetrics } from './health/vigil-metrics';
import { AppModule } from './app.module';
import { applyConnectionLimits, intakeSourceBuckets, sourceRateLimits } from './platform/http-limits';
import { installHeartbeatRoute } from './intake/heartbeat-route';
import { IntakeService } from './intake/intake.service';
import { NestPinoLogger } from './platform/nest-logger';
import { OpenStackClients } from './platform/openstack-clients';
import { RedisConnection } from './platform/redis-connection';
import { REDIS } from './platform/tokens';
import { type RequestObserver } from '@vigil/openstack';
import { type Redis } from '@vigil/redis';

const REDIS_READY_AT_BOOT_MS = 5000;

export interface ControllerApp {
  app: INestApplication;
  redis: RedisConnection;
  /** Base URL the API listens on. */
  url: string;
  close(): Promise<void>;
}

export interface ControllerAppOptions {
  config: ControllerConfig;
  logger: Logger;
  /** Tests inject their own; production builds the Keystone one from config. */
  tokenValidator?: TokenValidator;
}

/** Builds and starts the controller: Redis first, then the HTTP API. Used by main.ts and the tests. */
export async function startController(options: ControllerAppOptions): Promise<ControllerApp> {
  const { config, logger } = options;
  if (config.auth.strategy === 'noauth')
    logger.warn(
      'auth.strategy is noauth: every caller is treated as an admin. Never run this in production.',
    );
  const redis = await RedisConnection.open(config, logger);
  // Nova and Keystone requests are timed from the first; the metric they feed exists once Nest built it.
  const dependencies: { observe?: RequestObserver } = {};
  const openstack = new OpenStackClients(config, logger, (service, outcome, seconds) =>
    dependencies.observe?.(service, outcome, seconds),
  );
  const tokenValidator =
    options.tokenValidator ??
    (config.auth.strategy === 'keystone' && openstack.session
      ? new KeystoneTokenValidator({
          introspector: openstack.session,
          cacheTtlMs: config.auth.tokenCacheTtlMs,
        })
      : new NoAuthValidator());

  const server = express();
  server.disable('x-powered-by');
  server.use(requestIdMiddleware());
  server.use(accessLog(logger));
  server.use(stripProjectIdFromUrl);
  // Version negotiation before the body, as Masakari: a malformed body answers with the version echoed.
  const intakeBuckets = intakeSourceBuckets(config.limits);
  server.use(sourceRateLimits(config.limits, Date.now, intakeBuckets));
  server.use('/v1', microversionMiddleware);
  const malformedAlert: { count?: (source: AlertSource) => void } = {};
  server.use(jsonBody(config.api.maxBodyBytes, malformedAlert));

  const app = await NestFactory.create(
    AppModule.forRoot({ config, logger, redis, tokenValidator, openstack }),
    new ExpressAdapter(server),
    { bodyParser: false, logger: new NestPinoLogger(logger) },
  );
  // Answer the first requests from a connected store rather than 503; a Redis that stays down past this
  // is reported and the API starts anyway (it answers 503 and reconnects).
  const metrics = app.get(VigilMetrics, { strict: false });
  malformedAlert.count = (source) => metrics.alertReceived(source, 'malformed');
  dependencies.observe = (service, outcome, seconds) => metrics.dependencyRequest(service, outcome, seconds);
  if (!(await waitUntilReady(app.get<Redis>(REDIS), REDIS_READY_AT_BOOT_MS)))
    logger.warn({ waitedMs: REDIS_READY_AT_BOOT_MS }, 'Redis not reachable at boot; starting the API anyway');
  const httpServer = app.getHttpServer() as import('node:http').Server;
  if (config.intake.leanHeartbeatRoute)
    installHeartbeatRoute(httpServer, {
      intake: app.get(IntakeService, { strict: false }),
      logger,
      rateLimit: intakeBuckets,
      maxBodyBytes: config.api.maxBodyBytes,
      keystoneUri: config.keystone?.authUrl,
    });
  applyConnectionLimits(httpServer, config.limits);
  await app.listen(config.api.port, config.api.host);
  const address = (app.getHttpServer() as import('node:http').Server).address();
  const port = address && typeof address === 'object' ? address.port : config.api.port;
  const url = `http://${config.api.host}:${port}`;
  logger.info({ url }, `Vigil API listening on ${url}`);
  return {
    app,
    redis,
    url,
    async close() {
      await app.close();
      await redis.close();
    },
  };
}

/** JSON bodies only; parse errors and oversize bodies answer in Masakari's fault format. */
function jsonBody(limitBytes: number, malformedAlert: { count?: (source: AlertSource) => void }) {
  const parser = express.json({
    limit: limitBytes,
    type: () => true,
    strict: false,
    // Signed intake routes verify the HMAC over the exact bytes received, not a re-serialization.
    verify: (req, _res, buf) => {
      (req as Request & { rawBody?: Buffer }).rawBody = buf;
    },
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; status?: number };
      echoMicroversionOnError(req, res);
      if (e.type === 'entity.too.large') {
        res.status(413).json(faultBody(413, `Request is too large (limit ${limitBytes} bytes).`));
        return;
      }
      // A non-JSON alert batch never reaches the webhook: count it here, as the webhook counts bad JSON.
      const webhook = /^\/v1\/webhooks\/(alertmanager|generic)\/?$/.exec(req.path)?.[1] as
        AlertSource | undefined;
      if (webhook) malformedAlert.count?.(webhook);
      res.status(400).json(faultBody(400, 'Malformed request body: the body is not valid JSON.'));
    });
  };
}

function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
