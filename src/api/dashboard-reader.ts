/** The reads the dashboard API makes: the port its routes call (LakeDashboardReader locally). */
import type { DataVersion, FleetRequest, MetersRequest, SeriesRequest } from './request-params';

export interface MeterSummary {
  id: string;
  source: string;
  region: string | null;
  product: string | null;
  first_reading: string;
  last_reading: string;
}

export interface MeterPage {
  meters: MeterSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface RangeEcho {
  /** The range snapped outwards to whole buckets. */
  from: string;
  to: string;
  resolution: string;
  tz: string;
  version: { live: true } | { as_of: string } | { known_at: string };
}

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** kWh in the bucket; null when no reading falls in it. */
  kwh: number | null;
  readings: number;
  /** Share of the bucket's minutes covered by estimated or substituted readings. */
  estimated_share: number;
  /** Share of the bucket's minutes no reading covers. */
  missing_share: number;
}

export interface SeriesResult extends RangeEcho {
  series: { meter_id: string; points: SeriesPoint[] }[];
}

export interface FleetResult extends RangeEcho {
  group: string;
  groups: { key: string; points: { t: number; kwh: number; meters: number; readings: number }[] }[];
}

export interface StatusResult {
  now: string;
  /** meter_readings' newest snapshot and the daily tag on it. */
  snapshot: { snapshot_id: string; committed_at: string; tag: string | null } | null;
  /** History versions committed after the snapshot (shown live, merged by the next daily run). */
  pending: { versions: number; files: number };
  /** Of the ingest batches committed in the last 24 hours. */
  last_24h: { rejected_rows: number; quarantined_files: number };
  freshness: { newest_reading: string | null; last_ingest_at: string | null };
}

export interface TagsResult {
  tags: { name: string; kind: 'daily' | 'settlement'; snapshot_id: string; committed_at: string }[];
}

export interface DashboardReader {
  /** Changes whenever a read at `version` may answer differently (the ETag's source). */
  versionKey(version: DataVersion): Promise<string>;
  meters(req: MetersRequest): Promise<MeterPage>;
  series(req: SeriesRequest): Promise<SeriesResult>;
  fleet(req: FleetRequest): Promise<FleetResult>;
  status(): Promise<StatusResult>;
  tags(): Promise<TagsResult>;
}
