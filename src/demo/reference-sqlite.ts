import initSqlJs, { type SqlJsStatic } from 'sql.js';
import type { ReferenceData } from './types';

let sqlJs: Promise<SqlJsStatic> | undefined;

/** DDL of the reference database a utility drops (agreement, product, meterpoint). */
export const REFERENCE_DDL = [
  'CREATE TABLE product (id INTEGER PRIMARY KEY, product_id TEXT NOT NULL, display_name TEXT NOT NULL, is_variable INTEGER NOT NULL)',
  'CREATE TABLE meterpoint (meterpoint_id TEXT PRIMARY KEY, region TEXT NOT NULL)',
  'CREATE TABLE agreement (agreement_id INTEGER PRIMARY KEY, agreement_valid_from TEXT NOT NULL, agreement_valid_to TEXT, ' +
    'product_id TEXT NOT NULL, meterpoint_id TEXT NOT NULL, account_id TEXT NOT NULL)',
];

/** A SQLite database file (bytes) holding the reference data, built with WebAssembly SQLite. */
export async function referenceDatabaseBytes(data: ReferenceData): Promise<Uint8Array> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  const db = new SQL.Database();
  try {
    for (const ddl of REFERENCE_DDL) db.run(ddl);
    db.run('BEGIN');
    const product = db.prepare('INSERT INTO product VALUES (?, ?, ?, ?)');
    for (const p of data.products) product.run([p.id, p.product_id, p.display_name, p.is_variable ? 1 : 0]);
    product.free();
    const meterpoint = db.prepare('INSERT INTO meterpoint VALUES (?, ?)');
    for (const m of data.meterpoints) meterpoint.run([m.meterpoint_id, m.region]);
    meterpoint.free();
    const agreement = db.prepare('INSERT INTO agreement VALUES (?, ?, ?, ?, ?, ?)');
    for (const a of data.agreements) {
      agreement.run([a.agreement_id, a.agreement_valid_from, a.agreement_valid_to, a.product_id, a.meterpoint_id, a.account_id]);
    }
    agreement.free();
    db.run('COMMIT');
    return db.export();
  } finally {
    db.close();
  }
}
