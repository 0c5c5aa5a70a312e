/**
 * Portable SQL files (sql/views, sql/gold, …): one statement per file, table references as
 * template slots `{{table}}`, parameters as `:name` declared in a header `-- @param name TYPE`.
 * An engine renders a template: slots become its relation names, parameters positional `?`.
 * Athena accepts `?` only in WHERE clauses, so portable templates use parameters only there.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../repo-root';
import { sqlIdent } from './sql-quote';

/** The folder holding the portable SQL files. */
export const SQL_ROOT = path.join(REPO_ROOT, 'sql');
/** Views analysts and the dashboard query; other templates reference them by slot. */
export const SQL_VIEWS_DIR = path.join(SQL_ROOT, 'views');
/** Gold (analytics) tables: each file a SELECT whose result becomes an Iceberg table. */
export const SQL_GOLD_DIR = path.join(SQL_ROOT, 'gold');

export const SQL_PARAM_TYPES = ['DATE', 'TIMESTAMP', 'VARCHAR', 'BIGINT', 'DOUBLE'] as const;
export type SqlParamType = (typeof SQL_PARAM_TYPES)[number];

export interface SqlParam {
  readonly name: string;
  readonly type: SqlParamType;
}

export interface SqlTemplate {
  /** File name without `.sql` (e.g. `gold_active_agreements`). */
  readonly name: string;
  readonly text: string;
  /** Distinct slot names in order of first appearance. */
  readonly slots: string[];
  readonly params: SqlParam[];
  readonly description: string;
}

export interface RenderOptions {
  /** SQL text that replaces a slot (e.g. `"meterlake"."agreement"`). */
  readonly table: (slot: string) => string;
  readonly params?: Record<string, unknown>;
}

export interface RenderedSql {
  /** Parameters appear as `CAST(? AS <type>)`, so each engine binds the declared type. */
  readonly sql: string;
  /** Parameter values in order of appearance of their `?`. */
  readonly values: unknown[];
  /** The declared parameter behind each value, parallel to `values`. */
  readonly valueParams: SqlParam[];
}

/** A SQL file breaks a template rule (undeclared parameter, two statements, …). */
export class SqlTemplateError extends Error {
  override name = 'SqlTemplateError';
}

/** A render was asked without a value for a declared parameter. */
export class MissingSqlParamError extends Error {
  override name = 'MissingSqlParamError';
}

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'slot'; name: string; text: string }
  | { kind: 'param'; name: string; text: string }
  | { kind: 'comment' | 'string' | 'identifier'; text: string };

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_]/;
const SLOT_PATTERN = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/;

/** Splits SQL text into comments, literals, quoted identifiers, slots, parameters and other text. */
export function tokenizeSql(text: string): Token[] {
  const tokens: Token[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) tokens.push({ kind: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      flush();
      tokens.push({ kind: 'comment', text: text.slice(i, stop) });
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      flush();
      tokens.push({ kind: 'comment', text: text.slice(i, stop) });
      i = stop;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === ch && text[j + 1] === ch) j += 2;
        else if (text[j] === ch) break;
        else j += 1;
      }
      flush();
      tokens.push({ kind: ch === "'" ? 'string' : 'identifier', text: text.slice(i, j + 1) });
      i = j + 1;
    } else if (ch === '{' && next === '{' && SLOT_PATTERN.test(text.slice(i, i + 200))) {
      const match = SLOT_PATTERN.exec(text.slice(i, i + 200))!;
      flush();
      tokens.push({ kind: 'slot', name: match[1], text: match[0] });
      i += match[0].length;
    } else if (ch === ':' && next !== undefined && WORD_START.test(next) && text[i - 1] !== ':' && !WORD_CHAR.test(text[i - 1] ?? '')) {
      let j = i + 1;
      while (j < text.length && WORD_CHAR.test(text[j])) j += 1;
      flush();
      tokens.push({ kind: 'param', name: text.slice(i + 1, j), text: text.slice(i, j) });
      i = j;
    } else {
      plain += ch;
      i += 1;
    }
  }
  flush();
  return tokens;
}

function parseHeader(text: string, name: string): { params: SqlParam[]; description: string } {
  const params: SqlParam[] = [];
  let description = '';
  for (const line of text.split('\n')) {
    const param = /^\s*--\s*@param\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (param) {
      const type = param[2].toUpperCase();
      if (!(SQL_PARAM_TYPES as readonly string[]).includes(type)) {
        throw new SqlTemplateError(`${name}: @param ${param[1]} has type ${param[2]}; expected one of ${SQL_PARAM_TYPES.join(', ')}`);
      }
      if (params.some((p) => p.name === param[1])) throw new SqlTemplateError(`${name}: @param ${param[1]} is declared twice`);
      params.push({ name: param[1], type: type as SqlParamType });
      continue;
    }
    const desc = /^\s*--\s*@description\s+(.*)$/.exec(line);
    if (desc) description = description ? `${description} ${desc[1].trim()}` : desc[1].trim();
    else if (/^\s*--\s*@/.test(line)) throw new SqlTemplateError(`${name}: unknown header line "${line.trim()}"; expected @param or @description`);
  }
  return { params, description };
}

