#!/usr/bin/env node
// The `meterlake` command. It runs the build of the TypeScript sources (dist/meterlake.cjs, made
// by `npm ci`); the sources stay the truth: when they changed since that build, it is rebuilt
// first (scripts/cli-build.cjs), so a stale build never runs.
// `meterlake … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('./cli-build.cjs').ensureBuilt().then((bundle) => require(bundle).main(process.argv)).then((code) => { process.exitCode = code; }).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
