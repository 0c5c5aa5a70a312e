/**
 * The demand-response reference drop: dr_events and dr_enrollments replaced whole (one overwrite
 * snapshot each), so a settlement pins the events as of its daily tag. A drop is all or nothing:
 * any bad row refuses it with an error naming the file, row, field and value.
 */
import { scratchName, sqlIdent, sqlString } from '../../engine/duckdb-session';
import { tableFor } from '../lake-tables';
import type { LakePorts } from '../ports';
import type { TableDefinition } from '../tables';
import { writeRowsAsDataFiles } from '../table-files';
import { DR_ENROLLMENTS, DR_EVENTS } from './settlement-tables';

export interface DrEventRow {
  event_id: string; program: string; partner: string; event_day: string; start_hour: number; end_hour: number; price_per_kwh: string; floor_at_zero: boolean;
}
export interface DrEnrollmentRow { program: string; meter_id: string }

/** A row of a demand-response drop that cannot be used. */
export class DrReferenceError extends Error {
  override name = 'DrReferenceError';
}

const EVENT_COLUMNS = ['event_id', 'program', 'partner', 'event_day', 'start_hour', 'end_hour', 'price_per_kwh', 'floor_at_zero'] as const;
const ENROLLMENT_COLUMNS = ['program', 'meter_id'] as const;

/** Checks event rows; `where(i)` names the row in errors. */
export function checkDrEvents(rows: readonly Record<string, string>[], partners: ReadonlySet<string>, where: (i: number) => string): DrEventRow[] {
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const bad = (field: string, expected: string): never => {
      throw new DrReferenceError(`${where(i)}: ${field} ${JSON.stringify(r[field] ?? null)} — expected ${expected}`);
    };
    for (const c of ['event_id', 'program', 'partner'] as const) if (!r[c]?.trim()) bad(c, 'a non-empty value');
    if (seen.has(r.event_id)) bad('event_id', 'an id used once');
    seen.add(r.event_id);
    if (!partners.has(r.partner)) bad('partner', `a source profile (${[...partners].join(', ')})`);
    const day = /^\d{4}-\d{2}-\d{2}$/.test(r.event_day ?? '') && new Date(`${r.event_day}T00:00:00Z`).toISOString().slice(0, 10) === r.event_day;
    if (!day) bad('event_day', 'a real date YYYY-MM-DD');
    const start = /^\d{1,2}$/.test(r.start_hour ?? '') ? Number(r.start_hour) : NaN;
    if (!(start >= 0 && start <= 23)) bad('start_hour', 'a whole hour 0-23');
    const end = /^\d{1,2}$/.test(r.end_hour ?? '') ? Number(r.end_hour) : NaN;
    if (!(end > start && end <= 24)) bad('end_hour', `a whole hour after start_hour ${start}, at most 24`);
    if (!/^\d{1,9}(\.\d{1,9})?$/.test(r.price_per_kwh ?? '')) bad('price_per_kwh', 'a price ≥ 0 with at most 9 decimals');
    if (!['true', 'false'].includes(r.floor_at_zero ?? '')) bad('floor_at_zero', 'true or false');
    return { event_id: r.event_id, program: r.program, partner: r.partner, event_day: r.event_day, start_hour: start, end_hour: end, price_per_kwh: r.price_per_kwh, floor_at_zero: r.floor_at_zero === 'true' };
  });
}

/** Checks enrollment rows: non-empty program and meter, each pair once. */
export function checkDrEnrollments(rows: readonly Record<string, string>[], where: (i: number) => string): DrEnrollmentRow[] {
  const seen = new Set<string>();
  return rows.map((r, i) => {
    for (const c of ENROLLMENT_COLUMNS) if (!r[c]?.trim()) throw new DrReferenceError(`${where(i)}: ${c} ${JSON.stringify(r[c] ?? null)} — expected a non-empty value`);
    const key = JSON.stringify([r.program, r.meter_id]);
    if (seen.has(key)) throw new DrReferenceError(`${where(i)}: meter ${JSON.stringify(r.meter_id)} is enrolled in ${r.program} twice`);
    seen.add(key);
    return { program: r.program, meter_id: r.meter_id };
  });
}

