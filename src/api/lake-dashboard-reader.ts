/**
 * The dashboard's reads over a lake through the QueryEngine on DuckDB (the local read path): each
 * request registers the tables at the version it asks for (live, a tag, or known-at), pruned by its
 * meters and range where it names them, runs the SQL of sql/api and drops what it registered.
 */
import * as path from 'node:path';
import { openTable } from '../catalog/open-table';
import { DuckDbQueryEngine } from '../engine/duckdb-query-engine';
import { sqlIdent, scratchName } from '../engine/duckdb-session';
import { createEmptyView, createUnavailableView } from '../engine/snapshot-view';
import { loadSqlTemplate, SQL_ROOT, type SqlTemplate } from '../engine/sql-template';
import { SnapshotNotFoundError } from '../iceberg/errors';
import type { Predicate } from '../iceberg/expressions';
import { currentSchema, currentSnapshot, snapshotById } from '../iceberg/table-metadata';
import type { Schema, TableMetadata } from '../iceberg/types';
import { resolveLakeVersions, type TableAtSelector } from '../pipeline/as-of';
import { newHistoryTasks, planDailySnapshot } from '../pipeline/daily-plan';
import { registerKnownAtView } from '../pipeline/known-at';
import { registerLiveView } from '../pipeline/live';
import { isDailyTag, isSettlementTag } from '../pipeline/maintenance/tag-policy';
import type { LakePorts } from '../pipeline/ports';
import { AGREEMENT, METERPOINT, PRODUCT } from '../pipeline/reference';
import { registerTableView } from '../pipeline/table-files';
import { INGEST_LOG, METER_READINGS, READINGS_HISTORY, REJECTED_READINGS, type TableDefinition } from '../pipeline/tables';
import { badParameter } from './api-error';
import { bucketsFor } from './buckets';
import type { DashboardReader, RangeEcho, FleetResult, MeterPage, SeriesResult, StatusResult, TagsResult } from './dashboard-reader';
import { meterCursor, type DataVersion, type FleetRequest, type MetersRequest, type RangeRequest, type SeriesRequest } from './request-params';

const API_SQL_DIR = path.join(SQL_ROOT, 'api');
const sqlFile = (name: string): SqlTemplate => loadSqlTemplate(path.join(API_SQL_DIR, `${name}.sql`));
const SQL = {
  series: sqlFile('series'),
  fleet: sqlFile('fleet'),
  meterDirectory: sqlFile('meter_directory'),
  meterSearch: sqlFile('meter_search'),
  recentRejects: sqlFile('recent_rejects'),
};

/** The tables the dashboard reads; one absent (a lake before its first daily run or reference drop) reads as empty. */
const TABLES: readonly TableDefinition[] = [METER_READINGS, READINGS_HISTORY, AGREEMENT, PRODUCT, METERPOINT, INGEST_LOG, REJECTED_READINGS];
const DAY_MS = 86_400_000;
const MICROS = (ms: number) => BigInt(ms) * 1000n;

type Metadata = Map<string, TableMetadata>;

/** Every dashboard read over one lake, one request at a time (one DuckDB connection). */
export class LakeDashboardReader implements DashboardReader {
  private queue: Promise<unknown> = Promise.resolve();
  /** The meter directory per data version: built once (a pass over the readings), searched per keystroke. */
  private directory?: { key: string; table: string };

  constructor(private readonly ports: LakePorts) {}

  /** Runs `work` after every earlier request has finished. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async metadata(): Promise<Metadata> {
    const names = new Set(await this.ports.catalog.listTables());
    const entries = await Promise.all(TABLES.filter((t) => names.has(t.name))
      .map(async (t) => [t.name, await openTable(this.ports.catalog, t.name, this.ports.io).metadata()] as const));
    return new Map(entries);
  }

  /** The table versions a read at `version` sees; a tag, id or time no table has is a 400 on as_of. */
  private resolve(metadata: Metadata, version: DataVersion): Map<string, TableAtSelector> {
    if (version.kind !== 'as_of') return resolveLakeVersions(metadata, undefined);
    try {
      return resolveLakeVersions(metadata, version.selector);
    } catch (error) {
      if (error instanceof SnapshotNotFoundError) throw badParameter('as_of', `a tag, snapshot id or time the lake holds (${error.message})`, version.text);
      throw error;
    }
  }

