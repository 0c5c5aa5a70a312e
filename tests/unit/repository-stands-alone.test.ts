/**
 * A user's clone has nothing beside it: no test, script or build step may read a file outside the
 * repository. This scans every tracked source file for the two ways that happened before — an
 * absolute path into the workspace, and a path built from `__dirname` that climbs out of the clone.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SOURCE_FILE = /\.(ts|js|cjs|mjs|json|sh|sql)$|^\.ci\//;
const THIS_FILE = path.relative(REPO_ROOT, __filename);

function trackedSourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return listed.split('\n').filter((f) => f && SOURCE_FILE.test(f) && f !== THIS_FILE && !f.startsWith('tests/fixtures/iceberg/'));
}

/** Absolute paths into a workspace, home or the folder beside the clone. */
const OUTSIDE_LITERAL = /['"`](\/(work|home|root|Users)\/[^'"`]*)|\.\.\/shared\b|['"]\.\.['"]\s*,\s*['"]shared['"]|\bhomedir\(/;

/** `join(__dirname, 'a', '..')` / `resolve(__dirname, '../x')` with literal segments. */
const DIRNAME_PATH = /(?:join|resolve)\(\s*__dirname\s*,\s*((?:['"][^'"]*['"]\s*,?\s*)+)\)/g;

function escapingDirnamePaths(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(DIRNAME_PATH)) {
    const segments = [...match[1].matchAll(/['"]([^'"]*)['"]/g)].map((m) => m[1]);
    const target = path.resolve(REPO_ROOT, path.dirname(file), ...segments);
    if (target !== REPO_ROOT && !target.startsWith(`${REPO_ROOT}${path.sep}`)) found.push(`${file}: ${match[0]} → ${target}`);
  }
  return found;
}

test('no source, test or script names a path outside the repository', () => {
  const offenders: string[] = [];
  for (const file of trackedSourceFiles()) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (OUTSIDE_LITERAL.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
    offenders.push(...escapingDirnamePaths(file, text));
  }
  expect(offenders).toEqual([]);
});

test('the check itself catches a path that climbs out of the clone', () => {
  // Built from parts, so this file itself names no outside path.
  const sibling = ['..', '..', '..', 'shared', 'fixtures'].join('/');
  expect(escapingDirnamePaths('tests/helpers/x.ts', `path.resolve(__dirname, '${sibling}')`)).toHaveLength(1);
  expect(escapingDirnamePaths('tests/helpers/x.ts', "path.resolve(__dirname, '../fixtures/iceberg')")).toEqual([]);
  expect(OUTSIDE_LITERAL.test(`const FIXTURES = '${['', 'work', 'shared', 'fixtures'].join('/')}';`)).toBe(true);
  expect(OUTSIDE_LITERAL.test(`path.join(REPO_ROOT, ${["'..'", "'shared'"].join(', ')})`)).toBe(true);
  expect(OUTSIDE_LITERAL.test('const home = os.homedir();')).toBe(true);
});
