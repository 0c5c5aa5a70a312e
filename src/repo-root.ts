import * as path from 'node:path';

/**
 * The repository's root folder: sql/ and config/ are read from it at run time. This file sits one
 * level below the root, and so does the built command (dist/meterlake.cjs, which inlines it), so
 * the same expression holds when run from the sources and from the build.
 */
export const REPO_ROOT = path.resolve(__dirname, '..');
