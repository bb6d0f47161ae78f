import { ErrorCode, isVigilError, VigilError } from '@vigil/contracts';
import { judgeDrill, preflightBlockers } from './checks';
import { type DrillCanary, type DrillPhase, type DrillReport, type DrillRequest } from './model';

/** A BMC as the drill drives it. */
export interface DrillBmc {
  status(): Promise<'on' | 'off'>;
  powerOff(): Promise<void>;
  powerOn(): Promise<void>;
}

/** Everything the drill touches, in its own words; the service wires them to Nova, the BMCs and Vigil. */
export interface DrillPorts {
  createServer(spec: {
    name: string;
    flavor: string;
    image: string;
    network?: string;
    zone: string;
    host: string;
    metadata: Record<string, string>;
  }): Promise<string>;
  /** undefined once Nova answers 404. */
  getServer(id: string): Promise<{ status: string; host?: string } | undefined>;
  deleteServer(id: string): Promise<void>;
  serversOnHost(host: string): Promise<Array<{ id: string; name: string }>>;
  evacuations(serverId: string): Promise<number>;
  computeService(
    host: string,
  ): Promise<{ zone?: string; state?: string; status: string; forcedDown: boolean } | undefined>;
  /** Hosts of the segment other than `host` that Nova shows up and enabled. */
  spareHosts(host: string): Promise<string[]>;
  /** Other hosts of the host's segment that have fencing settings. */
  segmentPeers(host: string): Promise<string[]>;
  bmc(host: string): Promise<DrillBmc | undefined>;
  /** Vigil's detection record of the host. */
  detection(host: string): Promise<{ state: string; healthySince?: number; incidentId?: string } | undefined>;
  /** Detection state changes of the host since `since` (epoch ms). */
  detectionTimeline(host: string, since: number): Promise<Array<{ at: number; to: string; reason: string }>>;
  incident(
    id: string,
  ): Promise<{ phase: string; timeline: Array<{ at: string; step: string; message: string }> }>;
  /**
   * The incident Vigil opened for `host` at or after `since` (epoch ms), if any. Read from the incident
   * list, not from the detection record, whose incident id goes once the host turns `maintenance`.
   */
  incidentSince(host: string, since: number): Promise<string | undefined>;
  /**
   * Vigil's own recovery plan for the host as it is now (the canaries on it): whether every move fits
   * the capacity left on the other hosts, and what it could not place.
   */
  recoveryPlan(host: string): Promise<{ fits: boolean; blocked: string[]; warnings: string[] }>;
  /** Accepts a reinstate or throws CONFLICT with the reason it is refused now. */
  reinstate(host: string, why: string): Promise<void>;
  /** True when `drill.failCommands` has it. */
  hasFailCommand(name: string): boolean;
  runFailCommand(name: string, host: string): Promise<void>;
  save(report: DrillReport): Promise<void>;
  abortRequested(id: string): Promise<boolean>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface DrillTiming {
  pollMs: number;
  /** Longest a step may go without progress (boot, incident, repair, delete) before the drill gives up. */
  stallTimeoutMs: number;
}

class DrillAborted extends Error {}

/**
 * One drill from preflight to report. Every step is recorded before it is taken, so an abort or an error
 * at any point knows what exists: cleanup deletes the canaries, powers the host back on only if Vigil has
 * not opened an incident for it (then the recovery is Vigil's to finish), and lists what it left behind.
 */
export class DrillRunner {
  private powerChanged = false;

  constructor(
    private readonly ports: DrillPorts,
    private readonly timing: DrillTiming,
    readonly report: DrillReport,
    private readonly request: DrillRequest,
  ) {}

  static newReport(id: string, request: DrillRequest, now: number): DrillReport {
    const { confirm: _typedBack, ...shown } = request;
    return {
      id,
      host: request.host,
      request: shown,
      phase: 'preflight',
      outcome: 'running',
      startedAt: now,
      canaries: [],
      timeline: [],
      checks: [],
      figures: {},
      leftBehind: [],
    };
  }

  async run(): Promise<DrillReport> {
    try {
      const blockers = await this.preflight();
      if (blockers.length > 0) return await this.finish('refused', `refused: ${blockers.join('; ')}`);
      await this.boot();
      await this.fail();
      await this.follow();
      await this.check();
      if (this.request.leaveFailed) {
        this.report.leftBehind.push(
          `${this.request.host} left failed as asked (powered off, forced down, disabled, on maintenance): power it on and run vigil reinstate ${this.request.host}`,
          ...this.report.canaries.map((c) => `canary ${c.name} (${c.id}) on ${c.host ?? '?'}`),
        );
      } else {
        await this.repair();
        await this.deleteCanaries();
      }
      const ok = this.report.checks.every((c) => c.ok);
      return await this.finish(ok ? 'passed' : 'failed', ok ? undefined : 'some checks failed');
    } catch (err) {
      const aborted = err instanceof DrillAborted;
      const reason = aborted ? 'aborted by the operator' : `error: ${(err as Error).message}`;
      await this.event(aborted ? 'abort requested: cleaning up' : `${reason}: cleaning up`);
      await this.cleanUp();
      return this.finish(aborted ? 'aborted' : 'error', reason);
    }
  }

