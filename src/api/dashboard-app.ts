/**
 * The dashboard API as one pure request → response function, served by the local HTTP server and
 * by the Lambda handler alike. Responses of data routes carry an ETag derived from the snapshot
 * ids they read, so a client revalidates cheaply and gets 304 until the data changes.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './api-error';
import type { DashboardReader } from './dashboard-reader';
import { parseFleetRequest, parseMetersRequest, parseNoParameters, parseSeriesRequest, type DataVersion } from './request-params';

export interface ApiRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/api/series`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type DashboardApi = (request: ApiRequest) => Promise<ApiResponse>;

/** Logs a failure that is not the client's (a 500); the client gets a generic message. */
export type ErrorLogger = (error: unknown, request: ApiRequest) => void;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function json(status: number, body: unknown, extra: Record<string, string> = {}): ApiResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) };
}

/** The canonical form of a query (sorted), so the same request has the same ETag however it was written. */
const canonicalQuery = (query: URLSearchParams) => [...query].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join('&');

/** Builds the API over a reader. */
export function createDashboardApi(reader: DashboardReader, logError: ErrorLogger = () => undefined): DashboardApi {
  /** A data route: ETag from the version key, 304 when the client holds it. */
  const cached = async (req: ApiRequest, version: DataVersion, read: () => Promise<unknown>): Promise<ApiResponse> => {
    const key = await reader.versionKey(version);
    const etag = `"${createHash('sha256').update(`${req.path}?${canonicalQuery(req.query)}#${key}`).digest('base64url').slice(0, 27)}"`;
    // Revalidate on every use: the ETag is cheap to compute (metadata only), the answer may not be.
    const headers = { etag, 'cache-control': 'private, no-cache' };
    const held = req.headers['if-none-match']?.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (held?.includes(etag)) return { status: 304, headers, body: '' };
    return json(200, await read(), headers);
  };

  const routes: Record<string, (req: ApiRequest) => Promise<ApiResponse>> = {
    '/api/meters': (req) => {
      const parsed = parseMetersRequest(req.query);
      return cached(req, { kind: 'live' }, () => reader.meters(parsed));
    },
    '/api/series': (req) => {
      const parsed = parseSeriesRequest(req.query);
      return cached(req, parsed.version, () => reader.series(parsed));
    },
    '/api/fleet': (req) => {
      const parsed = parseFleetRequest(req.query);
      return cached(req, parsed.version, () => reader.fleet(parsed));
    },
    '/api/status': async (req) => {
      parseNoParameters(req.query);
      // "Last 24 hours" moves with the clock: never cached.
      return json(200, await reader.status(), { 'cache-control': 'no-store' });
    },
    '/api/tags': (req) => {
      parseNoParameters(req.query);
      return cached(req, { kind: 'live' }, () => reader.tags());
    },
  };

  return async (req) => {
    const route = routes[req.path];
    try {
      if (!route) throw new ApiError(404, 'not_found', `no route ${req.path} (routes: ${Object.keys(routes).join(', ')})`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed; use GET`);
      return await route(req);
    } catch (error) {
      if (error instanceof ApiError) return json(error.status, error, error.status === 405 ? { allow: 'GET, HEAD' } : {});
      logError(error, req);
      return json(500, { error: { code: 'internal', message: 'the server failed to answer; the error is logged' } });
    }
  };
}
