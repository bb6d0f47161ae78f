import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';

/**
 * Cheap "is anything answering there?" probes, used to tell a wrong password from a dead BMC when the
 * tool's own message is the same for both (ipmitool: "Unable to establish IPMI v2 / RMCP+ session").
 */

// RMCP (v1.0, no ack, class ASF) + ASF Presence Ping, IANA 4542; every IPMI LAN BMC answers it without a session.
const ASF_PRESENCE_PING = Buffer.from([
  0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x00, 0x00, 0x00,
]);
const ASF_PRESENCE_PONG = 0x40;

/** True when an RMCP Presence Pong arrives from host:port (UDP) within timeoutMs. */
export async function rmcpPresencePing(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (answer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), Math.max(1, timeoutMs));
    socket.on('message', (msg) => {
      if (msg.length >= 9 && msg[3] === 0x06 && msg[8] === ASF_PRESENCE_PONG) finish(true);
    });
    // ICMP port unreachable surfaces here on some stacks: nothing is listening.
    socket.on('error', () => finish(false));
    socket.send(ASF_PRESENCE_PING, port, host, (err) => {
      if (err) finish(false);
    });
  });
}

/** True when a TCP connection to host:port opens within timeoutMs. */
export async function tcpConnectProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const finish = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(Math.max(1, timeoutMs), () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.connect(port, host);
  });
}
