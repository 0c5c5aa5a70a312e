/**
 * Athena DDL for the analyst views, generated from the same sql/views files the engines run:
 * `CREATE OR REPLACE VIEW "meterlake"."<view>" AS <select>` with every slot (table or view) as
 * `"meterlake"."<name>"`, listed so that a view comes after the views it reads.
 */
import { sqlIdent } from './sql-quote';
import { loadSqlTemplates, renderSql, SqlTemplateError, SQL_VIEWS_DIR, tokenizeSql, type SqlTemplate } from './sql-template';

export interface AthenaViewDdl {
  readonly name: string;
  readonly ddl: string;
}

/** The view's SELECT without comments (Athena stores the view text as given). */
function withoutComments(template: SqlTemplate): SqlTemplate {
  const text = tokenizeSql(template.text)
    .filter((token) => token.kind !== 'comment')
    .map((token) => token.text)
    .join('')
    .replace(/\n\s*\n/g, '\n')
    .trim();
  return { ...template, text };
}

/** `CREATE OR REPLACE VIEW` for one view template; views take no parameters. */
export function athenaViewDdl(template: SqlTemplate, database = 'meterlake'): string {
  if (template.params.length) {
    throw new SqlTemplateError(`view ${template.name} declares parameters (${template.params.map((p) => p.name).join(', ')}); Athena views take none`);
  }
  const { sql } = renderSql(withoutComments(template), { table: (slot) => `${sqlIdent(database)}.${sqlIdent(slot)}` });
  return `CREATE OR REPLACE VIEW ${sqlIdent(database)}.${sqlIdent(template.name)} AS\n${sql}`;
}

/** DDL for every view in `dir` (default sql/views), each after the views it reads. */
export function athenaViewDdls(dir: string = SQL_VIEWS_DIR, database = 'meterlake'): AthenaViewDdl[] {
  const views = loadSqlTemplates(dir);
  const ordered: SqlTemplate[] = [];
  const visit = (view: SqlTemplate, trail: string[]): void => {
    if (ordered.includes(view)) return;
    if (trail.includes(view.name)) throw new SqlTemplateError(`views reference each other in a cycle: ${[...trail, view.name].join(' → ')}`);
    for (const slot of view.slots) {
      const dependency = views.get(slot);
      if (dependency) visit(dependency, [...trail, view.name]);
    }
    ordered.push(view);
  };
  for (const view of views.values()) visit(view, []);
  return ordered.map((view) => ({ name: view.name, ddl: athenaViewDdl(view, database) }));
}