/** Parses the text of one SQL file; `name` is used in errors and as the template name. */
export function parseSqlTemplate(text: string, name: string): SqlTemplate {
  const { params, description } = parseHeader(text, name);
  const tokens = tokenizeSql(text);
  const slots: string[] = [];
  const used = new Set<string>();
  tokens.forEach((token, index) => {
    if (token.kind === 'slot' && !slots.includes(token.name)) slots.push(token.name);
    if (token.kind === 'param') {
      if (!params.some((p) => p.name === token.name)) {
        throw new SqlTemplateError(`${name}: parameter :${token.name} is used but not declared; add "-- @param ${token.name} <TYPE>"`);
      }
      used.add(token.name);
    }
    if (token.kind === 'text' && token.text.includes(';')) {
      const rest = tokens.slice(index + 1).every((t) => t.kind === 'comment' || (t.kind === 'text' && !t.text.trim()));
      const afterSemicolon = token.text.slice(token.text.indexOf(';') + 1);
      if (!rest || afterSemicolon.trim()) throw new SqlTemplateError(`${name}: holds more than one statement; one statement per file`);
    }
  });
  const unused = params.filter((p) => !used.has(p.name));
  if (unused.length) throw new SqlTemplateError(`${name}: @param ${unused.map((p) => p.name).join(', ')} declared but never used`);
  if (!tokens.some((t) => t.kind === 'text' && t.text.trim())) throw new SqlTemplateError(`${name}: holds no statement`);
  return { name, text, slots, params, description };
}

/** Reads and parses one `.sql` file; the template is named after the file. */
export function loadSqlTemplate(file: string): SqlTemplate {
  return parseSqlTemplate(readFileSync(file, 'utf8'), path.basename(file, '.sql'));
}

/** The `.sql` files directly in `dir`, sorted by name (none when the folder is missing). */
export function listSqlFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((n) => n.endsWith('.sql')).sort().map((n) => path.join(dir, n));
}

/** Every template in `dir` by name (default: sql/views). */
export function loadSqlTemplates(dir: string = SQL_VIEWS_DIR): Map<string, SqlTemplate> {
  return new Map(listSqlFiles(dir).map((file) => {
    const template = loadSqlTemplate(file);
    return [template.name, template] as const;
  }));
}

/** The statement without its trailing `;` (so it can be nested in a CTE or a CREATE VIEW). */
function withoutTrailingSemicolon(tokens: Token[]): Token[] {
  const out = [...tokens];
  for (let i = out.length - 1; i >= 0; i -= 1) {
    const token = out[i];
    if (token.kind === 'comment' || (token.kind === 'text' && !token.text.trim())) continue;
    if (token.kind === 'text' && token.text.trimEnd().endsWith(';')) {
      const trimmed = token.text.trimEnd();
      out[i] = { kind: 'text', text: trimmed.slice(0, -1) + token.text.slice(trimmed.length) };
    }
    break;
  }
  return out;
}

/** Renders slots with `options.table` and parameters as typed positional `?`. */
export function renderSql(template: SqlTemplate, options: RenderOptions): RenderedSql {
  const values: unknown[] = [];
  const valueParams: SqlParam[] = [];
  const sql = withoutTrailingSemicolon(tokenizeSql(template.text)).map((token) => {
    if (token.kind === 'slot') return options.table(token.name);
    if (token.kind === 'param') {
      const param = template.params.find((p) => p.name === token.name)!;
      const value = options.params?.[param.name];
      if (value === undefined) {
        throw new MissingSqlParamError(`${template.name}: no value for parameter :${param.name} (${param.type})`);
      }
      values.push(value);
      valueParams.push(param);
      return `CAST(? AS ${param.type})`;
    }
    return token.text;
  }).join('');
  return { sql: sql.trim(), values, valueParams };
}

/**
 * Inlines every view a template reads (directly or through other views) as a CTE named after the
 * view, in dependency order, so the result reads base tables only and can be pinned to snapshots.
 * Views take no parameters.
 */
export function expandViews(template: SqlTemplate, views: ReadonlyMap<string, SqlTemplate>): SqlTemplate {
  const order: SqlTemplate[] = [];
  const tableSlots: string[] = [];
  const visit = (current: SqlTemplate, trail: string[]): void => {
    for (const slot of current.slots) {
      const view = views.get(slot);
      if (!view) {
        if (!tableSlots.includes(slot)) tableSlots.push(slot);
        continue;
      }
      if (trail.includes(slot)) throw new SqlTemplateError(`views reference each other in a cycle: ${[...trail, slot].join(' → ')}`);
      if (view.params.length) throw new SqlTemplateError(`view ${view.name} declares parameters; views take none`);
      if (order.includes(view)) continue;
      visit(view, [...trail, slot]);
      order.push(view);
    }
  };
  visit(template, [template.name]);
  if (!order.length) return template;

  const inline = (t: SqlTemplate): string => withoutTrailingSemicolon(tokenizeSql(t.text))
    .map((token) => (token.kind === 'slot' && views.has(token.name) ? sqlIdent(token.name) : token.text))
    .join('')
    .trim();
  const ctes = order.map((view) => `${sqlIdent(view.name)} AS (\n${inline(view)}\n)`).join(',\n');
  const body = inline(template);
  const withClause = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*(WITH(?:\s+RECURSIVE)?)\s/i.exec(body);
  const text = withClause
    ? `${body.slice(0, withClause.index + withClause[0].length)}${ctes},\n${body.slice(withClause.index + withClause[0].length)}`
    : `WITH ${ctes}\n${body}`;
  return { ...template, text, slots: tableSlots };
}
