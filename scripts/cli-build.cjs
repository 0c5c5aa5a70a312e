// The build of the `meterlake` command: src/cli.ts and the sources it imports, bundled by esbuild
// into one CommonJS file, dist/meterlake.cjs. Packages stay in node_modules, required on first use
// (lazyPackages; BUNDLED_PACKAGES are the exception), and sql/ and config/ are read at run time
// from the repository (src/repo-root.ts).
//
// The sources stay the truth: the bundle's first line records the hash of the inputs it was built
// from, and scripts/meterlake.cjs rebuilds before running whenever the inputs' hash differs, so a
// stale build never runs. `npm ci` / `npm install` build it once (the `prepare` script), so the
// first command does not pay for the build.
//
// `node scripts/cli-build.cjs` builds when stale; with --force, always.
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'dist', 'meterlake.cjs');
/** What the bundle is made from: every file under these folders, and these files. */
const INPUT_DIRS = ['src'];
// package-lock.json: the installed packages' export names are part of the bundle (lazyPackages).
const INPUT_FILES = ['scripts/cli-build.cjs', 'tsconfig.json', 'package-lock.json'];
const STAMP_PREFIX = '// meterlake build of inputs ';

function filesUnder(dir) {
  const files = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...filesUnder(rel));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/** SHA-256 over the inputs' paths and contents (a renamed, added or deleted file changes it too). */
function inputsHash() {
  const hash = createHash('sha256');
  const files = [...INPUT_DIRS.flatMap(filesUnder), ...INPUT_FILES].sort();
  for (const file of files) hash.update(`${file}\0`).update(fs.readFileSync(path.join(ROOT, file))).update('\0');
  return hash.digest('hex');
}

/** The inputs' hash recorded in the bundle's first line, or undefined when there is no bundle. */
function builtHash() {
  let fd;
  try {
    fd = fs.openSync(BUNDLE, 'r');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const head = Buffer.alloc(STAMP_PREFIX.length + 64);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const line = head.toString('utf8', 0, n);
    return line.startsWith(STAMP_PREFIX) ? line.slice(STAMP_PREFIX.length) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Write a file whole or not at all: concurrent commands never read half a bundle. */
function writeAtomically(file, contents) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, contents);
  fs.renameSync(temp, file);
}

/**
 * Packages are required when the command first uses them, not when the bundle loads, so
 * `meterlake --help` loads no DuckDB and `meterlake query` no AWS SDK (each costs 0.1–0.3 s to
 * load). Every package the sources import becomes a small module whose exports are getters that
 * require the package on first read; the export names are read from the installed package at
 * build time (package-lock.json is among the build's inputs).
 */
const lazyPackages = {
  name: 'lazy-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      if (isEsmBundled(args.path)) return undefined;
      if (args.namespace === 'lazy-package') return BUNDLED_PACKAGES.includes(args.path) ? undefined : { path: args.path, external: true };
      // Inside a bundled package: its own dependencies are required as usual.
      if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return { path: args.path, external: true };
      return { path: args.path, namespace: 'lazy-package' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => {
      const exported = require(require.resolve(args.path, { paths: [ROOT] }));
      const callable = typeof exported === 'function';
      const names = Object.getOwnPropertyNames(exported)
        .filter((name) => name !== '__esModule' && !(callable && (name in Function.prototype || name === 'prototype')));
      return {
        loader: 'js',
        resolveDir: ROOT,
        contents: [
          'let loaded;',
          `const load = () => loaded ??= require(${JSON.stringify(args.path)});`,
          // A package that exports a function (sql.js) is called through the stand-in; a class
          // (date-holidays) is constructed as itself, so instances get the package's prototype.
          callable
            ? 'const lazy = function (...args) { return new.target ? Reflect.construct(load(), args) : load().apply(this, args); };'
            : 'const lazy = {};',
          `for (const name of ${JSON.stringify(names)}) {`,
          '  Object.defineProperty(lazy, name, { enumerable: true, get: () => load()[name] });',
          '}',
          exported.__esModule ? "Object.defineProperty(lazy, '__esModule', { value: true });" : '',
          'module.exports = lazy;',
        ].join('\n'),
      };
    });
  },
};
/**
 * Pure-JavaScript packages bundled in (still loaded on first use): @duckdb/node-api is ~120 small
 * files, and loading it from one bundle takes a third of the time. Its native binding
 * (@duckdb/node-bindings) stays outside, as do all other packages.
 */
const BUNDLED_PACKAGES = ['@duckdb/node-api'];
/**
 * ESM-only packages (their exports have no require entry, so no lazy stand-in can require them):
 * bundled in whole, with the deep imports between them (hyparquet-writer writes device_energy files).
 */
const ESM_BUNDLED_PACKAGES = ['hyparquet-writer', 'hyparquet'];
const isEsmBundled = (request) => ESM_BUNDLED_PACKAGES.some((name) => request === name || request.startsWith(`${name}/`));

/** Bundle the sources whose hash is `hash` into dist/meterlake.cjs (with a source map beside it). */
async function build(hash) {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    plugins: [lazyPackages],
    absWorkingDir: ROOT,
    entryPoints: ['src/cli.ts'],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Stack traces name the TypeScript sources under `node --enable-source-maps`.
    sourcemap: 'linked',
    banner: { js: `${STAMP_PREFIX}${hash}` },
    logLevel: 'error',
    write: false,
  });
  fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
  // The map first: the bundle is what the freshness check reads.
  const outputs = [...result.outputFiles].sort((a, b) => Number(a.path === BUNDLE) - Number(b.path === BUNDLE));
  for (const output of outputs) writeAtomically(output.path, output.contents);
}

/** The path of a bundle built from the current sources, building it first when missing or stale. */
async function ensureBuilt({ force = false } = {}) {
  // Hashed before esbuild reads the sources: a source edited in between leaves a bundle whose
  // recorded hash is older than its content, which the next run rebuilds (never the reverse).
  const hash = inputsHash();
  if (force || builtHash() !== hash) await build(hash);
  return BUNDLE;
}

module.exports = { BUNDLE, ensureBuilt, inputsHash, builtHash };

if (require.main === module) {
  ensureBuilt({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
