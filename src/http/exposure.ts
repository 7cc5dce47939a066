/**
 * What the HTTP listener shows to whom (docs/security.md "Exposure model", issue 12 item 7).
 *
 * Contract of `guardRoutes`: every route except `GET /healthz` and `GET /readyz` first checks the
 * `Host` header against the allowlist (DNS rebinding: a page on an attacker's name that resolves
 * to this listener sends that name as Host; RFC 9110 §7.2, §15.5.20 421 Misdirected Request). Then
 * GET routes need a read token (or an admin token) when read tokens are configured; writes keep
 * their own admin check. A reply to a request without a valid token has every absolute path made
 * relative to the zones folder or hidden, operator host names cut from authors, instance names,
 * Redis addresses and the Node version hidden (`redact`); a request with a token sees everything.
 * `/healthz` and `/readyz` stay open (load balancers probe them), redacted like the rest.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { sep } from 'node:path';
import type { Endpoint } from '../config.ts';
import type { AdminAuth } from './auth.ts';
import type { HttpReply, RouteHandler } from './server.ts';

export interface ExposureOptions {
  /** The listen address (its host is always an allowed Host). */
  listen: Endpoint;
  /** Extra Host names allowed (`serve --http-host NAME`), without port. */
  hosts: readonly string[];
  /**
   * Read tokens (`--read-token`, `--read-token-file`), replaced on SIGHUP; none = reads open to
   * anyone who may connect.
   */
  readAuth: AdminAuth;
  /** Admin tokens also grant reads. */
  adminAuth: AdminAuth;
  /** The zones folder: zone files are shown relative to it. */
  zonesDir: string;
}

const OPEN = new Set(['GET /healthz', 'GET /readyz']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const HIDDEN = '[hidden]';

/** Wraps every route with the Host check, the read-token check and redaction. */
export function guardRoutes(routes: ReadonlyMap<string, RouteHandler>, opts: ExposureOptions): Map<string, RouteHandler> {
  const allowed = allowedHosts(opts);
  const wildcard = opts.listen.host === '0.0.0.0' || opts.listen.host === '::';
  const hasToken = (request: IncomingMessage): boolean => {
    const token = presentedToken(request);
    if (token === undefined) return false;
    const bearer = withBearer(request, token);
    if (opts.readAuth.enabled && opts.readAuth.authorize(bearer).ok) return true;
    return opts.adminAuth.enabled && opts.adminAuth.authorize(bearer).ok;
  };
  const redactor = redact(opts.zonesDir);
  const guarded = new Map<string, RouteHandler>();
  for (const [key, handler] of routes) {
    const isOpen = OPEN.has(key);
    const isRead = key.startsWith('GET ');
    guarded.set(key, async (request, url, params) => {
      if (!isOpen && !hostAllowed(request.headers.host, allowed, wildcard)) return misdirected(request.headers.host);
      const authorized = hasToken(request);
      if (!isOpen && isRead && opts.readAuth.enabled && !authorized) return unauthorized(key, presentedToken(request) !== undefined);
      const reply = await handler(request, url, params);
      return authorized ? reply : redactor(reply);
    });
  }
  return guarded;
}

function allowedHosts(opts: ExposureOptions): Set<string> {
  return new Set([...LOOPBACK_NAMES, opts.listen.host, ...opts.hosts].map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
}

/** The Host header's name without port and brackets; a missing Host (HTTP/1.0) is allowed. */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>, wildcard: boolean): boolean {
  if (header === undefined) return true;
  const text = header.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  const name = bracketed ? bracketed[1]! : text.replace(/:\d+$/, '').replace(/\.$/, '');
  if (allowed.has(name)) return true;
  // On a wildcard address the machine's own addresses are not known here: any IP literal is fine,
  // since a rebinding page always sends a name, never an address.
  return wildcard && isIP(name) !== 0;
}

function misdirected(host: string | undefined): HttpReply {
  return {
    status: 421,
    body: { error: `Host "${String(host).slice(0, 100)}" is not served here: add it with "mxlb serve --http-host NAME" if this is your name for this server (a refused Host protects against DNS rebinding; docs/security.md)` },
  };
}

function unauthorized(key: string, sent: boolean): HttpReply {
  // The dashboard page is opened by a browser: Basic lets it ask for the token and send it on the page's own requests.
  const scheme = key === 'GET /' || key === 'GET /dashboard.js' || key === 'GET /dashboard.css' ? 'Basic realm="mxlb", charset="UTF-8"' : `Bearer realm="mxlb read"${sent ? ', error="invalid_token"' : ''}`;
  return {
    status: 401,
    body: { error: `unauthorized: ${sent ? 'invalid token' : 'this server requires a read token'} (send "Authorization: Bearer <token>"; mxlb status/explain take --token or --token-file)` },
    headers: { 'www-authenticate': scheme },
  };
}

/** `Bearer TOKEN`, or `Basic base64(anything:TOKEN)` as a browser sends it after the dashboard's prompt. */
function presentedToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const bearer = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(colon + 1);
}

function withBearer(request: IncomingMessage, token: string): IncomingMessage {
  return { headers: { ...request.headers, authorization: `Bearer ${token}` } } as IncomingMessage;
}


/** Keys whose values name hosts or instances (cluster instance ids default to hostname:pid). */
const HOST_KEYS = new Set(['instanceId', 'instance', 'hostname']);

/**
 * The reply as an unauthenticated client may see it. Pure. JSON bodies: zone files relative to the
 * zones folder, other absolute paths `[path]`, `author` without `@host`, host keys hidden. Text
 * bodies (/metrics): absolute paths and the Node version label hidden. The running Node version is
 * hidden in every string.
 */
export function redact(zonesDir: string): (reply: HttpReply) => HttpReply {
  const prefix = zonesDir.endsWith(sep) ? zonesDir : zonesDir + sep;
  // The running Node version wherever a message names it (e.g. /status dnsWorkers.note on Node 20).
  const nodeVersion = process.versions.node;
  const text = (s: string): string =>
    s
      .split(prefix)
      .join('')
      .split(nodeVersion)
      .join('[version]')
      .replace(/\b(rediss?|https?):\/\/[^@\s/"]*@/g, '$1://[credentials]@')
      .replace(/(^|[\s"'(=,])\/(?!\/)[^\s"'(),;:]*\/[^\s"'(),;:]+/g, '$1[path]');
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') {
      if (HOST_KEYS.has(key)) return HIDDEN;
      if (key === 'author') return text(value).replace(/@[^\s()]+/g, '');
      return text(value);
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, k);
      return out;
    }
    return value;
  };
  return (reply) => {
    const body = reply.body;
    if ((Buffer.isBuffer(body) || typeof body === 'string') && reply.contentType?.includes('json')) {
      // JSON a route serialised itself (compact, e.g. /api/delivery): redacted like any other.
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString());
      } catch {
        return { ...reply, body: text(body.toString()) };
      }
      return { ...reply, body: Buffer.from(JSON.stringify(walk(parsed, ''))) };
    }
    if (Buffer.isBuffer(body)) return reply; // static dashboard files: nothing of the host in them
    if (typeof body === 'string') {
      const shown = text(body).replace(/^.*nodejs_version_info.*\n/gm, '').replace(/,?node="[^"]*"/g, '').replace(/\{,/g, '{');
      return { ...reply, body: shown };
    }
    return { ...reply, body: walk(body, '') as object };
  };
}
