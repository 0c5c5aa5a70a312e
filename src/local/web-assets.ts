import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { REPO_ROOT } from '../repo-root';

/** The dashboard page's folder: index.html, dashboard.css and dashboard.ts (bundled with uPlot). */
export const WEB_DIR = path.join(REPO_ROOT, 'web');

export interface WebAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * The page's files by URL path, built from web/ (esbuild bundles dashboard.ts and uPlot from
 * node_modules into one script): served from the package itself, never from a CDN.
 */
export async function buildWebAssets(): Promise<Map<string, WebAsset>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(WEB_DIR, 'dashboard.ts')],
    bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, logLevel: 'warning',
    tsconfig: path.join(WEB_DIR, 'tsconfig.json'),
  });
  const uplotDir = path.dirname(createRequire(path.join(WEB_DIR, 'dashboard.ts')).resolve('uplot'));
  const file = (name: string) => readFile(path.join(WEB_DIR, name));
  return new Map<string, WebAsset>([
    ['/', { contentType: 'text/html; charset=utf-8', body: await file('index.html') }],
    ['/dashboard.css', { contentType: 'text/css; charset=utf-8', body: await file('dashboard.css') }],
    ['/dashboard.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(result.outputFiles[0].contents) }],
    ['/uPlot.min.css', { contentType: 'text/css; charset=utf-8', body: await readFile(path.join(uplotDir, 'uPlot.min.css')) }],
  ]);
}

/** Headers every page response carries: the page loads only its own files and talks only to its own origin. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
