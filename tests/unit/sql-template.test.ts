import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  expandViews,
  listSqlFiles,
  loadSqlTemplate,
  MissingSqlParamError,
  parseSqlTemplate,
  renderSql,
  SqlTemplateError,
  type SqlTemplate,
} from '../../src/engine/sql-template';

const table = (slot: string): string => `"db"."${slot}"`;

describe('parseSqlTemplate', () => {
  it('collects slots in order of first appearance, params and the description', () => {
    const text = [
      '-- @description Readings per agreement.',
      '-- @param as_of_date DATE',
      'SELECT * FROM {{meter_readings}} r JOIN {{agreement}} a ON a.meterpoint_id = r.meter_id',
      'JOIN {{meter_readings}} r2 ON true WHERE a.agreement_valid_from < :as_of_date',
    ].join('\n');

    const template = parseSqlTemplate(text, 'example');

    expect(template).toMatchObject({
      name: 'example',
      slots: ['meter_readings', 'agreement'],
      params: [{ name: 'as_of_date', type: 'DATE' }],
      description: 'Readings per agreement.',
    });
  });

  it('ignores slots and parameters inside strings, quoted identifiers and comments, and :: casts', () => {
    const text = "SELECT ':nope', \"{{nope}}\", x::INTEGER /* {{nope}} :nope */ FROM {{t}} -- :nope {{nope}}";

    const template = parseSqlTemplate(text, 'quoted');

    expect(template.slots).toEqual(['t']);
    expect(template.params).toEqual([]);
  });

  it('rejects a parameter used without a @param line', () => {
    expect(() => parseSqlTemplate('SELECT * FROM {{t}} WHERE d < :as_of', 'undeclared')).toThrow(/undeclared: parameter :as_of .*@param as_of/);
  });

  it('rejects a declared parameter that is never used', () => {
    expect(() => parseSqlTemplate('-- @param d DATE\nSELECT 1 FROM {{t}}', 'unused')).toThrow(SqlTemplateError);
  });

  it('rejects an unknown parameter type', () => {
    expect(() => parseSqlTemplate('-- @param d INTERVAL\nSELECT 1 FROM {{t}} WHERE x = :d', 'bad-type')).toThrow(/type INTERVAL/);
  });

  it('rejects two statements in one file but accepts a trailing semicolon', () => {
    expect(() => parseSqlTemplate('SELECT 1; SELECT 2', 'two')).toThrow(/one statement per file/);
    expect(parseSqlTemplate("SELECT ';' FROM {{t}};\n-- end\n", 'one').slots).toEqual(['t']);
  });
});

describe('renderSql', () => {
  it('replaces slots with the engine table references and params with typed positional placeholders in order', () => {
    const template = parseSqlTemplate(
      '-- @param from_day DATE\n-- @param meter VARCHAR\nSELECT * FROM {{r}} WHERE d >= :from_day AND m = :meter AND d2 >= :from_day;',
      'render',
    );

    const rendered = renderSql(template, { table, params: { from_day: '2021-01-01', meter: 'm1' } });

    expect(rendered.sql).toBe(
      '-- @param from_day DATE\n-- @param meter VARCHAR\nSELECT * FROM "db"."r" WHERE d >= CAST(? AS DATE) AND m = CAST(? AS VARCHAR) AND d2 >= CAST(? AS DATE)',
    );
    expect(rendered.values).toEqual(['2021-01-01', 'm1', '2021-01-01']);
  });

  it('fails naming the parameter when a value is missing', () => {
    const template = parseSqlTemplate('-- @param as_of_date DATE\nSELECT 1 FROM {{t}} WHERE d < :as_of_date', 'needs-date');

    expect(() => renderSql(template, { table })).toThrow(MissingSqlParamError);
    expect(() => renderSql(template, { table })).toThrow(/needs-date: no value for parameter :as_of_date \(DATE\)/);
  });
});

describe('expandViews', () => {
  const views = new Map<string, SqlTemplate>([
    ['base_view', parseSqlTemplate('SELECT * FROM {{meter_readings}};', 'base_view')],
    ['top_view', parseSqlTemplate('-- a comment\nSELECT * FROM {{base_view}} b JOIN {{agreement}} a ON true', 'top_view')],
  ]);

  it('inlines views as CTEs after the views they read, leaving only table slots', () => {
    const template = parseSqlTemplate('SELECT count(*) FROM {{top_view}} t', 'query');

    const expanded = expandViews(template, views);

    expect(expanded.slots).toEqual(['meter_readings', 'agreement']);
    expect(renderSql(expanded, { table }).sql).toBe(
      'WITH "base_view" AS (\nSELECT * FROM "db"."meter_readings"\n),\n"top_view" AS (\n-- a comment\nSELECT * FROM "base_view" b JOIN "db"."agreement" a ON true\n)\nSELECT count(*) FROM "top_view" t',
    );
  });

  it("joins the inlined views to the query's own WITH clause", () => {
    const template = parseSqlTemplate('-- header\nWITH x AS (SELECT * FROM {{base_view}}) SELECT * FROM x', 'with-query');

    const sql = renderSql(expandViews(template, views), { table }).sql;

    expect(sql).toBe('-- header\nWITH "base_view" AS (\nSELECT * FROM "db"."meter_readings"\n),\nx AS (SELECT * FROM "base_view") SELECT * FROM x');
  });

  it('returns the template unchanged when it reads no view', () => {
    const template = parseSqlTemplate('SELECT * FROM {{agreement}}', 'plain');

    expect(expandViews(template, views)).toBe(template);
  });

  it('rejects views that read each other in a cycle', () => {
    const cyclic = new Map<string, SqlTemplate>([
      ['a', parseSqlTemplate('SELECT * FROM {{b}}', 'a')],
      ['b', parseSqlTemplate('SELECT * FROM {{a}}', 'b')],
    ]);

    expect(() => expandViews(parseSqlTemplate('SELECT * FROM {{a}}', 'q'), cyclic)).toThrow(/cycle: q → a → b → a/);
  });
});

describe('loadSqlTemplate and listSqlFiles', () => {
  it('names a template after its file and lists .sql files sorted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sql-template-'));
    writeFileSync(path.join(dir, 'b_view.sql'), 'SELECT 1 FROM {{t}}');
    writeFileSync(path.join(dir, 'a_view.sql'), 'SELECT 2 FROM {{t}}');
    writeFileSync(path.join(dir, 'notes.md'), 'not sql');

    const files = listSqlFiles(dir);

    expect(files.map((f) => path.basename(f))).toEqual(['a_view.sql', 'b_view.sql']);
    expect(loadSqlTemplate(files[0]).name).toBe('a_view');
  });

  it('lists nothing for a missing folder', () => {
    expect(listSqlFiles(path.join(tmpdir(), 'no-such-sql-folder-here'))).toEqual([]);
  });
});
