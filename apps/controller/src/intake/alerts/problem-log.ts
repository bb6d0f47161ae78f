import { type Logger } from '@vigil/config';

/** Most distinct problems remembered; beyond it the set restarts (a flood of distinct problems still logs, bounded). */
const MAX_REMEMBERED = 256;

/**
 * Logs each distinct problem once: a misconfigured Alertmanager re-sends the same bad payload every
 * group_interval, and a log line per request would bury everything else.
 */
export class ProblemLog {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  warnOnce(problem: string, context: Record<string, unknown>, message: string): void {
    if (this.seen.has(problem)) return;
    if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
    this.seen.add(problem);
    this.logger.warn({ ...context, problem }, `${message} (logged once per distinct problem)`);
  }
}
