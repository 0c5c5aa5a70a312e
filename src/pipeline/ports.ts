import type { Catalog } from '../catalog/catalog';
import type { DuckDbSession } from '../engine/duckdb-session';
import type { SourceProfile } from '../formats/source-profiles';
import type { FileIO } from '../iceberg/file-io';
import type { ObjectStore } from '../storage/object-store';

/** Everything a pipeline step needs from the outside world; Lambda and the local runtime each build one. */
export interface LakePorts {
  /** The lake's store: landing/, quarantine/ and the tables' warehouse. */
  store: ObjectStore;
  /**
   * Where landing objects are read from. Locally the lake folder holds landing/ itself; in AWS the
   * landing bucket is its own. @default store
   */
  landing?: ObjectStore;
  /**
   * Where settlement runs write their reports and manifests (`audit/<run id>/`). In AWS the
   * Object-Lock audit bucket; locally the lake folder. @default store
   */
  audit?: ObjectStore;
  io: FileIO;
  catalog: Catalog;
  session: DuckDbSession;
  profiles: Map<string, SourceProfile>;
  /** Milliseconds since the epoch; injectable so tests and replays are deterministic. */
  now: () => number;
  /** Local scratch folder for downloads. */
  tempDir: string;
}

/** The store landing objects are read from. */
export const landingStore = (ports: LakePorts): ObjectStore => ports.landing ?? ports.store;

/** The store settlement audit files are written to and read from. */
export const auditStore = (ports: LakePorts): ObjectStore => ports.audit ?? ports.store;
