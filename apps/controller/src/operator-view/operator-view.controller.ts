import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { type ControllerConfig, type Logger, registerSecret } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { authorize, Public, unauthorized } from '../api/auth';
import { OutsideApi } from '../api/openapi/api-doc.decorator';
import { DetectionStore } from '../detection/detection-store';
import { FailureDomainMap } from '../detection/failure-domain-map';
import { IncidentEventPublisher } from '../events/incident-event-publisher';
import { HostService, SegmentService } from '../inventory';
import { IntakeStore } from '../intake/intake-store';
import { OpenStackClients } from '../platform/openstack-clients';
import { CONFIG, LOGGER, OPENSTACK } from '../platform/tokens';
import { RecoveryLifecycle } from '../recovery/recovery-lifecycle';
import { issueTokenWithPassword } from './keystone-sign-in';
import { type Fleet, type FleetHost } from './fleet';
import { findUiDir, loadStaticFiles, type StaticFile } from './static-files';
import { SESSION_COOKIE, SESSION_MAX_AGE_MS, UiSessionStore } from './session-store';

const signInSchema = z.union([
  z.object({ token: z.string().min(1).max(8192) }).strict(),
  z
    .object({
      username: z.string().min(1).max(255),
      password: z.string().min(1).max(4096),
      project: z.string().min(1).max(255),
      domain: z.string().min(1).max(255).default('Default'),
    })
    .strict(),
]);

/** How often the live stream compares host states and incidents with what it last sent. */
const LIVE_POLL_MS = 500;
const LIVE_KEEPALIVE_MS = 15_000;

/**
 * The operator view: its page under `/ui/`, its session (sign-in/out) and two reads made for the page
 * (the whole fleet in one answer, and a live stream). Everything the page changes goes through the
 * existing API routes with the session standing in for the token (see UiSessionMiddleware).
 */
