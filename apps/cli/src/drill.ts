import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '@vigil/config';
import { VigilApiClient } from './api-client';
import { GLOBAL_OPTIONS, loadCliConfig } from './cli-config';
import { renderTable } from './table';

export const DRILL_USAGE =
  'drill <host> --flavor F --image I [--canaries N] [--network NET] [--fail NAME] [--yes HOST] [--allow-other-instances] [--leave-failed] [--report FILE]';

/** The part of a drill report the CLI reads (the controller's DrillReport). */
interface DrillView {
  id: string;
  host: string;
  phase: string;
  outcome: string;
  reason?: string;
  incidentId?: string;
  timeline: Array<{ at: number; sinceFailureS?: number; what: string }>;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  figures: Record<string, number>;
  canaries: Array<{
    name: string;
    id: string;
    host?: string;
    activeElsewhereAfterS?: number;
    evacuations?: number;
  }>;
  leftBehind: string[];
}

export interface DrillIo {
  out: (s: string) => void;
  /** Asks the operator to type the host name back; undefined when nobody can answer (no TTY). */
  ask?: (question: string) => Promise<string>;
  /** Called with a function that requests the abort (the CLI binds it to SIGINT). */
  onInterrupt?: (abort: () => void) => () => void;
  pollMs?: number;
}

/** `vigil drill`: starts a drill on the controller, follows it live, prints and writes the report. */
export async function runDrill(argv: string[], env: NodeJS.ProcessEnv, io: DrillIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...GLOBAL_OPTIONS,
      flavor: { type: 'string' },
      image: { type: 'string' },
      network: { type: 'string' },
      canaries: { type: 'string' },
      fail: { type: 'string' },
      yes: { type: 'string' },
      'allow-other-instances': { type: 'boolean' },
      'leave-failed': { type: 'boolean' },
      report: { type: 'string' },
    },
  });
  const host = positionals[1];
  const canaries = values.canaries === undefined ? 3 : Number(values.canaries);
  if (!host || !values.flavor || !values.image || !Number.isInteger(canaries)) {
    io.out(`usage: vigil ${DRILL_USAGE}\n`);
    return 2;
  }
  let confirm = values.yes;
  if (confirm === undefined) {
    if (!io.ask) {
      io.out(`vigil drill: type the host name back or pass --yes ${host} (no terminal to ask on)\n`);
      return 2;
    }
    const how = values.fail ? `the fail command "${values.fail}"` : 'a power-off through its BMC';
    confirm = (
      await io.ask(
        `This drill FAILS ${host} for real (${how}), with ${canaries} canary server(s) on it.\nType the host name to go on: `,
      )
    ).trim();
  }
  const config = loadCliConfig(env, { url: values.url, noauth: values.noauth });
  const api = new VigilApiClient(
    config,
    createLogger({ name: 'vigil-cli', level: 'warn', format: 'pretty' }),
  );
  const { drill: started } = await api.request<{ drill: DrillView }>('POST', '/vigil/v1/drills', {
    host,
    confirm,
    canaries,
    flavor: values.flavor,
    image: values.image,
    ...(values.network ? { network: values.network } : {}),
    ...(values.fail ? { fail_command: values.fail } : {}),
    allow_other_instances: values['allow-other-instances'] ?? false,
    leave_failed: values['leave-failed'] ?? false,
  });
  if (!values.json) io.out(`drill ${started.id} on ${host} (Ctrl-C aborts it and cleans up)\n`);
  let abortWanted = false;
  let abortSent = false;
  const release = io.onInterrupt?.(() => {
    abortWanted = true;
  });
  let shown = 0;
  let drill = started;
  try {
    for (;;) {
      if (abortWanted && !abortSent) {
        abortSent = true;
        if (!values.json) io.out('interrupted: asking the controller to abort the drill and clean up\n');
        await api.request('POST', `/vigil/v1/drills/${started.id}/abort`).catch(() => undefined);
      }
      drill = (await api.request<{ drill: DrillView }>('GET', `/vigil/v1/drills/${started.id}`)).drill;
      if (!values.json) for (const e of drill.timeline.slice(shown)) io.out(`${eventTime(e)}  ${e.what}\n`);
      shown = drill.timeline.length;
      if (drill.phase === 'done') break;
      await new Promise((r) => setTimeout(r, io.pollMs ?? 1000));
    }
  } finally {
    release?.();
  }
  const file = values.report ?? `vigil-drill-${drill.id}.json`;
  writeFileSync(file, JSON.stringify(drill, null, 2) + '\n');
  io.out(values.json ? JSON.stringify(drill, null, 2) + '\n' : reportText(drill, file) + '\n');
  return drill.outcome === 'passed' ? 0 : drill.outcome === 'refused' ? 3 : 1;
}

function eventTime(e: { at: number; sinceFailureS?: number }): string {
  const clock = new Date(e.at).toISOString().slice(11, 23);
  return e.sinceFailureS === undefined
    ? `${clock}         `
    : `${clock} +${e.sinceFailureS.toFixed(2).padStart(6)}s`;
}

/** The closing report for a person. */
export function reportText(d: DrillView, file: string): string {
  const figure = (k: string): string => (d.figures[k] === undefined ? '-' : `${d.figures[k]} s`);
  return [
    '',
    `drill ${d.id} on ${d.host}: ${d.outcome.toUpperCase()}${d.reason ? ` (${d.reason})` : ''}`,
    `failure → verdict ${figure('verdictS')}, fenced ${figure('fencedS')}, first canary ACTIVE elsewhere ${figure('firstActiveElsewhereS')}, all ${figure('allActiveElsewhereS')}`,
    ...(d.incidentId ? [`incident: ${d.incidentId}`] : []),
    '',
    'checks:',
    renderTable(d.checks.map((c) => ({ ok: c.ok ? 'ok' : 'FAIL', check: c.name, seen: c.detail }))),
    '',
    'canaries:',
    renderTable(
      d.canaries.map((c) => ({
        name: c.name,
        id: c.id,
        'moved to': c.host,
        'ACTIVE elsewhere after':
          c.activeElsewhereAfterS === undefined ? '-' : `${c.activeElsewhereAfterS} s`,
        evacuations: c.evacuations,
      })),
    ),
    '',
    d.leftBehind.length === 0
      ? 'left behind: nothing'
      : `LEFT BEHIND:\n${d.leftBehind.map((l) => `  - ${l}`).join('\n')}`,
    `report written to ${file}`,
  ].join('\n');
}

/** Terminal prompt and SIGINT binding for the real CLI. */
export function terminalIo(out: (s: string) => void): DrillIo {
  return {
    out,
    ask: process.stdin.isTTY
      ? async (q) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return await rl.question(q);
          } finally {
            rl.close();
          }
        }
      : undefined,
    onInterrupt: (abort) => {
      process.on('SIGINT', abort);
      return () => process.off('SIGINT', abort);
    },
  };
}
