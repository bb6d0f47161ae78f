import { createLogger } from '@vigil/config';
import { controllerConfigSchema } from '@vigil/config';
import { MetricsService } from './metrics.service';
import { VigilMetrics } from './vigil-metrics';

describe('VigilMetrics exposition', () => {
  const config = controllerConfigSchema.parse({ auth: { strategy: 'noauth' } });
  const service = new MetricsService(config, createLogger({ name: 't', level: 'fatal' }));
  new VigilMetrics(service);

  it('names no gauge _total (promtool check metrics) and keeps the libuv gauges by type', async () => {
    const text = await service.render();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    for (const [name, type] of types)
      expect([name, type === 'counter']).toEqual([name, name.endsWith('_total')]);
    // Samples by type exist only while the process holds such handles; the family itself is always declared.
    expect(text).toMatch(/^# TYPE vigil_nodejs_active_handles gauge$/m);
  });

  it('creates every documented label value of the labelled counters at 0', async () => {
    const text = await service.render();
    expect(text).toContain('vigil_alerts_received_total{source="generic",result="malformed"} 0');
    expect(text).toContain('vigil_dependency_request_errors_total{service="keystone",outcome="rejected"} 0');
    expect(text).toContain('vigil_heartbeats_received_total{result="unknown-host"} 0');
  });
});
