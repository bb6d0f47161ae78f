export { AlertsModule } from './alerts.module';
export { AlertEvidenceSinks } from './alert-evidence-sinks';
export { type AlertEvidence, type EvidenceSink } from './evidence-sink';
export { AlertMapper, DEFAULT_ALERT_RULES, stripPort } from './alert-mapping';
