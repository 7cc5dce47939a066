import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoint } from '../config.ts';
import type { Logger } from '../log.ts';

/** What a route handler returns; the server serialises it. */
export interface HttpReply {
  status: number;
  body: string | Buffer | object;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * Bytes sent after `body`, as they are: redaction (exposure.ts) never sees them, so only for
   * text with nothing it would hide (the per-member gauges of /metrics: names from the zone files
   * and numbers, src/metrics/text-gauges.ts).
   */
  trailer?: readonly Buffer[];
}

/** Path parameters by name, percent-decoded (`/api/members/a%2Fb/drain` → `{ id: 'a/b' }`). */
export type RouteParams = Readonly<Record<string, string>>;

export type RouteHandler = (request: IncomingMessage, url: URL, params: RouteParams) => HttpReply | Promise<HttpReply>;

/**
 * Routes by method and path: exact ("GET /readyz") or a pattern whose `:name` segments match one
 * non-empty path segment each ("POST /api/members/:id/drain"). Exact paths win over patterns,
 * patterns are tried in insertion order. A path served under other methods gets 405 with `Allow`,
 * unknown paths 404.
 */
export type Routes = ReadonlyMap<string, RouteHandler>;

export interface HttpListener {
  endpoint: Endpoint;
  close(): Promise<void>;
}

/**
 * Most simultaneous HTTP connections (docs/security.md "HTTP connection limit"). A dashboard, a
 * Prometheus scraper and a few CLIs hold a handful; beyond the limit node:http closes a new
 * connection at once (the client sees a reset), so 1,000 concurrent requests cost a bounded
 * amount of memory and work on the control plane instead of queueing without end.
 */
export const DEFAULT_HTTP_MAX_CONNECTIONS = 256;

export interface HttpOptions {
  /** Default DEFAULT_HTTP_MAX_CONNECTIONS. */
  maxConnections?: number;
}

/**
 * The HTTP edge: a small router over node:http, on the control plane: DNS answers in its own
 * worker thread, so a slow or failing handler never delays an answer. Errors become a 500 with
 * a JSON body and a log line.
 */
export async function startHttp(endpoint: Endpoint, routes: Routes, logger: Logger, options: HttpOptions = {}): Promise<HttpListener> {
  const router = compileRoutes(routes);
  const server: Server = createServer((request, response) => {
    void handle(router, request, response, logger);
  });
  server.maxConnections = options.maxConnections ?? DEFAULT_HTTP_MAX_CONNECTIONS;
  let refused = 0;
  server.on('drop', () => {
    // Node ≥ 18.6 emits 'drop' for each connection refused at maxConnections; one log line per 1,000.
    if (refused++ % 1000 === 0) logger.warn({ maxConnections: server.maxConnections, refused }, 'HTTP connection limit reached: connections refused');
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    endpoint: { host: endpoint.host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface CompiledRoute {
  method: string;
  /** Path segments; a `:name` segment is a parameter. */
  segments: string[];
  handler: RouteHandler;
}

interface Router {
  exact: Routes;
  patterns: CompiledRoute[];
}

function compileRoutes(routes: Routes): Router {
  const patterns: CompiledRoute[] = [];
  for (const [key, handler] of routes) {
    const [method = '', path = ''] = key.split(' ');
    if (path.includes('/:')) patterns.push({ method, segments: path.split('/'), handler });
  }
  return { exact: routes, patterns };
}

/** Parameters when `pathname` fits the pattern, else undefined. Throws URIError on bad %-escapes. */
function matchPattern(route: CompiledRoute, pathname: string): Record<string, string> | undefined {
  const parts = pathname.split('/');
  if (parts.length !== route.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 1) {
    const segment = route.segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith(':')) {
      if (part === '') return undefined;
      params[segment.slice(1)] = decodeURIComponent(part);
    } else if (segment !== part) return undefined;
  }
  return params;
}

/** The handler for a request, or the methods the path allows (for 405), or nothing (404). */
function route(router: Router, method: string, pathname: string): { handler: RouteHandler; params: RouteParams } | { allow: string[] } {
  const exact = router.exact.get(`${method} ${pathname}`);
  if (exact) return { handler: exact, params: {} };
  const allow = new Set<string>();
  for (const key of router.exact.keys()) if (key.endsWith(` ${pathname}`)) allow.add(key.split(' ')[0]!);
  for (const candidate of router.patterns) {
    const params = matchPattern(candidate, pathname);
    if (!params) continue;
    if (candidate.method === method) return { handler: candidate.handler, params };
    allow.add(candidate.method);
  }
  return { allow: [...allow] };
}

async function handle(router: Router, request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  let reply: HttpReply;
  try {
    const url = new URL(request.url ?? '/', 'http://mxlb.invalid');
    let found: ReturnType<typeof route> | undefined;
    try {
      found = route(router, request.method ?? 'GET', url.pathname);
    } catch (error) {
      if (!(error instanceof URIError)) throw error;
    }
    if (!found) reply = { status: 400, body: { error: `malformed percent-encoding in path ${url.pathname}` } };
    else if ('handler' in found) reply = await found.handler(request, url, found.params);
    else if (found.allow.length > 0) reply = { status: 405, body: { error: 'method not allowed', allow: found.allow }, headers: { allow: found.allow.join(', ') } };
    else reply = { status: 404, body: { error: 'not found', path: url.pathname } };
  } catch (error) {
    logger.error({ err: error, url: request.url }, 'http handler failed');
    reply = { status: 500, body: { error: 'internal error' } };
  }
  const isText = typeof reply.body === 'string' || Buffer.isBuffer(reply.body);
  const payload = isText ? (reply.body as string | Buffer) : JSON.stringify(reply.body, null, 2) + '\n';
  response.writeHead(reply.status, {
    'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json'),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  if (!reply.trailer) return void response.end(payload);
  response.write(payload);
  for (const piece of reply.trailer) response.write(piece);
  response.end();
}
