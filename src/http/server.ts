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
}

export type RouteHandler = (request: IncomingMessage, url: URL) => HttpReply | Promise<HttpReply>;

/** Routes by exact path ("GET /readyz"); a path with other methods gets 405, unknown paths 404. */
export type Routes = ReadonlyMap<string, RouteHandler>;

export interface HttpListener {
  endpoint: Endpoint;
  close(): Promise<void>;
}

/**
 * The HTTP edge: a small router over node:http. Handlers only read the current snapshot, so a slow
 * or failing handler never touches DNS. Errors become a 500 with a JSON body and a log line.
 */
export async function startHttp(endpoint: Endpoint, routes: Routes, logger: Logger): Promise<HttpListener> {
  const server: Server = createServer((request, response) => {
    void handle(routes, request, response, logger);
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

async function handle(routes: Routes, request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  let reply: HttpReply;
  try {
    const url = new URL(request.url ?? '/', 'http://mxlb.invalid');
    const handler = routes.get(`${request.method} ${url.pathname}`);
    if (handler) reply = await handler(request, url);
    else if ([...routes.keys()].some((key) => key.endsWith(` ${url.pathname}`))) reply = { status: 405, body: { error: 'method not allowed' } };
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
  response.end(payload);
}
