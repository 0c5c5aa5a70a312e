#!/usr/bin/env node
// Adds lock entries for platform-specific optional packages that npm could not resolve.
// Why: this project's registry mirror serves only the binaries for the platforms it builds on, so
// `npm install` leaves e.g. @duckdb/node-bindings-darwin-arm64 out of package-lock.json, and then
// `npm ci` refuses the lock ("Missing: … from lock file"). An entry with the package's os/cpu lets
// `npm ci` skip it on other platforms exactly as it would with the public registry's lock.
// Run after `npm install` whenever dependencies change: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'aix', 'netbsd', 'openbsd', 'sunos'];
const CPU = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'loong64', 'riscv64', 'mips64el'];
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key] || lock.packages[`${path}/${key}`]) continue;
    const tokens = name.split('/').pop().split('-');
    const os = tokens.find((t) => OS.includes(t));
    const cpu = tokens.find((t) => CPU.includes(t));
    if (!os || !cpu) continue;
    const libc = os === 'linux' ? (tokens.some((t) => t.startsWith('musl')) ? ['musl'] : ['glibc']) : undefined;
    lock.packages[key] = { version, optional: true, os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
