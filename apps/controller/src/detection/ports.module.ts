import { Module } from '@nestjs/common';
import { DetectionPorts } from './ports';

/** Shares one `DetectionPorts` between intake (host directory, event sink) and detection. */
@Module({ providers: [DetectionPorts], exports: [DetectionPorts] })
export class DetectionPortsModule {}
