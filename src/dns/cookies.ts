/**
 * DNS cookies, server side (RFC 7873) with interoperable server cookies (RFC 9018). Pure apart
 * from the clock, which is a parameter.
 *
 * A client sends an 8-octet client cookie, and once it has one, the server cookie we gave it. A
 * server cookie we made proves that the query's source address is real (a spoofer never sees our
 * replies): such queries skip response rate limiting (./rrl.ts), as BIND and Knot do.
 *
 * Server cookie (RFC 9018 §4): version 1 | reserved (3 octets) | timestamp (32-bit seconds) |
 * hash (64 bits), hash = SipHash-2-4(client cookie | version | reserved | timestamp | client IP,
 * secret), client IP 4 octets for IPv4 (IPv4-mapped IPv6 included), 16 for IPv6.
 *
 * Contract of `ServerCookies.check(cookie, source)`: `cookie` is the COOKIE option's data (or where
 * the scanner found it), already
 * checked by the query scanner to be 8 octets or 9–40 (RFC 7873 §5.2.2). Returns the verdict —
 * `client-only` (no server cookie), `valid` (version 1, our hash under the current or a previous
 * secret, timestamp not more than 1 hour old nor 5 minutes ahead, RFC 9018 §4.3), `invalid`
 * (anything else) — and writes the reply's option data (client cookie + our server cookie) into
 * `ServerCookies.reply` (24 octets, overwritten by the next call). A valid cookie made with the
 * current secret and less than half an hour old is handed back as it came (RFC 9018 §4.3 asks
 * for a new one only after that); every other reply gets a fresh one made now.
 */
import siphash24 from 'siphash24';
import { parseAddress } from '../pool/index.ts';
import type { CookieRef } from './query.ts';

/** RFC 7873 §4: the COOKIE option code. */
export const OPTION_COOKIE = 10;
/** RFC 7873 §5.4: BADCOOKIE, an extended RCODE (needs an OPT record to carry its upper bits). */
export const RCODE_BADCOOKIE = 23;
const CLIENT = 8;
/** RFC 9018 version 1 server cookie: version, reserved, timestamp, hash. */
const SERVER = 16;
/** What our COOKIE option adds to a reply: code, length, client cookie, server cookie. */
export const COOKIE_RESERVE = 4 + CLIENT + SERVER;
/** RFC 9018 §4.3 window and refresh age, seconds. */
export const MAX_AGE = 3600;
export const MAX_AHEAD = 300;
export const REFRESH_AGE = 1800;

export type CookieVerdict = 'client-only' | 'valid' | 'invalid';

export interface CookieOptions {
  /** 16-octet secrets as 32 hex digits: the first makes cookies, all are accepted (rotation). */
  secrets: readonly string[];
  /** BIND's `require-server-cookie`: UDP queries with a COOKIE option but no valid server cookie get BADCOOKIE. */
  requireServerCookie?: boolean;
}

/** What cookies did since start, for /metrics. */
export interface CookieCounters {
  /** Queries with a COOKIE option, by verdict; `malformed` ones got FORMERR. */
  clientOnly: number;
  valid: number;
  invalid: number;
  malformed: number;
  /** BADCOOKIE replies sent (only with `requireServerCookie`). */
  badcookie: number;
  /** UDP replies sent past the rate limiter because the query carried a valid server cookie. */
  exempt: number;
}

export function emptyCookieCounters(): CookieCounters {
  return { clientOnly: 0, valid: 0, invalid: 0, malformed: 0, badcookie: 0, exempt: 0 };
}

