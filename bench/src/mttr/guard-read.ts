import { z } from 'zod';
import { type BenchApi } from '../support/api-client';

/** The storm guards engaged now and the latest audit entries, as `GET /vigil/v1/storm-guard` answers. */
export async function readStormGuard(api: BenchApi): Promise<unknown> {
  const body = z.object({ storm_guard: z.unknown() }).parse(await api.call('GET', '/vigil/v1/storm-guard'));
  return body.storm_guard;
}

/** How many hosts carry each detection note (why a suspect is held), over `hosts`. */
export async function notesOf(api: BenchApi, hosts: readonly string[]): Promise<Record<string, number>> {
  const notes: Record<string, number> = {};
  for (const host of hosts) {
    const note = (await api.hostState(host))?.note ?? '(none)';
    notes[note] = (notes[note] ?? 0) + 1;
  }
  return notes;
}
