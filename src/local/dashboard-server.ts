import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createDashboardApi, type DashboardApi } from '../api/dashboard-app';
import { LakeDashboardReader } from '../api/lake-dashboard-reader';
import type { LakePorts } from '../pipeline/ports';
import { buildWebAssets, PAGE_SECURITY_HEADERS, type WebAsset } from './web-assets';

export interface DashboardServerOptions {
  /** @default 8080 (0: any free port) */
  readonly port?: number;
  /** @default 127.0.0.1 — the local dashboard is for this machine only */
  readonly host?: string;
  /** Where failures of the server itself (500s) are reported. @default stderr */
  readonly logError?: (error: unknown) => void;
}

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the page (web/) and the API (/api/*) over a lake on a local port. */
export async function startDashboardServer(ports: LakePorts, opts: DashboardServerOptions = {}): Promise<DashboardServer> {
  const logError = opts.logError ?? ((error: unknown) => process.stderr.write(`dashboard: ${error instanceof Error ? error.stack : String(error)}\n`));
  const api = createDashboardApi(new LakeDashboardReader(ports), (error) => logError(error));
  const assets = await buildWebAssets();
  const server = createServer((req, res) => {
    handle(api, assets, req, res).catch((error: unknown) => {
      logError(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await listen(server, opts.port ?? 8080, host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use: choose another with --port`) : error);
    });
    server.listen(port, host, () => resolve());
  });
}

async function handle(api: DashboardApi, assets: Map<string, WebAsset>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  if (url.pathname.startsWith('/api/')) {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const answer = await api({ method, path: url.pathname, query: url.searchParams, headers });
    const body = encode(req, Buffer.from(answer.body));
    res.writeHead(answer.status, { ...answer.headers, ...body.headers, 'x-content-type-options': 'nosniff' });
    res.end(method === 'HEAD' ? undefined : body.bytes);
    return;
  }
  const asset = assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
  if (!asset || (method !== 'GET' && method !== 'HEAD')) {
    res.writeHead(asset ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8', ...PAGE_SECURITY_HEADERS });
    res.end(asset ? 'use GET' : 'not found');
    return;
  }
  const body = encode(req, asset.body);
  res.writeHead(200, { 'content-type': asset.contentType, 'content-length': body.bytes.length, ...body.headers, 'cache-control': 'no-cache', ...PAGE_SECURITY_HEADERS });
  res.end(method === 'HEAD' ? undefined : body.bytes);
}

/** Gzip for clients that accept it, above 1 KiB: series answers are long runs of similar JSON. */
function encode(req: IncomingMessage, bytes: Buffer): { bytes: Buffer; headers: Record<string, string> } {
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (!accepts || bytes.length < 1024) return { bytes, headers: { vary: 'accept-encoding' } };
  return { bytes: gzipSync(bytes), headers: { 'content-encoding': 'gzip', vary: 'accept-encoding' } };
}
