/** Public shapes of the demo data generator (`meterlake generate`). */

/** The three demo utilities and the reference-data drop pseudo-source. */
export type DemoSource = 'default' | 'octopus' | 'greenbutton';
export type DropSource = DemoSource | 'demo';
export type DropKind = 'readings' | 'reference';
export type Quality = 'actual' | 'estimated' | 'substituted';

/** Row-level faults planted to exercise rejected_readings. */
export type BadRowKind =
  | 'non-numeric-kwh'
  | 'negative-kwh'
  | 'misaligned-interval'
  | 'invalid-interval-minutes'
  | 'unparseable-timestamp'
  | 'nonexistent-local-time';

/** File-level faults planted to exercise quarantine (one bad file a day). */
export type BadFileKind = 'wrong-header' | 'not-utf8' | 'empty-file' | 'wrong-columns' | 'unparseable-xml';

export interface DemoOptions {
  /** Lake folder; files go to `<lakeDir>/landing/...`. */
  lakeDir: string;
  /** @default 1 */
  seed?: number;
  /** @default 2000 */
  meters?: number;
  /** Days in the window, ending with (and including) `endDate`. @default 60 */
  days?: number;
  /** Last day of the window, `YYYY-MM-DD` (UTC). @default '2021-03-01' */
  endDate?: string;
  /** The most recent days arrive as 15-minute drops; earlier days as daily files. @default 2 */
  recentDays?: number;
  /** Share of intervals corrected 1–10 days later. @default 0.02 */
  correctionShare?: number;
  /** Share of intervals missing from their first file and filled 1–3 days later. @default 0.005 */
  gapShare?: number;
  /** Share of meters that join mid-way, their history arriving with their first drop. @default 0.1 */
  joinShare?: number;
  /** Malformed rows planted per source per day. @default 2 */
  badRowsPerSourceDay?: number;
  /** Plant one malformed file per day. @default true */
  badFiles?: boolean;
  /** Share of meters per source (normalised). @default { default: 0.5, octopus: 0.3, greenbutton: 0.2 } */
  sourceShares?: Partial<Record<DemoSource, number>>;
  /** Meterpoints per Octopus JSON file (the real feed sends one). @default 1 */
  octopusMetersPerFile?: number;
  /** A reference SQLite database drops on the first day, every N days, and on the last day. @default 7 */
  referenceEveryDays?: number;
  /** Called as files are written: done and total are file counts. */
  onProgress?: (done: number, total: number) => void;
}

/** Everything that decides the generated content (no output location, no callbacks). */
export type DemoContentOptions = Omit<DemoOptions, 'lakeDir' | 'onProgress'>;

/** One landed file, in arrival order. */
export interface Drop {
  /** Object key relative to the lake folder, e.g. `landing/default/readings/2021-01-05/readings-2021-01-05.csv`. */
  key: string;
  /** Absolute local path of the file. */
  localPath: string;
  source: DropSource;
  kind: DropKind;
  /** The simulated moment the file landed (becomes received_at). */
  arrivalTime: Date;
  /** Valid reading versions in the file (readings only). */
  expectedRows?: number;
  /** Malformed rows planted in the file (readings only). */
  badRows?: number;
  /** Set when the whole file is malformed and must be quarantined. */
  badFile?: BadFileKind;
  /** Reference drops: the day the data describes. */
  asOf?: string;
}

/** One generated meter. */
export interface MeterInfo {
  meterId: string;
  source: DemoSource;
  intervalMinutes: 15 | 30 | 60;
  region: Region;
  accountId: string;
  /** product_id of the agreement open at the end of the window. */
  productId: string;
  /** First day with readings (`YYYY-MM-DD`). */
  historyStart: string;
  /** Day whose files first carry the meter (its history arrives with them). */
  firstDelivery: string;
}

export type Region = 'North' | 'South' | 'East' | 'West' | 'London';

export interface ProductRow {
  id: number;
  product_id: string;
  display_name: string;
  is_variable: boolean;
}

export interface MeterpointRow {
  meterpoint_id: string;
  region: Region;
}

export interface AgreementRow {
  agreement_id: number;
  /** `YYYY-MM-DD`, inclusive. */
  agreement_valid_from: string;
  /** `YYYY-MM-DD`, exclusive; null while the agreement is open. */
  agreement_valid_to: string | null;
  product_id: string;
  meterpoint_id: string;
  account_id: string;
}

export interface ReferenceData {
  products: ProductRow[];
  meterpoints: MeterpointRow[];
  agreements: AgreementRow[];
}

/** A valid generated reading version in canonical form. */
export interface ExpectedReading {
  meter_id: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
  interval_start: string;
  interval_minutes: number;
  kwh: number;
  /** Octopus JSON carries no quality: its versions are 'actual'. Green Button has no 'substituted'. */
  quality: Quality;
  source: DemoSource;
  /** The landing key of the file that carries this version. */
  source_file: string;
  /** 1-based position of the record among the file's data records (bad records included). */
  source_row: number;
  /** The file's arrival time, UTC ISO. */
  received_at: string;
}

/** A planted malformed row. */
export interface ExpectedBadRow {
  source: DemoSource;
  source_file: string;
  source_row: number;
  kind: BadRowKind;
  meter_id: string;
}

export interface DemoStats {
  files: number;
  readingVersions: number;
  corrections: number;
  gapFills: number;
  badRows: number;
  badFiles: number;
}

export interface DemoResult {
  drops: Drop[];
  meters: MeterInfo[];
  /** Reference data as of the end of the window (the last reference drop's content). */
  reference: ReferenceData;
  stats: DemoStats;
}