  // ---- steps -----------------------------------------------------------------------------------

  private async preflight(): Promise<string[]> {
    const { host } = this.request;
    await this.event(`preflight of ${host}`);
    const bmc = await this.ports.bmc(host);
    const power = bmc
      ? await bmc.status().catch((err: unknown) => `unreachable: ${(err as Error).message}`)
      : undefined;
    const service = await this.ports.computeService(host);
    const detection = await this.ports.detection(host);
    const others = await this.ports.serversOnHost(host);
    const failure = this.request.failure;
    const blockers = preflightBlockers({
      host,
      confirm: this.request.confirm,
      power,
      compute: service,
      detectionState: detection?.state,
      spareHosts: await this.ports.spareHosts(host),
      otherInstances: others.map((s) => s.name),
      allowOtherInstances: this.request.allowOtherInstances,
      failure:
        failure.kind === 'power-off'
          ? failure
          : { ...failure, known: this.ports.hasFailCommand(failure.name) },
    });
    await this.event(
      blockers.length === 0
        ? `preflight passed: BMC ${power}, nova-compute ${service?.state}/${service?.status}, monitor ${detection?.state}`
        : `preflight refused: ${blockers.length} blocker(s)`,
    );
    return blockers;
  }

  private async boot(): Promise<void> {
    const { host } = this.request;
    await this.enter('booting');
    const zone = (await this.ports.computeService(host))?.zone ?? 'nova';
    for (let i = 1; i <= this.request.canaries; i++) {
      const name = `vigil-drill-${this.report.id.slice(0, 8)}-${i}`;
      await this.checkAbort();
      const id = await this.ports.createServer({
        name,
        flavor: this.request.flavor,
        image: this.request.image,
        network: this.request.network,
        zone,
        host,
        metadata: { vigil_drill: this.report.id },
      });
      this.report.canaries.push({ id, name, deleted: false });
      await this.save();
    }
    await this.event(`${this.request.canaries} canaries requested on ${host} (${zone}:${host})`);
    await this.waitUntil('canaries ACTIVE on the host', async () => {
      const seen = await Promise.all(this.report.canaries.map((c) => this.refresh(c)));
      const broken = this.report.canaries.filter((c) => c.status === 'ERROR');
      if (broken.length > 0)
        throw new VigilError(
          ErrorCode.CONFLICT,
          `canaries in ERROR: ${broken.map((c) => c.name).join(', ')}`,
        );
      return seen.every((c) => c.status === 'ACTIVE' && c.host === host);
    });
    await this.event(`all ${this.request.canaries} canaries ACTIVE on ${host}`);
    // Spare capacity, asked of the planner recovery itself uses, with the canaries' real flavor.
    const plan = await this.ports.recoveryPlan(host);
    if (!plan.fits || plan.blocked.length > 0)
      throw new VigilError(
        ErrorCode.CONFLICT,
        `no spare capacity for the canaries on the other hosts: ${[...plan.blocked, ...plan.warnings].join('; ') || 'the plan does not fit'}`,
      );
    await this.event(`recovery plan fits: every canary has room on another host`);
  }

  private async fail(): Promise<void> {
    const { host, failure } = this.request;
    await this.enter('failing');
    this.otherPowerBefore = await this.otherPower();
    await this.checkAbort();
    this.report.failedAt = this.ports.now();
    this.powerChanged = true;
    if (failure.kind === 'power-off') {
      const bmc = await this.ports.bmc(host);
      if (!bmc) throw new VigilError(ErrorCode.CONFIG_INVALID, `no fencing configured for ${host}`);
      await bmc.powerOff();
      await this.event(`failure injected: ${host} powered off through its BMC`);
    } else {
      await this.ports.runFailCommand(failure.name, host);
      await this.event(`failure injected: fail command "${failure.name}" ran for ${host}`);
    }
  }

  private otherPowerBefore: Array<{ host: string; power: string }> = [];

  private async otherPower(): Promise<Array<{ host: string; power: string }>> {
    const peers = await this.ports.segmentPeers(this.request.host);
    return Promise.all(
      peers.map(async (host) => {
        const bmc = await this.ports.bmc(host);
        const power = bmc
          ? await bmc.status().catch((e: unknown) => `unreachable: ${(e as Error).message}`)
          : 'none';
        return { host, power };
      }),
    );
  }

