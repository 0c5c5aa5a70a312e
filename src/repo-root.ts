import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The folder sql/ and config/ are read from at run time. From the sources this file sits one level
 * below the repository's root, and so does the built command (dist/meterlake.cjs, which inlines it):
 * the root is the parent folder. A Lambda bundle inlines it too, but its asset carries sql/ and
 * config/ beside the bundle's index.js (lib/constructs/lambda-runtime.ts copies them there), so a
 * folder that holds sql/ itself is the root.
 */
export function resolveRepoRoot(moduleDir: string): string {
  return existsSync(path.join(moduleDir, 'sql')) ? moduleDir : path.resolve(moduleDir, '..');
}

/** The repository's root folder (or the Lambda asset's): see resolveRepoRoot. */
export const REPO_ROOT = resolveRepoRoot(__dirname);
