import { Global, Module } from '@nestjs/common';
import { IncidentEventPublisher } from './incident-event-publisher';

/** Global so recovery and detection can inject `IncidentEventPublisher` without importing this module. */
@Global()
@Module({ providers: [IncidentEventPublisher], exports: [IncidentEventPublisher] })
export class EventsModule {}