  private async follow(): Promise<void> {
    const { host } = this.request;
    await this.enter('following');
    const failedAt = this.report.failedAt ?? this.ports.now();
    const seenSteps = new Set<string>();
    let verdictSeen = false;
    await this.waitUntil('the incident settled and every canary settled', async () => {
      if (!verdictSeen) {
        const verdict = (await this.ports.detectionTimeline(host, failedAt)).find((t) => t.to === 'failed');
        if (verdict) {
          verdictSeen = true;
          this.report.figures.verdictS = round((verdict.at - failedAt) / 1000);
          await this.event(`detection verdict: failed (${verdict.reason})`, verdict.at);
        }
      }
      if (!this.report.incidentId) {
        const incidentId = await this.ports.incidentSince(host, failedAt);
        if (incidentId) {
          this.report.incidentId = incidentId;
          await this.event(`incident ${incidentId} opened`);
        }
      }
      let settled = false;
      if (this.report.incidentId) {
        const incident = await this.ports.incident(this.report.incidentId);
        for (const step of incident.timeline) {
          const key = `${step.at} ${step.step} ${step.message}`;
          if (seenSteps.has(key)) continue;
          seenSteps.add(key);
          const at = Date.parse(step.at);
          if (step.step === 'fence' && /read back off|confirmed/.test(step.message))
            this.report.figures.fencedS ??= round((at - failedAt) / 1000);
          await this.event(`incident: ${step.step}: ${step.message}`, at);
        }
        settled = ['finished', 'failed', 'ignored', 'error'].includes(incident.phase);
      }
      for (const canary of this.report.canaries) {
        const before = canary.activeElsewhereAfterS;
        await this.refresh(canary);
        if (before === undefined && canary.status === 'ACTIVE' && canary.host && canary.host !== host) {
          canary.activeElsewhereAfterS = round((this.ports.now() - failedAt) / 1000);
          await this.event(`${canary.name} ACTIVE on ${canary.host}`);
        }
      }
      const times = this.report.canaries.map((c) => c.activeElsewhereAfterS);
      if (times.every((t): t is number => t !== undefined) && times.length > 0) {
        this.report.figures.allActiveElsewhereS ??= Math.max(...times);
        this.report.figures.firstActiveElsewhereS ??= Math.min(...times);
      }
      return settled;
    });
  }

  private async check(): Promise<void> {
    await this.enter('checking');
    const { host } = this.request;
    const canaries = await Promise.all(
      this.report.canaries.map(async (c) => {
        await this.refresh(c);
        c.evacuations = await this.ports.evacuations(c.id);
        return { id: c.id, name: c.name, status: c.status, host: c.host, evacuations: c.evacuations };
      }),
    );
    const after = await this.otherPower();
    const incident = this.report.incidentId ? await this.ports.incident(this.report.incidentId) : undefined;
    this.report.checks = judgeDrill({
      failedHost: host,
      canaries,
      service: await this.ports.computeService(host),
      otherBmcs: this.otherPowerBefore.map((b) => ({
        host: b.host,
        before: b.power,
        after: after.find((a) => a.host === b.host)?.power ?? 'unknown',
      })),
      incident:
        incident && this.report.incidentId
          ? { id: this.report.incidentId, phase: incident.phase }
          : undefined,
    });
    await this.event(
      `checks: ${this.report.checks.filter((c) => c.ok).length}/${this.report.checks.length} passed`,
    );
  }

  private async repair(): Promise<void> {
    const { host } = this.request;
    await this.enter('repairing');
    await this.powerOnIfOff();
    await this.waitUntil(`${host} heartbeating healthy again`, async () => {
      const d = await this.ports.detection(host);
      return d?.state === 'up' || (d?.state === 'maintenance' && d.healthySince !== undefined);
    });
    await this.event(`${host} heartbeating healthy (in maintenance)`);
    await this.enter('reinstating');
    let lastRefusal = '';
    await this.waitUntil(`reinstate of ${host} accepted`, async () => {
      try {
        await this.ports.reinstate(host, `failover drill ${this.report.id}`);
        return true;
      } catch (err) {
        if (!isVigilError(err) || err.code !== ErrorCode.CONFLICT) throw err;
        if (err.message !== lastRefusal) await this.event(`reinstate refused for now: ${err.message}`);
        lastRefusal = err.message;
        return false;
      }
    });
    await this.event(`reinstate of ${host} accepted`);
    await this.waitUntil(`${host} back in service`, async () => {
      const s = await this.ports.computeService(host);
      const d = await this.ports.detection(host);
      return s?.status === 'enabled' && !s.forcedDown && s.state === 'up' && d?.state === 'up';
    });
    this.powerChanged = false;
    await this.event(`${host} back in service: nova-compute up and enabled, detection up`);
  }

