export { EventsModule } from './events.module';
export { IncidentEventPublisher } from './incident-event-publisher';
export {
  type CloudEvent,
  type IncidentEvent,
  type IncidentEventType,
  SIGNATURE_HEADER,
  signEventBody,
} from './cloud-event';
