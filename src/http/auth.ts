/**
 * Bearer-token check for admin API writes (RFC 6750 §2.1: `Authorization: Bearer <token>`).
 *
 * Contract: `authorize` never says which part of a wrong token was wrong and takes the same time
 * whichever configured token is closest: every configured token is compared, each as a SHA-256
 * digest with `crypto.timingSafeEqual` (digests have equal length, so neither the length nor the
 * content of a token leaks through timing). With no token configured, writes are disabled (403),
 * never open. The caller runs this before looking at the body or the member, so a caller without
 * a valid token learns nothing else.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AdminToken } from '../config.ts';
import type { HttpReply } from './server.ts';

export type AuthResult = { ok: true; holder: string } | { ok: false; reply: HttpReply };

/** The header clients send to name the person behind a shared token, e.g. `alice@host`. */
export const AUTHOR_HEADER = 'x-mxlb-author';
const AUTHOR_TEXT = /^[\x20-\x7e]{1,100}$/;
const REALM = 'mxlb admin';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Holds the digests of the configured tokens; one per server, its tokens replaced on SIGHUP. */
export class AdminAuth {
  #tokens: readonly { holder: string; digest: Buffer }[] = [];

  constructor(tokens: readonly AdminToken[]) {
    this.replace(tokens);
  }

  /** Takes a new token list at once (token rotation); requests already authorized are not revisited. */
  replace(tokens: readonly AdminToken[]): void {
    this.#tokens = tokens.map((t) => ({ holder: t.holder, digest: digest(t.token) }));
  }

  get size(): number {
    return this.#tokens.length;
  }

  get enabled(): boolean {
    return this.#tokens.length > 0;
  }

  /** The holder of the request's bearer token, or the 401/403 reply to send instead. */
  authorize(request: IncomingMessage): AuthResult {
    if (!this.enabled) {
      return {
        ok: false,
        reply: {
          status: 403,
          body: { error: 'admin API disabled: start with --admin-token, MXLB_ADMIN_TOKEN or --admin-token-file to allow changes' },
        },
      };
    }
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
    if (!match) return unauthorized(header === undefined ? 'missing bearer token' : 'malformed Authorization header: expected "Bearer <token>"', false);
    const given = digest(match[1]!);
    let holder: string | undefined;
    // Compare against every token, without stopping at the first match, so timing says nothing.
    for (const token of this.#tokens) {
      if (timingSafeEqual(given, token.digest) && holder === undefined) holder = token.holder;
    }
    return holder === undefined ? unauthorized('invalid token', true) : { ok: true, holder };
  }
}

/** RFC 6750 §3: 401 with a `WWW-Authenticate: Bearer` challenge; `error="invalid_token"` when a token was sent. */
function unauthorized(message: string, tokenSent: boolean): AuthResult {
  const challenge = tokenSent ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`;
  return { ok: false, reply: { status: 401, body: { error: `unauthorized: ${message}` }, headers: { 'www-authenticate': challenge } } };
}

/**
 * The audit author: the token's holder, plus the client's `X-Mxlb-Author` in parentheses when it
 * sent one (`ops (alice@host)`). The holder comes from the server's configuration and cannot be
 * forged; the header is only a hint from the client. Returns an error text for a bad header.
 */
export function auditAuthor(holder: string, request: IncomingMessage): string | { error: string } {
  const raw = request.headers[AUTHOR_HEADER];
  if (raw === undefined) return holder;
  const text = (Array.isArray(raw) ? raw.join(', ') : raw).trim();
  if (text === '') return holder;
  if (!AUTHOR_TEXT.test(text)) return { error: `${AUTHOR_HEADER} must be at most 100 printable ASCII characters` };
  return `${holder} (${text})`;
}
