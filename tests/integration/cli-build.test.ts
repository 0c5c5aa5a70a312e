import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The `meterlake` command runs dist/meterlake.cjs, the esbuild bundle of the sources; the bundle's
 * first line records the hash of the sources it was built from (scripts/cli-build.cjs).
 */
const REPO = path.resolve(__dirname, '..', '..');
const node = (args: string[], cwd = REPO) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-cli-build-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A project shaped like this one whose src/cli.ts prints `version`: the real build script and wrapper. */
async function miniProject(version: string): Promise<string> {
  const root = path.join(dir, 'project');
  await fs.mkdir(path.join(root, 'scripts'), { recursive: true });
  await fs.mkdir(path.join(root, 'src'), { recursive: true });
  for (const script of ['cli-build.cjs', 'meterlake.cjs']) await fs.copyFile(path.join(REPO, 'scripts', script), path.join(root, 'scripts', script));
  for (const file of ['tsconfig.json', 'package-lock.json']) await fs.copyFile(path.join(REPO, file), path.join(root, file));
  await fs.symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  await writeCli(root, version);
  return root;
}

const writeCli = (root: string, version: string) => fs.writeFile(
  path.join(root, 'src', 'cli.ts'),
  `export async function main(argv: string[]): Promise<number> { console.log('${version}', argv.slice(2).join(' ')); return 0; }\n`,
);

test('a fresh checkout builds on first run, and runs the build', async () => {
  const root = await miniProject('v1');
  const run = node(['scripts/meterlake.cjs', 'a', 'b'], root);
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('v1 a b\n');
  expect(await fs.readFile(path.join(root, 'dist', 'meterlake.cjs'), 'utf8')).toMatch(/^\/\/ meterlake build of inputs [0-9a-f]{64}\n/);
});

test('a source changed since the build is rebuilt before running, never run stale', async () => {
  const root = await miniProject('v1');
  expect(node(['scripts/meterlake.cjs'], root).stdout).toBe('v1 \n');
  await writeCli(root, 'v2');
  expect(node(['scripts/meterlake.cjs'], root).stdout).toBe('v2 \n');
});

test('a source file added since the build makes it stale too', async () => {
  const root = await miniProject('v1');
  node(['scripts/cli-build.cjs'], root);
  const before = await fs.readFile(path.join(root, 'dist', 'meterlake.cjs'), 'utf8');
  await fs.writeFile(path.join(root, 'src', 'unused.ts'), 'export const x = 1;\n');
  node(['scripts/cli-build.cjs'], root);
  const after = await fs.readFile(path.join(root, 'dist', 'meterlake.cjs'), 'utf8');
  expect(after.split('\n')[0]).not.toBe(before.split('\n')[0]);
});

test('a bundle whose recorded hash is not the sources\' is rebuilt, not run', async () => {
  const root = await miniProject('v1');
  await fs.mkdir(path.join(root, 'dist'));
  await fs.writeFile(path.join(root, 'dist', 'meterlake.cjs'),
    `// meterlake build of inputs ${createHash('sha256').update('other sources').digest('hex')}\nexports.main = async () => { console.log('stale'); return 0; };\n`);
  expect(node(['scripts/meterlake.cjs'], root).stdout).toBe('v1 \n');
});

test('the real command\'s build finds sql/ and config/ in the repository', async () => {
  const lake = path.join(dir, 'lake');
  const sources = node(['scripts/meterlake.cjs', '--lake', lake, 'sources']);
  expect(sources.stderr).toBe('');
  expect(sources.stdout).toContain('greenbutton');
  const ddl = node(['scripts/meterlake.cjs', 'athena-ddl']);
  expect(ddl.stderr).toBe('');
  expect(ddl.stdout).toContain('CREATE OR REPLACE VIEW');
  const csv = path.join(dir, 'readings.csv');
  await fs.writeFile(csv, 'meter_id,interval_start,interval_minutes,kwh,quality\n'
    + 'MTR-0000000000001,2024-01-01T00:15:00Z,15,0.25,actual\nMTR-0000000000001,2024-01-01T00:30:00Z,15,0.5,estimated\n');
  const ingest = node(['scripts/meterlake.cjs', '--lake', lake, 'ingest', csv]);
  expect(ingest.status).toBe(0);
  const query = node(['scripts/meterlake.cjs', '--lake', lake, 'query', 'select count(*) as n, sum(kwh) as kwh from readings_history', '--format', 'csv']);
  expect(query.stderr).toBe('');
  expect(query.stdout).toBe('n,kwh\n2,0.75\n');
});
