import { MxlbError } from '../errors.ts';

/**
 * SMTP reply parsing (RFC 5321 §4.2), pure: no sockets, no timers. The probe feeds it whatever
 * chunks the socket delivers and gets back complete replies, or a ReplyError as soon as the bytes
 * cannot be SMTP (so a server that answers with TLS records or an SSH banner fails fast instead of
 * running into the banner timeout).
 */

/** One complete reply. `lines` are the texts after `ddd-`/`ddd `; `text` joins them with '\n'. */
export interface SmtpReply {
  code: number;
  lines: string[];
  text: string;
}

export interface ReplyLimits {
  /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including the code and CRLF. */
  maxLineOctets: number;
  /** Total octets of one multi-line reply. */
  maxReplyOctets: number;
  /** Lines in one multi-line reply. */
  maxLines: number;
}

export const defaultReplyLimits: Readonly<ReplyLimits> = Object.freeze({
  maxLineOctets: 512,
  maxReplyOctets: 64 * 1024,
  maxLines: 1000,
});

/** The bytes received are not (or no longer) a valid SMTP reply stream. */
export class ReplyError extends MxlbError {
  constructor(message: string) {
    super('smtp-reply', message);
    this.name = 'ReplyError';
  }
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HYPHEN = 0x2d;

/** RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39; the second digit is kept lenient (0-9). */
function validPrefixByte(index: number, byte: number): boolean {
  if (index === 0) return byte >= 0x32 && byte <= 0x35;
  if (index < 3) return byte >= 0x30 && byte <= 0x39;
  // after the code: SP (last line), '-' (continuation), or the line ends right there
  return byte === SP || byte === HYPHEN || byte === CR || byte === LF;
}

function describeBytes(bytes: Buffer): string {
  const shown = bytes.subarray(0, 40);
  const printable = /^[\x20-\x7e]*$/.test(shown.toString('latin1'));
  const text = printable ? JSON.stringify(shown.toString('latin1')) : `0x${shown.toString('hex')}`;
  return bytes.length > shown.length ? `${text}…` : text;
}

/** What one chunk brought: the replies it completed, in order, and the error that stopped parsing. */
export interface PushResult {
  replies: SmtpReply[];
  error?: ReplyError;
}

/**
 * Incremental parser. Lines may be split anywhere across chunks; CRLF and bare LF both end a line
 * (bare LF is tolerated because real servers send it). Replies completed before bad bytes in the
 * same chunk are still returned with the error. After the first error the parser stays failed:
 * every later push returns that error and no replies.
 */
export class ReplyParser {
  private readonly limits: ReplyLimits;
  private pending: Buffer = Buffer.alloc(0);
  private current: { code: number; lines: string[]; octets: number } | undefined;
  private failed: ReplyError | undefined;

  constructor(limits: Partial<ReplyLimits> = {}) {
    this.limits = { ...defaultReplyLimits, ...limits };
  }

  /** True when part of a reply (a partial line or the first lines of a multi-line reply) is buffered. */
  get midReply(): boolean {
    return this.pending.length > 0 || this.current !== undefined;
  }

  /** The error that stopped the parser, if any. */
  get error(): ReplyError | undefined {
    return this.failed;
  }

  push(chunk: Buffer | string): PushResult {
    if (this.failed) return { replies: [], error: this.failed };
    const replies: SmtpReply[] = [];
    try {
      this.consume(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk, replies);
      return { replies };
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      this.failed = error;
      this.pending = Buffer.alloc(0);
      this.current = undefined;
      return { replies, error };
    }
  }

  private consume(chunk: Buffer, replies: SmtpReply[]): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const end = data.indexOf(LF);
      if (end === -1) break;
      const reply = this.line(data.subarray(0, end + 1));
      if (reply) replies.push(reply);
      data = data.subarray(end + 1);
    }
    this.checkPartial(data);
    // copy: the caller may reuse its chunk buffer
    this.pending = Buffer.from(data);
  }

  /** Fails early on a partial line: a bad prefix or an over-long line need not wait for its LF. */
  private checkPartial(data: Buffer): void {
    for (let i = 0; i < Math.min(data.length, 4); i++) {
      if (!validPrefixByte(i, data[i] as number)) throw this.garbage(data);
    }
    if (data.length >= this.limits.maxLineOctets) {
      throw new ReplyError(`reply line longer than ${this.limits.maxLineOctets} octets (RFC 5321 §4.5.3.1.5)`);
    }
  }

  private garbage(line: Buffer): ReplyError {
    return new ReplyError(`not an SMTP reply: ${describeBytes(line)}`);
  }

  /** One complete line including its LF. */
  private line(raw: Buffer): SmtpReply | undefined {
    if (raw.length > this.limits.maxLineOctets) {
      throw new ReplyError(`reply line longer than ${this.limits.maxLineOctets} octets (RFC 5321 §4.5.3.1.5)`);
    }
    const bodyEnd = raw.length >= 2 && raw[raw.length - 2] === CR ? raw.length - 2 : raw.length - 1;
    const body = raw.subarray(0, bodyEnd);
    if (body.length < 3) throw this.garbage(body);
    for (let i = 0; i < Math.min(body.length, 4); i++) {
      if (!validPrefixByte(i, body[i] as number)) throw this.garbage(body);
    }
    const code = Number(body.subarray(0, 3).toString('latin1'));
    const continued = body[3] === HYPHEN;
    const text = body.subarray(4).toString('utf8');

    const current = this.current ?? { code, lines: [], octets: 0 };
    if (current.code !== code) {
      throw new ReplyError(`multi-line reply mixes codes ${current.code} and ${code} (RFC 5321 §4.2.1)`);
    }
    current.lines.push(text);
    current.octets += raw.length;
    if (current.octets > this.limits.maxReplyOctets) {
      throw new ReplyError(`reply longer than ${this.limits.maxReplyOctets} octets`);
    }
    if (current.lines.length > this.limits.maxLines) {
      throw new ReplyError(`reply longer than ${this.limits.maxLines} lines`);
    }
    if (continued) {
      this.current = current;
      return undefined;
    }
    this.current = undefined;
    return { code: current.code, lines: current.lines, text: current.lines.join('\n') };
  }
}

/** What a 250 reply to EHLO says (RFC 5321 §4.1.1.1). */
export interface EhloInfo {
  /** The server's domain, first word of the first line. */
  domain: string;
  /** The rest of the first line. */
  greeting: string;
  /** One entry per extension: keyword upper-cased, parameters kept as sent (e.g. 'SIZE 10240000'). */
  capabilities: string[];
}

export function parseEhlo(reply: SmtpReply): EhloInfo {
  const [first = '', ...rest] = reply.lines;
  const firstTrimmed = first.trim();
  const space = firstTrimmed.search(/\s/);
  const domain = space === -1 ? firstTrimmed : firstTrimmed.slice(0, space);
  const greeting = space === -1 ? '' : firstTrimmed.slice(space).trim();
  const capabilities: string[] = [];
  for (const line of rest) {
    const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
    const [keyword, ...params] = words;
    if (keyword === undefined) continue;
    capabilities.push([keyword.toUpperCase(), ...params].join(' '));
  }
  return { domain, greeting, capabilities };
}

/** Whether an extension keyword (case-insensitive) is among the capabilities. */
export function hasCapability(capabilities: readonly string[], keyword: string): boolean {
  const wanted = keyword.toUpperCase();
  return capabilities.some((cap) => cap === wanted || cap.startsWith(`${wanted} `));
}