@OutsideApi()
@Controller('ui')
export class OperatorViewController {
  private readonly files: Map<string, StaticFile>;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OPENSTACK) private readonly openstack: OpenStackClients,
    private readonly sessions: UiSessionStore,
    private readonly detection: DetectionStore,
    private readonly domains: FailureDomainMap,
    private readonly intake: IntakeStore,
    private readonly segments: SegmentService,
    private readonly hosts: HostService,
    private readonly events: IncidentEventPublisher,
    private readonly moduleRef: ModuleRef,
  ) {
    const dir = findUiDir();
    this.files = loadStaticFiles(dir);
    if (!dir) logger.warn('operator view not built (no dist/ui/index.html); /ui/ answers 404');
  }

  @Post('api/session')
  @Public()
  @HttpCode(201)
  async signIn(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const parsed = signInSchema.safeParse(body ?? {});
    if (!parsed.success)
      throw new VigilError(
        ErrorCode.BAD_REQUEST,
        'Sign in with {token} or {username, password, project[, domain]}.',
      );
    const input = parsed.data;
    let token: string;
    let identity: { user: string; project: string; roles: string[]; expiresAt: number };
    if (this.config.auth.strategy === 'noauth') {
      token = 'noauth';
      identity = {
        user: 'noauth',
        project: 'noauth',
        roles: [this.config.auth.requiredRole],
        expiresAt: Infinity,
      };
    } else {
      const keystone = this.config.keystone;
      const session = this.openstack.session;
      if (!keystone || !session) throw new VigilError(ErrorCode.UNAVAILABLE, 'Keystone is not configured.');
      token =
        'token' in input
          ? input.token
          : await issueTokenWithPassword(keystone.authUrl, input, keystone.timeoutMs);
      registerSecret(token);
      const info = await session.validateToken(token);
      if (!info) throw unauthorized();
      identity = {
        user: info.userName ?? info.userId,
        project: info.projectName ?? info.projectId ?? '',
        roles: [...info.roles],
        expiresAt: info.expiresAtMs,
      };
    }
    const expiresAt = Math.min(identity.expiresAt, Date.now() + SESSION_MAX_AGE_MS);
    const { id, session } = await this.sessions.create({ token, ...identity, expiresAt });
    if (req.uiSession) await this.sessions.delete(req.uiSession.id);
    res.cookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: expiresAt - Date.now(),
    });
    this.logger.info({ user: session.user, project: session.project }, 'operator view: signed in');
    return { session: this.sessionView(session) };
  }

  @Get('api/session')
  whoAmI(@Req() req: Request) {
    const s = req.uiSession?.session;
    if (!s) throw unauthorized();
    return { session: this.sessionView(s) };
  }

  @Delete('api/session')
  @HttpCode(204)
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (req.uiSession) await this.sessions.delete(req.uiSession.id);
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });
  }

  @Get('api/fleet')
  async fleet(@Req() req: Request) {
    authorize(req, this.config, 'vigil:detection:show');
    return { fleet: await this.readFleet() };
  }

  /**
   * Server-Sent Events: `hosts` (records that changed), `transitions` (each state change, from the
   * detection timeline), `incidents` (the list, when it changed), `incident` (the incident CloudEvents
   * this replica publishes). Host states and incidents are read from Redis, so the stream is the same on
   * every replica and after a restart; the CloudEvents only make the page react sooner.
   */
  @Get('api/events')
  async live(@Req() req: Request, @Res() res: Response): Promise<void> {
    authorize(req, this.config, 'vigil:detection:show');
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = (event: string, data: unknown): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const hostStates = new Map<string, string>();
    const lastTransitionAt = new Map<string, number>();
    const transitionsOf: string[] = [];
    const startedAt = Date.now();
    let firstTickDone = false;
    let incidentsSeen = '';
    let busy = false;
    const expiresAt = req.uiSession?.session.expiresAt ?? Infinity;
    const tick = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        if (Date.now() >= expiresAt) {
          send('signed-out', { reason: 'session expired' });
          res.end();
          return;
        }
        const records = await this.detection.readRecords();
        const changed = [];
        for (const r of records.values()) {
          const key = `${r.state}|${r.since}|${r.incidentId ?? ''}|${r.failedComponents.join(',')}`;
          if (hostStates.get(r.host) === key) continue;
          const known = hostStates.has(r.host);
          hostStates.set(r.host, key);
          changed.push({
            name: r.host,
            state: r.state,
            since: r.since,
            incidentId: r.incidentId,
            failedComponents: r.failedComponents,
          });
          if (known && firstTickDone) transitionsOf.push(r.host);
        }
        if (changed.length > 0) send('hosts', changed);
        // Every transition since the last tick, from the host's timeline: a state held for less than a
        // tick (failed, on its way to fenced) still reaches the page.
        for (const host of transitionsOf.splice(0)) {
          const after = lastTransitionAt.get(host) ?? startedAt;
          const entries = (await this.detection.readTimeline(host, 20)).filter((t) => t.at > after).reverse();
          if (entries.length === 0) continue;
          lastTransitionAt.set(host, entries[entries.length - 1]?.at ?? after);
          send(
            'transitions',
            entries.map((t) => ({ host, at: t.at, from: t.from, to: t.to, reason: t.reason })),
          );
        }
        firstTickDone = true;
        const engine = this.moduleRef.get(RecoveryLifecycle, { strict: false }).runtime?.engine;
        const incidents = engine ? await engine.list(50) : [];
        const fingerprint = JSON.stringify(incidents.map((i) => [i.id, i.status, i.phase, i.updatedAt]));
        if (fingerprint !== incidentsSeen) {
          incidentsSeen = fingerprint;
          send('incidents', incidents);
        }
      } catch (err) {
        this.logger.debug({ err }, 'operator view: live poll failed; next tick retries');
      } finally {
        busy = false;
      }
    };
    const untap = this.events.tap((event) => send('incident', event));
    const poll = setInterval(() => void tick(), LIVE_POLL_MS);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), LIVE_KEEPALIVE_MS);
    const stop = (): void => {
      clearInterval(poll);
      clearInterval(keepalive);
      untap();
    };
    req.on('close', stop);
    res.on('close', stop);
    await tick();
  }

  @Get()
  @Public()
  index(@Res() res: Response): void {
    this.serve('index.html', res);
  }

  @Get('*')
  @Public()
  asset(@Req() req: Request, @Res() res: Response): void {
    const rel = req.path.replace(/^\/ui\/?/, '');
    this.serve(rel === '' || (!this.files.has(rel) && !rel.includes('.')) ? 'index.html' : rel, res);
  }

  private serve(rel: string, res: Response): void {
    const file = this.files.get(rel);
    if (!file) throw new VigilError(ErrorCode.NOT_FOUND, 'No such file in the operator view.');
    res.setHeader('Content-Type', file.type);
    res.setHeader('Cache-Control', rel === 'index.html' ? 'no-cache' : 'public, max-age=300');
    res.end(file.body);
  }

  private sessionView(s: {
    user: string;
    project: string;
    roles: string[];
    csrf: string;
    expiresAt: number;
  }) {
    return {
      user: s.user,
      project: s.project,
      roles: s.roles,
      admin: s.roles.includes(this.config.auth.requiredRole),
      csrfToken: s.csrf,
      expiresAt: Number.isFinite(s.expiresAt) ? new Date(s.expiresAt).toISOString() : null,
    };
  }

  private async readFleet(): Promise<Fleet> {
    const [segments, records, sightings, guards] = await Promise.all([
      this.segments.list({}, { limit: 100_000, sort: [] }),
      this.detection.readRecords(),
      this.intake.readAll(),
      this.detection.readGuards(),
    ]);
    const hosts: FleetHost[] = [];
    for (const segment of segments) {
      for (const { host } of await this.hosts.list(segment.uuid, {}, { limit: 100_000, sort: [] })) {
        const r = records.get(host.name);
        const hb = sightings.get(host.name);
        const failureDomain = this.domains.of(host.name);
        hosts.push({
          name: host.name,
          uuid: host.uuid,
          segment: segment.uuid,
          ...(failureDomain !== undefined ? { failureDomain } : {}),
          state: r?.state ?? (host.on_maintenance ? 'maintenance' : 'unknown'),
          since: r?.since,
          incidentId: r?.incidentId,
          failedComponents: r?.failedComponents ?? [],
          onMaintenance: host.on_maintenance,
          reserved: host.reserved,
          components: Object.fromEntries(Object.entries(hb?.components ?? {}).map(([k, v]) => [k, v.state])),
          lastHeartbeatAt: hb?.receivedAt,
        });
      }
    }
    return {
      now: Date.now(),
      segments: segments.map((s) => ({ uuid: s.uuid, name: s.name, enabled: s.enabled })),
      hosts,
      guards: [...guards.values()],
    };
  }
}
