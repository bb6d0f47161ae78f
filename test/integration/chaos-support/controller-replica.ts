import { ControllerProcess } from '@vigil/testing';

const READY_TIMEOUT_MS = 30_000;

/**
 * One controller replica of a multi-replica test on a fixed port: the shared `ControllerProcess`
 * named after the replica (`<name>.log`), started again on the same port and config after a kill,
 * which is what a replica crash looks like to the rest of the cluster.
 */
export class ControllerReplica extends ControllerProcess {
  constructor(
    name: string,
    mainJs: string,
    workDir: string,
    private readonly port: number,
    config: Record<string, unknown>,
  ) {
    super({ name, mainJs, workDir, config, readyTimeoutMs: READY_TIMEOUT_MS });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  override start(): Promise<void> {
    return super.start(this.url);
  }
}