/** Reads a CSV with exactly `columns` (header required) as text rows. */
export async function readDrCsv(ports: LakePorts, file: string, columns: readonly string[]): Promise<Record<string, string>[]> {
  const header = await ports.session.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true, auto_detect = true)`);
  const names = header.map((h) => h.column_name);
  if (names.join(',') !== columns.join(',')) throw new DrReferenceError(`${file}: columns are ${names.join(', ')}; expected exactly ${columns.join(', ')}`);
  return ports.session.all<Record<string, string>>(`SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true, auto_detect = true)`);
}

async function replaceTable(ports: LakePorts, definition: TableDefinition, select: string): Promise<void> {
  const table = await tableFor(ports, definition);
  const scratch = scratchName(definition.name);
  await ports.session.run(`CREATE TEMP TABLE ${scratch} AS ${select}`);
  try {
    const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), { sourceSql: scratch });
    await table.commit({ operation: 'overwrite', addDataFiles: files, removeWhere: () => true });
  } finally {
    await ports.session.run(`DROP TABLE ${sqlIdent(scratch)}`);
  }
}

/** Replace dr_events and dr_enrollments with checked rows (rows sorted by key, so files are deterministic). */
export async function replaceDrReference(ports: LakePorts, events: readonly DrEventRow[], enrollments: readonly DrEnrollmentRow[]): Promise<void> {
  const s = sqlString;
  const eventValues = events.map((e) => `(${s(e.event_id)}, ${s(e.program)}, ${s(e.partner)}, DATE ${s(e.event_day)}, ${e.start_hour}, ${e.end_hour}, CAST(${s(e.price_per_kwh)} AS DECIMAL(18, 9)), ${e.floor_at_zero})`);
  await replaceTable(ports, DR_EVENTS, eventValues.length
    ? `SELECT * FROM (VALUES ${eventValues.join(', ')}) AS v(${EVENT_COLUMNS.join(', ')}) ORDER BY event_id`
    : `SELECT NULL::VARCHAR AS event_id, NULL::VARCHAR AS program, NULL::VARCHAR AS partner, NULL::DATE AS event_day, NULL::INTEGER AS start_hour, NULL::INTEGER AS end_hour, NULL::DECIMAL(18, 9) AS price_per_kwh, NULL::BOOLEAN AS floor_at_zero LIMIT 0`);
  const enrollmentValues = enrollments.map((e) => `(${s(e.program)}, ${s(e.meter_id)})`);
  await replaceTable(ports, DR_ENROLLMENTS, enrollmentValues.length
    ? `SELECT * FROM (VALUES ${enrollmentValues.join(', ')}) AS v(program, meter_id) ORDER BY program, meter_id`
    : 'SELECT NULL::VARCHAR AS program, NULL::VARCHAR AS meter_id LIMIT 0');
}

/** Load a demand-response drop from two CSV files (checked, then both tables replaced). */
export async function loadDrReferenceCsv(ports: LakePorts, eventsFile: string, enrollmentsFile: string): Promise<{ events: number; enrollments: number }> {
  const partners = new Set(ports.profiles.keys());
  const events = checkDrEvents(await readDrCsv(ports, eventsFile, EVENT_COLUMNS), partners, (i) => `${eventsFile} row ${i + 1}`);
  const enrollments = checkDrEnrollments(await readDrCsv(ports, enrollmentsFile, ENROLLMENT_COLUMNS), (i) => `${enrollmentsFile} row ${i + 1}`);
  await replaceDrReference(ports, events, enrollments);
  return { events: events.length, enrollments: enrollments.length };
}
