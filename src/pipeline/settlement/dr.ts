/** Demand-response inputs of a settlement run. */
import { openTable } from '../../catalog/open-table';
import { scratchName, sqlIdent } from '../../engine/duckdb-session';
import type { LakePorts } from '../ports';
import { registerTableView } from '../table-files';
import type { PinnedInput } from './settle';
import { DR_ENROLLMENTS, DR_EVENTS } from './settlement-tables';

/** The tables demand-response settlement reads besides meter_readings. */
export const DR_INPUT_TABLES = [DR_EVENTS.name, DR_ENROLLMENTS.name] as const;

/** Calendar days before an event that its baseline may look at (CAISO: the last 45 days), with a margin for zones. */
export const DR_LOOKBACK_DAYS = 46;

/** The earliest instant the baseline of any pinned event reads (undefined when demand response is not pinned). */
export async function drWindowStartMs(ports: LakePorts, inputs: readonly PinnedInput[]): Promise<number | undefined> {
  const events = inputs.find((i) => i.table === DR_EVENTS.name);
  if (!events) return undefined;
  const view = scratchName('dr_events_pinned');
  await registerTableView(ports.session, ports.store, openTable(ports.catalog, DR_EVENTS.name, ports.io), view, { snapshot: { snapshotId: BigInt(events.snapshotId) } });
  try {
    const first = await ports.session.scalar<Date | null>(`SELECT min(event_day) FROM ${sqlIdent(view)}`);
    return first ? first.getTime() - DR_LOOKBACK_DAYS * 86_400_000 : undefined;
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
  }
}
