import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { type Harness } from './harness';

/** Every iptables rule the acceptance adds carries this comment, so cleanup finds all of them. */
export const RULE_COMMENT = 'vigil-acceptance-dead-host';

/**
 * The peer network of the acceptance deployment. The harness's computes share one kernel and
 * 127.0.0.1, where a dead host's peer port would answer "connection refused" (kernel up) and a
 * SIGSTOPped monitor's socket would still complete handshakes in the kernel. So each compute's monitor
 * listens on its own loopback address (`127.0.1.N` for computeN; lo holds 127/8), and a host that
 * "dies" gets every packet to that address dropped: its peers' probes time out, as with a real dead
 * node. The rule goes in when the host dies (freeze-host.sh for a kernel hang, a BMC power-off seen by
 * `followPower`) and out when its BMC powers it on again.
 */
export class PeerNetwork {
  private readonly lastPower = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly harness: Harness,
    private readonly hosts: readonly string[],
  ) {
    for (const host of hosts) if (!/\d+$/.test(host)) throw new Error(`${host}: no number to address it by`);
  }

  /** The address computeN's monitor listens on and its peers probe. */
  address(host: string): string {
    const n = Number(/\d+$/.exec(host)?.[0]);
    if (!(n >= 1 && n <= 254)) throw new Error(`${host}: no loopback address 127.0.1.${n}`);
    return `127.0.1.${n}`;
  }

  /** "HOST ADDRESS" per line, for freeze-host.sh (which runs in the controller, not here). */
  writeAddressFile(file: string): void {
    writeFileSync(file, this.hosts.map((h) => `${h} ${this.address(h)}\n`).join(''));
  }

  /** The host's kernel stops answering: every packet to its address is dropped (idempotent). */
  drop(host: string): void {
    const rule = this.rule(host);
    if (!iptables(['-C', ...rule])) iptables(['-I', ...rule], true);
  }

  /** The host answers again: removes every copy of its rule. */
  restore(host: string): void {
    const rule = this.rule(host);
    while (iptables(['-C', ...rule])) iptables(['-D', ...rule], true);
  }

  /**
   * Follows each host's BMC power state (the harness's hook writes it to data/bmc/HOST/power): off →
   * drop, on → restore. Acts on changes only, so a kernel hang's rule (power still on) stays in.
   */
  followPower(everyMs = 100): void {
    for (const host of this.hosts) this.lastPower.set(host, this.power(host));
    this.timer = setInterval(() => {
      for (const host of this.hosts) {
        const now = this.power(host);
        if (now === this.lastPower.get(host)) continue;
        this.lastPower.set(host, now);
        try {
          if (now === '0') this.drop(host);
          else if (now === '1') this.restore(host);
        } catch (err) {
          process.stderr.write(`peer network: ${host} power ${now}: ${(err as Error).message}\n`);
        }
      }
    }, everyMs);
  }

  /** Stops following and removes every rule with our comment, whoever added it. Synchronous: safe on exit. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    removeAllRules();
  }

  private power(host: string): string {
    try {
      return readFileSync(`${this.harness.dir}/data/bmc/${host}/power`, 'utf8').trim();
    } catch {
      return '';
    }
  }

  private rule(host: string): string[] {
    return ['INPUT', '-d', this.address(host), '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'DROP'];
  }
}

/** Removes every INPUT rule carrying RULE_COMMENT (also those a crashed run left). */
export function removeAllRules(): void {
  const listed = execFileSync('iptables', ['-w', '-S', 'INPUT'], { encoding: 'utf8' });
  for (const line of listed.split('\n'))
    if (line.startsWith('-A INPUT ') && line.includes(RULE_COMMENT))
      iptables(['-D', ...line.slice(3).split(' ').filter(Boolean)], true);
}

/** Runs iptables; with `must`, a failure throws, otherwise it answers whether the command succeeded. */
function iptables(args: string[], must = false): boolean {
  try {
    execFileSync('iptables', ['-w', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch (err) {
    if (must) throw new Error(`iptables ${args.join(' ')}: ${(err as Error).message}`);
    return false;
  }
}
