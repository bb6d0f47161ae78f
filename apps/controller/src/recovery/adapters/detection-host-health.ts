import { Injectable } from '@nestjs/common';
import { DetectionStore } from '../../detection/detection-store';
import { type HostHealthView } from '../ports';

/**
 * A returning host is healthy while detection holds it `up`: heartbeating, every probed component ok.
 * `since` is when it entered that state, so a flapping host restarts its probation.
 */
@Injectable()
export class DetectionHostHealth implements HostHealthView {
  constructor(private readonly detection: DetectionStore) {}

  async healthySince(host: string): Promise<number | undefined> {
    const record = (await this.detection.readRecords()).get(host);
    return record?.state === 'up' ? record.since : undefined;
  }
}
