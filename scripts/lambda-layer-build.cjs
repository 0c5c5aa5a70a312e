// The DuckDB Lambda layer: build/lambda-layer/<arch>/nodejs/node_modules/ holds @duckdb/node-api, its
// native binding for Linux glibc on that architecture, and detect-libc (Lambda puts
// /opt/nodejs/node_modules on NODE_PATH). The functions are bundled without these packages
// (lib/constructs/lambda-runtime.ts) and load them from the layer.
//
// Why a layer built by npm: the native binding is a platform package (@duckdb/node-bindings-linux-arm64),
// which `npm ci` on an x64 host never installs. `npm ci --os=linux --cpu=<cpu> --libc=glibc` installs
// exactly the platform's packages from lambda-layer/package-lock.json, whose integrity hashes pin every
// binding; the tarballs come from the npm registry (or npm's cache, so a second build needs no
// network), never from anywhere else.
//
// `node scripts/lambda-layer-build.cjs [x86_64|arm64 ...]` builds the missing or stale layers (both
// by default); --force rebuilds. It runs from npm's `prepare` script.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const LAYER_PACKAGE_DIR = path.join(ROOT, 'lambda-layer');
const LAYER_BUILD_DIR = path.join(ROOT, 'build', 'lambda-layer');
/** Lambda's architecture names and npm's (process.arch) for the same CPU. */
const ARCHITECTURES = { x86_64: 'x64', arm64: 'arm64' };
const DUCKDB_API = '@duckdb/node-api';

class LayerBuildError extends Error {
  constructor(message) {
    super(message);
    this.name = 'LayerBuildError';
  }
}

/** The @duckdb/node-api version package-lock.json pins for the project; the layer must ship the same. */
function lockedDuckDbVersion() {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const entry = lock.packages[`node_modules/${DUCKDB_API}`];
  if (!entry) throw new LayerBuildError(`package-lock.json has no entry for ${DUCKDB_API}`);
  return entry.version;
}

/** Fails when lambda-layer/ pins another DuckDB than the project, saying how to realign it. */
function checkLayerPackagePin(version) {
  const manifest = JSON.parse(fs.readFileSync(path.join(LAYER_PACKAGE_DIR, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(LAYER_PACKAGE_DIR, 'package-lock.json'), 'utf8'));
  const pinned = manifest.dependencies?.[DUCKDB_API];
  const locked = lock.packages?.[`node_modules/${DUCKDB_API}`]?.version;
  if (pinned !== version || locked !== version) {
    throw new LayerBuildError(
      `lambda-layer/ pins ${DUCKDB_API} ${pinned} (locked ${locked}) but package-lock.json has ${version}: ` +
        `set "${DUCKDB_API}": "${version}" in lambda-layer/package.json, then run ` +
        '`npm install --package-lock-only --prefix lambda-layer`',
    );
  }
}

/** The folder Lambda unpacks to /opt for one architecture. */
function layerDir(architecture) {
  return path.join(LAYER_BUILD_DIR, architecture);
}

function readVersion(packageJson) {
  try {
    return JSON.parse(fs.readFileSync(packageJson, 'utf8')).version;
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True when the layer holds the expected DuckDB API and the architecture's native binding. */
function isLayerCurrent(architecture, version) {
  const modules = path.join(layerDir(architecture), 'nodejs', 'node_modules');
  const binding = `@duckdb/node-bindings-linux-${ARCHITECTURES[architecture]}`;
  return (
    readVersion(path.join(modules, DUCKDB_API, 'package.json')) === version &&
    readVersion(path.join(modules, binding, 'package.json')) === version &&
    fs.existsSync(path.join(modules, binding, 'libduckdb.so'))
  );
}

/** Install the layer's packages for one architecture into a temp folder, then move it in place. */
function buildLayer(architecture) {
  const target = layerDir(architecture);
  const temp = `${target}.${process.pid}.tmp`;
  const nodejs = path.join(temp, 'nodejs');
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(nodejs, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(LAYER_PACKAGE_DIR, file), path.join(nodejs, file));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['ci', '--prefix', nodejs, '--os=linux', `--cpu=${ARCHITECTURES[architecture]}`, '--libc=glibc'];
  args.push('--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error');
  try {
    execFileSync(npm, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    // The layer carries the modules only; the manifest stays in lambda-layer/.
    for (const file of ['package.json', 'package-lock.json']) fs.rmSync(path.join(nodejs, file));
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw new LayerBuildError(`npm could not install the ${architecture} DuckDB layer (${err.message}); it needs the npm registry or npm's cache`);
  }
}

/** Build every requested layer that is missing or stale; returns the architectures built. */
function ensureLayers({ architectures = Object.keys(ARCHITECTURES), force = false } = {}) {
  const version = lockedDuckDbVersion();
  checkLayerPackagePin(version);
  const built = [];
  for (const architecture of architectures) {
    if (!ARCHITECTURES[architecture]) throw new LayerBuildError(`unknown architecture "${architecture}"; expected one of ${Object.keys(ARCHITECTURES).join(', ')}`);
    if (!force && isLayerCurrent(architecture, version)) continue;
    buildLayer(architecture);
    built.push(architecture);
  }
  return built;
}

module.exports = { LAYER_BUILD_DIR, ARCHITECTURES, layerDir, isLayerCurrent, lockedDuckDbVersion, ensureLayers };

if (require.main === module) {
  const args = process.argv.slice(2);
  const architectures = args.filter((arg) => !arg.startsWith('--'));
  try {
    const built = ensureLayers({ architectures: architectures.length ? architectures : undefined, force: args.includes('--force') });
    if (built.length) console.log(`lambda-layer: built ${built.join(', ')} in ${path.relative(ROOT, LAYER_BUILD_DIR)}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
