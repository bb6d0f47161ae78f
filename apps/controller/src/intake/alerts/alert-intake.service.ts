import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type ControllerConfig, type Logger, registerSecret } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { VigilMetrics, type AlertSource } from '../../health/vigil-metrics';
import { CONFIG, LOGGER } from '../../platform/tokens';
import { AlertDedupStore, type OccurrenceState } from './alert-dedup.store';
import { AlertMapper, DEFAULT_ALERT_RULES, validateRules } from './alert-mapping';
import {
  alertmanagerPayloadSchema,
  describeProblem,
  genericAlertSchema,
  parseRfc3339,
  type AlertmanagerAlert,
} from './alert-payloads';
import { AlertEvidenceSinks } from './alert-evidence-sinks';
import { type AlertEvidence } from './evidence-sink';
import { ProblemLog } from './problem-log';
import { checkWebhookAuth } from './webhook-auth';

/** What one webhook call did; returned to the sender (Alertmanager ignores it, operators read it). */
export interface AlertIntakeResult {
  accepted: number;
  duplicates: number;
  unmapped: number;
}

/**
 * Alerts → evidence. Authenticates, parses strictly, maps each alert to (host, kind), drops
 * duplicate occurrences, and hands the rest to the evidence sinks. Never fences or decides anything.
 */
@Injectable()
export class AlertIntakeService implements OnApplicationBootstrap {
  private readonly mapper: AlertMapper;
  private readonly problems: ProblemLog;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dedup: AlertDedupStore,
    private readonly sinks: AlertEvidenceSinks,
    private readonly metrics: VigilMetrics,
  ) {
    const alerts = config.alerts;
    const rules = alerts.rules ?? DEFAULT_ALERT_RULES;
    const bad = validateRules(rules);
    if (bad.length > 0)
      throw new VigilError(ErrorCode.CONFIG_INVALID, `invalid alert rules: ${bad.join('; ')}`);
    this.mapper = new AlertMapper(rules, alerts.hostAliases);
    this.problems = new ProblemLog(logger);
    registerSecret(alerts.auth?.bearerToken);
    registerSecret(alerts.auth?.password);
  }

  onApplicationBootstrap(): void {
    const a = this.config.alerts;
    if (!a.auth && !a.allowUnauthenticated)
      this.logger.warn('alerts.auth is not set: the alert webhooks answer 503 until it is configured');
    else if (a.allowUnauthenticated)
      this.logger.warn(
        'alerts.allowUnauthenticated: anyone reaching the API can post alerts (evidence only)',
      );
  }

  /** Throws 401 (or 503 when no auth is configured). Runs before the body is looked at. */
  authenticate(source: AlertSource, authorization: string | undefined): void {
    const verdict = checkWebhookAuth(this.config.alerts, authorization);
    switch (verdict) {
      case 'ok':
        return;
      case 'not-configured':
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          'Alert webhooks are disabled: alerts.auth is not configured.',
        );
      case 'missing':
      case 'invalid':
        this.metrics.alertReceived(source, 'unauthorized');
        this.problems.warnOnce(
          `auth:${source}:${verdict}`,
          { source },
          `alert webhook: ${verdict} credentials`,
        );
        throw new VigilError(ErrorCode.UNAUTHORIZED, 'The request you have made requires authentication.');
    }
  }

  async acceptAlertmanager(body: unknown): Promise<AlertIntakeResult> {
    const parsed = alertmanagerPayloadSchema.safeParse(body);
    if (!parsed.success) throw this.malformed('alertmanager', describeProblem(parsed.error));
    const payload = parsed.data;
    if (payload.truncatedAlerts > 0)
      this.problems.warnOnce(
        `truncated:${payload.receiver}`,
        { receiver: payload.receiver, truncated: payload.truncatedAlerts },
        'Alertmanager truncated a notification (max_alerts): some alerts never reach Vigil; set max_alerts: 0',
      );
    const outcomes = await Promise.all(payload.alerts.map((a) => this.acceptOne(a)));
    return this.tally('alertmanager', outcomes);
  }

  async acceptGeneric(body: unknown): Promise<AlertIntakeResult> {
    const parsed = genericAlertSchema.safeParse(body);
    if (!parsed.success) throw this.malformed('generic', describeProblem(parsed.error));
    const g = parsed.data;
    const evidence: AlertEvidence = {
      host: this.config.alerts.hostAliases[g.host] ?? g.host,
      kind: g.kind,
      state: g.state,
      source: g.source ?? 'generic',
      startsAt: Date.now(),
      labels: {},
    };
    const outcome = await this.store(g.id === undefined ? undefined : `generic:${g.id}`, evidence);
    return this.tally('generic', [outcome]);
  }

  private async acceptOne(alert: AlertmanagerAlert): Promise<Outcome> {
    const mapping = this.mapper.map(alert.labels);
    if (!mapping.mapped) {
      this.problems.warnOnce(
        `unmapped:${mapping.reason}:${mapping.alertname}`,
        { alertname: mapping.alertname, reason: mapping.reason },
        'alert matches no mapping rule or carries no host label; ignored',
      );
      return 'unmapped';
    }
    // The schema already checked the timestamp; `?? 0` only satisfies the type.
    const startsAt = parseRfc3339(alert.startsAt) ?? 0;
    return this.store(`am:${alert.fingerprint}:${startsAt}`, {
      host: mapping.host,
      kind: mapping.kind,
      state: alert.status,
      source: `alertmanager:${alert.labels.alertname ?? 'unnamed'}`,
      startsAt,
      labels: alert.labels,
    });
  }

  /** Claim, then record; a failed record releases the claim so the sender's retry gets through. */
  private async store(occurrence: string | undefined, evidence: AlertEvidence): Promise<Outcome> {
    const state: OccurrenceState = evidence.state;
    const claim = occurrence ? await this.dedup.claim(occurrence, state) : { fresh: true, previous: null };
    if (!claim.fresh) return 'duplicate';
    try {
      await this.sinks.record(evidence);
    } catch (err) {
      if (occurrence) await this.dedup.release(occurrence, claim.previous).catch(() => undefined);
      this.logger.warn({ err, host: evidence.host, kind: evidence.kind }, 'alert evidence not stored');
      throw new VigilError(ErrorCode.UNAVAILABLE, 'Alert evidence could not be stored; retry.');
    }
    this.logger.info(
      { host: evidence.host, kind: evidence.kind, state: evidence.state, source: evidence.source },
      'alert evidence recorded',
    );
    return 'accepted';
  }

  private tally(source: AlertSource, outcomes: readonly Outcome[]): AlertIntakeResult {
    const count = (o: Outcome): number => outcomes.filter((x) => x === o).length;
    const result = {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      unmapped: count('unmapped'),
    };
    this.metrics.alertReceived(source, 'accepted', result.accepted);
    this.metrics.alertReceived(source, 'duplicate', result.duplicates);
    this.metrics.alertReceived(source, 'unmapped', result.unmapped);
    return result;
  }

  private malformed(source: AlertSource, problem: string): VigilError {
    this.metrics.alertReceived(source, 'malformed');
    this.problems.warnOnce(
      `malformed:${source}:${problem}`,
      { source },
      `malformed ${source} webhook payload`,
    );
    return new VigilError(ErrorCode.BAD_REQUEST, `Malformed ${source} payload: ${problem}`);
  }
}

type Outcome = 'accepted' | 'duplicate' | 'unmapped';
