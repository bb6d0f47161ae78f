import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { CONFIG, LOGGER } from '../platform/tokens';
import { domainsFromNova } from './failure-domains';
import { DetectionPorts } from './ports';

/**
 * Every host's failure-domain path: `detection.failureDomains` first, else what Nova says
 * (`detection.failureDomainsFrom`), read at start and every `failureDomainsRefreshMs`. A read that
 * fails keeps the last map (racks do not move between two reads; a host briefly without its domain
 * would lose the correlated-silence hold).
 */
@Injectable()
export class FailureDomainMap implements OnApplicationBootstrap, OnApplicationShutdown {
  private fromNova = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly ports: DetectionPorts,
  ) {}

  of(host: string): string | undefined {
    return this.config.detection.failureDomains[host] ?? this.fromNova.get(host);
  }

  onApplicationBootstrap(): void {
    if (!this.config.detection.failureDomainsFrom) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.detection.failureDomainsRefreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reads Nova again (one read at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const from = this.config.detection.failureDomainsFrom;
    const reader = this.ports.placement;
    if (!from || !reader) return;
    try {
      const { domains, problems } = domainsFromNova(from, await reader.read(from));
      for (const problem of problems) this.logger.warn({ problem }, `failure domains from Nova: ${problem}`);
      if (domains.size !== this.fromNova.size)
        this.logger.info({ hosts: domains.size, source: from.source }, 'failure domains read from Nova');
      this.fromNova = domains;
    } catch (err) {
      this.logger.warn({ err }, 'could not read failure domains from Nova; keeping the last ones');
    }
  }
}
