import { type AlertEvidenceKind } from '@vigil/config';

/** One alert turned into evidence about one Nova service host. Evidence only: it never fences by itself. */
export interface AlertEvidence {
  host: string;
  kind: AlertEvidenceKind;
  state: 'firing' | 'resolved';
  /** `alertmanager:<alertname>` or the generic sender's `source`. */
  source: string;
  /** When the condition started (Alertmanager's startsAt; receive time for generic alerts), epoch ms. */
  startsAt: number;
  labels: Readonly<Record<string, string>>;
}

/** Where alert evidence goes. Called once per occurrence and state (duplicates are filtered before). */
export interface EvidenceSink {
  recordAlertEvidence(evidence: AlertEvidence): Promise<void>;
}
