import { Module } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { CONFIG, LOGGER } from '../platform/tokens';
import { loadEncryptionKey } from './encryption-key';
import { SecretBox } from './secret-box';

/** Provides the process's SecretBox (key loaded, or generated, once at boot). */
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [CONFIG, LOGGER],
      useFactory: (config: ControllerConfig, logger: Logger) =>
        new SecretBox(loadEncryptionKey(config, logger)),
    },
  ],
  exports: [SecretBox],
})
export class SecretsModule {}