  /** A string that changes whenever what a read at `version` shows may change: the snapshot ids it reads. */
  async versionKey(version: DataVersion): Promise<string> {
    const metadata = await this.metadata();
    const versions = this.resolve(metadata, version);
    const ids = [...versions].map(([name, at]) => `${name}:${at.kind === 'snapshot' ? at.snapshot['snapshot-id'] : at.kind}`);
    // Live and known-at read the history committed after meter_readings' snapshot too.
    return [version.kind, version.kind === 'known_at' ? version.knownAtMs : '', ...ids.sort()].join('|');
  }

  /** Runs `work` with an engine whose slots read the tables at `version`, meter_readings pruned by `filter`. */
  private async withEngine<T>(version: DataVersion, filter: Predicate | undefined, work: (engine: DuckDbQueryEngine) => Promise<T>): Promise<T> {
    const { session } = this.ports;
    const viewsBefore = new Set(await this.viewNames());
    try {
      const metadata = await this.metadata();
      const versions = this.resolve(metadata, version);
      const resolveSlot = async (slot: string): Promise<string> => {
        if (slot === 'meter_directory' && this.directory) return this.directory.table;
        const definition = TABLES.find((t) => t.name === slot);
        if (!definition) throw new Error(`the dashboard SQL reads ${slot}, which is not one of its tables`);
        const name = scratchName(`api_${slot}`);
        await this.registerSlot(name, definition, metadata, versions.get(slot), version, filter);
        return name;
      };
      return await work(new DuckDbQueryEngine({ session, resolveSlot }));
    } finally {
      for (const view of await this.viewNames()) if (!viewsBefore.has(view)) await session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
    }
  }

  private async viewNames(): Promise<string[]> {
    return (await this.ports.session.all<{ view_name: string }>('SELECT view_name FROM duckdb_views() WHERE NOT internal')).map((r) => r.view_name);
  }

  private async registerSlot(
    name: string, definition: TableDefinition, metadata: Metadata, at: TableAtSelector | undefined, version: DataVersion, filter?: Predicate,
  ): Promise<void> {
    const { ports } = this;
    const schema = metadata.has(definition.name) ? currentSchema(metadata.get(definition.name)!) : definitionSchema(definition);
    const isReadings = definition.name === METER_READINGS.name;
    const hasHistory = metadata.has(READINGS_HISTORY.name);
    if (isReadings && version.kind === 'known_at') {
      if (hasHistory) return registerKnownAtView(ports, name, version.knownAtMs, { filter });
      return createEmptyView(ports.session, name, definitionSchema(METER_READINGS));
    }
    if (isReadings && version.kind === 'live' && hasHistory && metadata.has(METER_READINGS.name)) {
      await registerLiveView(ports, name, filter);
      return;
    }
    if (!at || at.kind === 'empty') return createEmptyView(ports.session, name, schema);
    if (at.kind === 'unavailable') return createUnavailableView(ports.session, name, schema, at.error.message);
    const table = openTable(ports.catalog, definition.name, ports.io);
    await registerTableView(ports.session, ports.store, table, name, { snapshot: { snapshotId: at.snapshot['snapshot-id'] }, filter: isReadings ? filter : undefined });
  }

  meters(req: MetersRequest): Promise<MeterPage> {
    return this.serialized(async () => {
      await this.ensureDirectory();
      return this.withEngine({ kind: 'live' }, undefined, async (engine) => {
        const rows = await engine.query(SQL.meterSearch, {
          params: { q: req.q, source: req.source ?? '', region: req.region ?? '', after: req.after ?? '', page_rows: req.limit + 1 },
        });
        const page = rows.slice(0, req.limit).map((r) => ({
          id: r.meter_id as string, source: r.source as string, region: (r.region as string | null) ?? null, product: (r.product as string | null) ?? null,
          first_reading: (r.first_reading as Date).toISOString(), last_reading: (r.last_reading as Date).toISOString(),
        }));
        return { meters: page, next_cursor: rows.length > req.limit ? meterCursor(page[page.length - 1].id) : null };
      });
    });
  }

