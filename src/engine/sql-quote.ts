/**
 * SQL quoting shared by every engine (DuckDB and Athena/Trino quote the same way). Kept free of
 * engine imports so that the Athena side never loads DuckDB's native module.
 */

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
