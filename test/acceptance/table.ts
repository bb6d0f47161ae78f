import { type MasakariRun } from './masakari';

/** What one Vigil drill gave (the drill's own JSON report, summarised). */
export interface VigilRun {
  system: 'vigil';
  scenario: 'power-loss' | 'kernel-hang';
  servers: number;
  host: string;
  outcome: string;
  verdictS?: number;
  fencedS?: number;
  firstActiveElsewhereS?: number;
  allActiveElsewhereS?: number;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  leftBehind: string[];
  /** Seconds from the drill's start to its end (boot, failure, recovery, repair, reinstate, delete). */
  drillS: number;
  report: string;
}

const s = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(1)} s`);

/** Markdown table: failure → all servers ACTIVE elsewhere, per system, scenario and server count. */
export function resultsTable(vigil: readonly VigilRun[], masakari: readonly MasakariRun[]): string {
  const rows = [
    '| system | failure | servers | verdict | fenced | first ACTIVE elsewhere | all ACTIVE elsewhere | checks |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...vigil.map(
      (r) =>
        `| Vigil | ${r.scenario} | ${r.servers} | ${s(r.verdictS)} | ${s(r.fencedS)} | ${s(r.firstActiveElsewhereS)} | ${s(r.allActiveElsewhereS)} | ${r.outcome}: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} |`,
    ),
    ...masakari.map(
      (r) =>
        `| Masakari | ${r.scenario} (notified when Nova said down, ${s(r.notifiedS)}) | ${r.servers} | — | none | ${s(r.activeElsewhereS.length ? Math.min(...r.activeElsewhereS) : undefined)} | ${s(r.allActiveElsewhereS)} | notification ${r.status} at ${s(r.finishedS)}, ${r.moved}/${r.servers} moved |`,
    ),
  ];
  return rows.join('\n');
}