  /** Builds (once per live data version) the meter directory as a temp table. */
  private async ensureDirectory(): Promise<string> {
    const key = await this.versionKey({ kind: 'live' });
    if (this.directory?.key === key) return this.directory.table;
    // A table of the in-memory database (the appender reaches main tables only).
    const table = scratchName('api_meter_directory');
    await this.withEngine({ kind: 'live' }, undefined, async (engine) => {
      const rows = await engine.query(SQL.meterDirectory);
      await this.ports.session.run(`CREATE TABLE ${sqlIdent(table)} (meter_id VARCHAR, source VARCHAR, region VARCHAR, product VARCHAR, first_reading TIMESTAMPTZ, last_reading TIMESTAMPTZ)`);
      const appender = await this.ports.session.connection.createAppender(table);
      for (const r of rows) {
        appender.appendVarchar(r.meter_id as string);
        appender.appendVarchar(r.source as string);
        if (r.region === null) appender.appendNull(); else appender.appendVarchar(r.region as string);
        if (r.product === null) appender.appendNull(); else appender.appendVarchar(r.product as string);
        appender.appendVarchar((r.first_reading as Date).toISOString());
        appender.appendVarchar((r.last_reading as Date).toISOString());
        appender.endRow();
      }
      appender.closeSync();
    });
    if (this.directory) await this.ports.session.run(`DROP TABLE IF EXISTS ${sqlIdent(this.directory.table)}`);
    this.directory = { key, table };
    return table;
  }

  series(req: SeriesRequest): Promise<SeriesResult> {
    return this.serialized(async () => {
      const buckets = bucketsFor(req.fromMs, req.toMs, req.resolution, req.timeZone);
      const filter = rangeFilter(buckets, { op: 'in', field: 'meter_id', values: req.meters });
      return this.withEngine(req.version, filter, async (engine) => {
        const series = [];
        for (const meter of req.meters) {
          const rows = await engine.query(SQL.series, { params: { ...bucketParams(buckets), meter_id: meter } });
          series.push({
            meter_id: meter,
            points: rows.map((r) => {
              const minutes = Number(r.bucket_minutes);
              return {
                t: Number(r.bucket_start_ms),
                kwh: r.kwh as number | null,
                readings: Number(r.readings),
                estimated_share: round3(Math.min(1, Number(r.estimated_minutes) / minutes)),
                missing_share: round3(Math.max(0, 1 - Number(r.covered_minutes) / minutes)),
              };
            }),
          });
        }
        return { ...rangeEcho(req, buckets), series };
      });
    });
  }

  fleet(req: FleetRequest): Promise<FleetResult> {
    return this.serialized(async () => {
      const buckets = bucketsFor(req.fromMs, req.toMs, req.resolution, req.timeZone);
      return this.withEngine(req.version, rangeFilter(buckets), async (engine) => {
        const rows = await engine.query(SQL.fleet, { params: { ...bucketParams(buckets), group_by: req.group } });
        const groups = new Map<string, { t: number; kwh: number; meters: number; readings: number }[]>();
        for (const r of rows) {
          const key = r.group_key as string;
          if (!groups.has(key)) groups.set(key, []);
          groups.get(key)!.push({ t: Number(r.bucket_start_ms), kwh: r.kwh as number, meters: Number(r.meters), readings: Number(r.readings) });
        }
        return { ...rangeEcho(req, buckets), group: req.group, groups: [...groups].map(([key, points]) => ({ key, points })) };
      });
    });
  }

