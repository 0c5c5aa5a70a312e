#!/usr/bin/env node
// The `meterlake` command. tsx compiles the TypeScript sources on load, so the command works
// right after `npm ci` with no build step and never runs stale output.
require('tsx/cjs');
// `meterlake … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('../src/cli.ts').main(process.argv).then((code) => { process.exitCode = code; }).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
