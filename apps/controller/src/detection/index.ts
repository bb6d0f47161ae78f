export { DetectionModule } from './detection.module';
export { DetectionService, type DetectionCounters } from './detection.service';
export { evidenceFromMasakariNotification, type MasakariNotificationLike } from './masakari-evidence';
export * from './model';
export * from './ports';