  status(): Promise<StatusResult> {
    return this.serialized(async () => {
      const nowMs = this.ports.now();
      const metadata = await this.metadata();
      const mr = metadata.get(METER_READINGS.name);
      const history = metadata.get(READINGS_HISTORY.name);
      const mrSnapshot = mr && currentSnapshot(mr);
      let pendingVersions = 0;
      let pendingFiles = 0;
      if (mr && history) {
        const tables = { history: openTable(this.ports.catalog, READINGS_HISTORY.name, this.ports.io), mr: openTable(this.ports.catalog, METER_READINGS.name, this.ports.io) };
        const plan = await planDailySnapshot(tables.history, tables.mr);
        const tasks = await newHistoryTasks(tables.history, history, plan);
        pendingFiles = tasks.length;
        pendingVersions = tasks.reduce((n, t) => n + Number(t.dataFile.record_count), 0);
      } else if (history) {
        pendingVersions = Number(currentSnapshot(history)?.summary['total-records'] ?? 0);
      }
      const tagsHere = mr && mrSnapshot ? Object.entries(mr.refs).filter(([n, r]) => n !== 'main' && r['snapshot-id'] === mrSnapshot['snapshot-id']).map(([n]) => n).sort() : [];
      const recent = await this.withEngine({ kind: 'live' }, undefined, (engine) => engine.query(SQL.recentRejects, { params: { since_us: MICROS(nowMs - DAY_MS) } }));
      const directory = history ? await this.ensureDirectory() : undefined;
      const newest = directory ? await this.ports.session.scalar<Date | null>(`SELECT max(last_reading) FROM ${sqlIdent(directory)}`) : null;
      const historySnapshot = history && currentSnapshot(history);
      return {
        now: new Date(nowMs).toISOString(),
        snapshot: mrSnapshot ? {
          snapshot_id: mrSnapshot['snapshot-id'].toString(),
          committed_at: new Date(mrSnapshot['timestamp-ms']).toISOString(),
          tag: tagsHere.filter(isDailyTag).at(-1) ?? tagsHere.at(-1) ?? null,
        } : null,
        pending: { versions: pendingVersions, files: pendingFiles },
        last_24h: { rejected_rows: Number(recent[0]?.rejected_rows ?? 0), quarantined_files: Number(recent[0]?.quarantined_files ?? 0) },
        freshness: {
          newest_reading: newest ? new Date(newest).toISOString() : null,
          last_ingest_at: historySnapshot ? new Date(historySnapshot['timestamp-ms']).toISOString() : null,
        },
      };
    });
  }

  tags(): Promise<TagsResult> {
    return this.serialized(async () => {
      const mr = (await this.metadata()).get(METER_READINGS.name);
      if (!mr) return { tags: [] };
      const tags = Object.entries(mr.refs)
        .filter(([name, ref]) => ref.type === 'tag' && (isDailyTag(name) || isSettlementTag(name)))
        .map(([name, ref]) => ({
          name,
          kind: isDailyTag(name) ? 'daily' as const : 'settlement' as const,
          snapshot_id: ref['snapshot-id'].toString(),
          committed_at: new Date(snapshotById(mr, ref['snapshot-id'])?.['timestamp-ms'] ?? 0).toISOString(),
        }))
        .sort((a, b) => b.name.localeCompare(a.name));
      return { tags };
    });
  }
}

/** A schema for a table the lake does not hold yet (read as empty). */
const definitionSchema = (t: TableDefinition): Schema => ({ type: 'struct', 'schema-id': 0, fields: t.definition.fields });

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function bucketParams(buckets: ReturnType<typeof bucketsFor>) {
  return {
    bucket_starts_us: buckets.starts.map((ms) => MICROS(ms).toString()).join(','),
    range_from_us: MICROS(buckets.fromMs),
    range_to_us: MICROS(buckets.toMs),
  };
}

/** Files that cannot hold rows in the range (and of the meters) are not read. */
function rangeFilter(buckets: ReturnType<typeof bucketsFor>, meters?: Predicate): Predicate {
  const range: Predicate[] = [
    { op: 'gte', field: 'interval_start', value: new Date(buckets.fromMs) },
    { op: 'lt', field: 'interval_start', value: new Date(buckets.toMs) },
  ];
  return { op: 'and', args: meters ? [meters, ...range] : range };
}

function rangeEcho(req: RangeRequest, buckets: ReturnType<typeof bucketsFor>): RangeEcho {
  return {
    from: new Date(buckets.fromMs).toISOString(),
    to: new Date(buckets.toMs).toISOString(),
    resolution: req.resolution,
    tz: req.timeZone,
    version: req.version.kind === 'as_of' ? { as_of: req.version.text } : req.version.kind === 'known_at' ? { known_at: new Date(req.version.knownAtMs).toISOString() } : { live: true },
  };
}
