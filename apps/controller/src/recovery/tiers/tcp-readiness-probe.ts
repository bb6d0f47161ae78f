import { connect } from 'node:net';
import { type ReadinessProbe } from '../ports';

/**
 * The only user of `node:net` in recovery: a TCP connect to a moved instance, closed at once. Ready =
 * the connection was accepted within `timeoutMs`; refused, reset, unreachable or slow = not ready.
 */
export class TcpReadinessProbe implements Pick<ReadinessProbe, 'tcp'> {
  tcp(address: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: address, port });
      const done = (ready: boolean): void => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.destroy();
        resolve(ready);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  }
}
