import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake received: its operation and JSON input, and what it answered. */
export interface FakeCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  output?: unknown;
  error?: { name: string; message: string };
}

/**
 * What an interceptor does with a call. 'answer' (or nothing): carry on. 'drop': close the
 * connection without answering (and, before the call is applied, without applying it).
 */
export type Interception = 'answer' | 'drop' | void;

/**
 * Acts on a call before the fake answers it: at 'received' the state is untouched, at 'applied'
 * the operation has changed the state and the answer is not yet sent (a lost response).
 */
export type Interceptor = (call: FakeCall, phase: 'received' | 'applied') => Interception | Promise<Interception>;

/** A service error, answered as HTTP 400 with the AWS JSON error shape. */
export class FakeServiceError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
    this.name = code;
  }
}

/** An operation: its JSON input → JSON output; throws FakeServiceError (or an SDK exception, whose name is its code). */
export type Operation = (input: Record<string, unknown>) => unknown;

export interface JsonServiceOptions {
  /** The X-Amz-Target prefix: `AWSGlue`, `AmazonSQS`, `AmazonAthena`. */
  readonly targetPrefix: string;
  /** `1.0` (SQS) or `1.1` (Glue, Athena). */
  readonly jsonVersion: '1.0' | '1.1';
  readonly operations: Record<string, Operation>;
}

/** A fake AWS service on 127.0.0.1 speaking the AWS JSON protocol. */
export interface JsonService {
  readonly endpoint: string;
  /** Every call received, in order (including refused and dropped ones). */
  readonly calls: FakeCall[];
  /** The calls of one operation. */
  callsOf(operation: string): FakeCall[];
  /** Acts on calls until cleared with `intercept(undefined)`. */
  intercept(interceptor: Interceptor | undefined): void;
  close(): Promise<void>;
}

/**
 * Serves `operations` over the AWS JSON protocol the SDK v3 clients speak: POST / with
 * `X-Amz-Target: <prefix>.<Operation>` and a JSON body; the answer is JSON, an error is HTTP
 * 400 with `x-amzn-ErrorType` and `{"__type": code, "message": …}` (how the SDK finds the
 * exception's name), anything unexpected HTTP 500. Request signatures are not checked.
 */
export async function startJsonService(options: JsonServiceOptions): Promise<JsonService> {
  const calls: FakeCall[] = [];
  let interceptor: Interceptor | undefined;
  const contentType = `application/x-amz-json-${options.jsonVersion}`;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    const text = JSON.stringify(body ?? {});
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...headers });
    res.end(text);
  };
  const sendError = (res: ServerResponse, call: FakeCall | undefined, error: unknown) => {
    const known = error instanceof FakeServiceError || (error instanceof Error && (error as { $fault?: string }).$fault === 'client');
    const code = known ? (error as Error).name : 'InternalServiceException';
    const message = error instanceof Error ? error.message : String(error);
    if (call) call.error = { name: code, message };
    send(res, error instanceof FakeServiceError ? error.status : known ? 400 : 500, { __type: code, message }, { 'x-amzn-errortype': code });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation] = target.split('.');
    if (req.method !== 'POST' || prefix !== options.targetPrefix || !operation) {
      return sendError(res, undefined, new FakeServiceError('UnknownOperationException', `not a ${options.targetPrefix} call: ${req.method} ${target}`));
    }
    let input: Record<string, unknown>;
    try {
      input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      return sendError(res, undefined, new FakeServiceError('SerializationException', 'the body is not JSON'));
    }
    const call: FakeCall = { operation, input };
    calls.push(call);
    const implementation = options.operations[operation];
    if (!implementation) return sendError(res, call, new FakeServiceError('UnknownOperationException', `the fake ${options.targetPrefix} does not implement ${operation}`));
    if ((await interceptor?.(call, 'received')) === 'drop') {
      call.error = { name: 'Dropped', message: 'dropped before it was applied' };
      return void res.destroy();
    }
    try {
      call.output = implementation(input);
    } catch (error) {
      return sendError(res, call, error);
    }
    if ((await interceptor?.(call, 'applied')) === 'drop') return void res.destroy();
    send(res, 200, call.output);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => sendError(res, undefined, error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    callsOf: (operation) => calls.filter((c) => c.operation === operation),
    intercept: (next) => {
      interceptor = next;
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