/** A 16-octet secret from 32 hex digits; throws RangeError otherwise. */
export function parseSecret(text: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError('a cookie secret is 16 octets written as 32 hex digits');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export class ServerCookies {
  readonly counters: CookieCounters = emptyCookieCounters();
  readonly requireServerCookie: boolean;
  /** The reply's option data after `check`: client cookie + server cookie. */
  readonly reply = new Uint8Array(CLIENT + SERVER);
  private secrets: Uint8Array[];
  /** Hash input: client cookie, version, reserved, timestamp, up to 16 octets of address; views of it for IPv4, IPv6, none. */
  private readonly input = new Uint8Array(CLIENT + 8 + 16);
  private readonly views = [this.input.subarray(0, CLIENT + 8), this.input.subarray(0, CLIENT + 8 + 4), this.input.subarray(0, CLIENT + 8 + 16)];
  private readonly hash = new Uint8Array(8);
  private lastSource: string | undefined;
  private lastAddress: Uint8Array = new Uint8Array(0);

  constructor(
    options: CookieOptions,
    private readonly clock: () => number = Date.now,
  ) {
    if (options.secrets.length === 0) throw new RangeError('DNS cookies need at least one secret');
    this.secrets = options.secrets.map(parseSecret);
    this.requireServerCookie = options.requireServerCookie === true;
  }

  /** New secrets (a rotation read on SIGHUP): the first makes cookies from now on, all are accepted. */
  replaceSecrets(secrets: readonly string[]): void {
    if (secrets.length === 0) throw new RangeError('DNS cookies need at least one secret');
    this.secrets = secrets.map(parseSecret);
  }

  check(cookie: Uint8Array | CookieRef, source: string | undefined): CookieVerdict {
    // Byte loops, not set(subarray()): a typed-array view costs more than the whole hash here.
    const data = cookie instanceof Uint8Array ? cookie : cookie.data;
    const at = cookie instanceof Uint8Array ? 0 : cookie.at;
    const length = cookie.length;
    const address = this.address(source);
    const now = Math.floor(this.clock() / 1000) >>> 0;
    const reply = this.reply;
    for (let i = 0; i < CLIENT; i++) reply[i] = data[at + i]!;
    let verdict: CookieVerdict = 'client-only';
    if (length > CLIENT) {
      verdict = 'invalid';
      if (length === CLIENT + SERVER && data[at + CLIENT] === 1) {
        const s = at + 12;
        const stamp = ((data[s]! << 24) | (data[s + 1]! << 16) | (data[s + 2]! << 8) | data[s + 3]!) >>> 0;
        // RFC 9018 §4.3 with RFC 1982 serial arithmetic: the signed 32-bit distance to now.
        const age = (now - stamp) | 0;
        if (age <= MAX_AGE && age >= -MAX_AHEAD) {
          const made = this.madeWith(data, at, address);
          if (made >= 0) {
            verdict = 'valid';
            if (made === 0 && age < REFRESH_AGE) {
              for (let i = CLIENT; i < CLIENT + SERVER; i++) reply[i] = data[at + i]!;
              this.counters.valid++;
              return verdict;
            }
          }
        }
      }
    }
    if (verdict === 'valid') this.counters.valid++;
    else if (verdict === 'invalid') this.counters.invalid++;
    else this.counters.clientOnly++;
    this.fresh(reply, now, address);
    return verdict;
  }

  /** Index of the secret whose hash the server cookie at `data[at + 16 …]` carries, or -1. */
  private madeWith(data: Uint8Array, at: number, address: Uint8Array): number {
    const input = this.input;
    for (let i = 0; i < CLIENT + 8; i++) input[i] = data[at + i]!;
    const view = this.hashInput(address);
    for (let i = 0; i < this.secrets.length; i++) {
      const hash = siphash24(view, this.secrets[i]!, this.hash, true);
      let same = true;
      for (let k = 0; k < 8; k++) if (hash[k] !== data[at + CLIENT + 8 + k]) same = false;
      if (same) return i;
    }
    return -1;
  }

  /** Writes a server cookie made now with the current secret after the client cookie in `reply`. */
  private fresh(reply: Uint8Array, now: number, address: Uint8Array): void {
    reply[8] = 1;
    reply[9] = reply[10] = reply[11] = 0;
    reply[12] = now >>> 24;
    reply[13] = (now >>> 16) & 0xff;
    reply[14] = (now >>> 8) & 0xff;
    reply[15] = now & 0xff;
    const input = this.input;
    for (let i = 0; i < CLIENT + 8; i++) input[i] = reply[i]!;
    const hash = siphash24(this.hashInput(address), this.secrets[0]!, this.hash, true);
    for (let i = 0; i < 8; i++) reply[CLIENT + 8 + i] = hash[i]!;
  }

  /** Puts the address after the first 16 octets of the hash input; the view of the right length. */
  private hashInput(address: Uint8Array): Uint8Array {
    const input = this.input;
    for (let i = 0; i < address.length; i++) input[CLIENT + 8 + i] = address[i]!;
    return this.views[address.length === 4 ? 1 : address.length === 16 ? 2 : 0]!;
  }

  /** The source address's octets, remembered for the last source (a busy client asks again and again). */
  private address(source: string | undefined): Uint8Array {
    if (source === this.lastSource) return this.lastAddress;
    this.lastSource = source;
    this.lastAddress = (source !== undefined ? addressOctets(source) : undefined) ?? new Uint8Array(0);
    return this.lastAddress;
  }
}

/**
 * An IP address's octets as RFC 9018 §4.4 hashes them: 4 for IPv4 and IPv4-mapped IPv6 (what the
 * client sees of itself through a dual-stack socket), 16 for IPv6; undefined for other text.
 */
export function addressOctets(text: string): Uint8Array | undefined {
  return parseAddress(text)?.bytes;
}