  private async deleteCanaries(): Promise<void> {
    await this.enter('deleting');
    await this.deleteAll();
    await this.event(`canaries deleted`);
  }

  // ---- cleanup -----------------------------------------------------------------------------------

  /** After an abort or an error: delete what the drill created, undo its failure when that is safe. */
  private async cleanUp(): Promise<void> {
    await this.enter('cleaning-up');
    const { host } = this.request;
    try {
      await this.deleteAll();
    } catch (err) {
      await this.event(`cleanup: deleting canaries failed: ${(err as Error).message}`);
    }
    for (const c of this.report.canaries)
      if (!c.deleted) this.report.leftBehind.push(`canary ${c.name} (${c.id}) could not be deleted`);
    if (!this.powerChanged) return;
    const incidentId =
      this.report.incidentId ??
      (await this.ports.incidentSince(host, this.report.failedAt ?? 0).catch(() => undefined));
    if (incidentId) {
      this.report.leftBehind.push(
        `${host} failed by the drill; Vigil's incident ${incidentId} owns it now: when it has finished, power ${host} on and run vigil reinstate ${host}`,
      );
      return;
    }
    try {
      await this.powerOnIfOff();
      await this.event(`cleanup: ${host} powered on again (no incident had been opened)`);
      if (this.request.failure.kind === 'command')
        this.report.leftBehind.push(
          `${host} was failed by the fail command "${this.request.failure.name}": the drill cannot undo a command; check the host`,
        );
    } catch (err) {
      this.report.leftBehind.push(
        `${host} failed by the drill and could not be powered on: ${(err as Error).message}`,
      );
    }
  }

  private async deleteAll(): Promise<void> {
    const live = this.report.canaries.filter((c) => !c.deleted);
    for (const c of live) await this.ports.deleteServer(c.id).catch(ignoreNotFound);
    await this.waitUntil(
      'canaries deleted',
      async () => {
        for (const c of live)
          if (!c.deleted && (await this.ports.getServer(c.id)) === undefined) c.deleted = true;
        return live.every((c) => c.deleted);
      },
      false,
    );
  }

  private async powerOnIfOff(): Promise<void> {
    const { host } = this.request;
    const bmc = await this.ports.bmc(host);
    if (!bmc) return;
    if ((await bmc.status()) === 'off') {
      await bmc.powerOn();
      await this.event(`${host} powered on through its BMC`);
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------------

  private async refresh(c: DrillCanary): Promise<DrillCanary> {
    const s = await this.ports.getServer(c.id);
    c.status = s?.status ?? 'DELETED';
    c.host = s?.host;
    return c;
  }

  private async waitUntil(what: string, done: () => Promise<boolean>, abortable = true): Promise<void> {
    let last = this.ports.now();
    let lastProgress = '';
    for (;;) {
      if (abortable) await this.checkAbort();
      if (await done()) return;
      const progress = JSON.stringify([this.report.timeline.length, this.report.canaries]);
      if (progress !== lastProgress) {
        lastProgress = progress;
        last = this.ports.now();
        await this.save();
      }
      if (this.ports.now() - last > this.timing.stallTimeoutMs)
        throw new VigilError(
          ErrorCode.TIMEOUT,
          `no progress towards "${what}" for ${Math.round(this.timing.stallTimeoutMs / 1000)} s`,
        );
      await this.ports.sleep(this.timing.pollMs);
    }
  }

  private async checkAbort(): Promise<void> {
    if (await this.ports.abortRequested(this.report.id)) {
      this.report.abortRequested = true;
      throw new DrillAborted('aborted');
    }
  }

  private async enter(phase: DrillPhase): Promise<void> {
    this.report.phase = phase;
    await this.save();
  }

  private async event(what: string, at = this.ports.now()): Promise<void> {
    const failedAt = this.report.failedAt;
    this.report.timeline.push({
      at,
      ...(failedAt === undefined ? {} : { sinceFailureS: round((at - failedAt) / 1000) }),
      what,
    });
    await this.save();
  }

  private async finish(outcome: DrillReport['outcome'], reason?: string): Promise<DrillReport> {
    this.report.outcome = outcome;
    if (reason) this.report.reason = reason;
    this.report.phase = 'done';
    this.report.finishedAt = this.ports.now();
    // Events are appended as the drill learns of them; the report reads in the order they happened.
    this.report.timeline.sort((a, b) => a.at - b.at);
    await this.save();
    return this.report;
  }

  private save(): Promise<void> {
    return this.ports.save(this.report);
  }
}

const round = (s: number): number => Math.round(s * 100) / 100;

function ignoreNotFound(err: unknown): void {
  if (isVigilError(err) && err.code === ErrorCode.NOT_FOUND) return;
  throw err;
}
