import { connect } from 'node:net';
import { type Probe, type ProbeOutcome } from './probe';

/** Errors that mean "the daemon is not there"; anything else (EACCES...) means we cannot tell. */
const DAEMON_DOWN = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'ENOTSOCK']);

export function outcomeOfSocketError(path: string, code: string | undefined, message: string): ProbeOutcome {
  if (code && DAEMON_DOWN.has(code)) return { state: 'failed', reason: `socket ${path}: ${code}` };
  return { state: 'unknown', reason: `socket ${path}: ${message}` };
}

/** Connects to a unix socket (libvirt-sock, db.sock) and hangs up: accepting a connection is the signal. */
export class UnixSocketProbe implements Probe {
  readonly label: string;

  constructor(
    private readonly path: string,
    private readonly timeoutMs: number,
  ) {
    this.label = `socket:${path}`;
  }

  check(): Promise<ProbeOutcome> {
    return new Promise((resolve) => {
      const socket = connect({ path: this.path });
      const finish = (outcome: ProbeOutcome): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(
        () =>
          finish({ state: 'failed', reason: `socket ${this.path}: no answer within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      socket.once('connect', () => finish({ state: 'ok' }));
      socket.once('error', (err: NodeJS.ErrnoException) =>
        finish(outcomeOfSocketError(this.path, err.code, err.message)),
      );
    });
  }
}
