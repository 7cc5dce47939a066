/**
 * HTTP client of CLI commands that act on a running server (fetch, JSON). Where and as whom it
 * connects: --server (MXLB_SERVER, default http://127.0.0.1:8053), --token or --token-file
 * (MXLB_ADMIN_TOKEN, MXLB_ADMIN_TOKEN_FILE), --author (default $USER@hostname, sent as
 * X-Mxlb-Author and recorded in the audit log beside the token's holder).
 *
 * Contract: `call` resolves with the parsed JSON of a 2xx answer or throws ClientError carrying
 * the CLI exit code: 1 when the server answered but refused or failed (401, 403, 404, 409, 5xx,
 * not an mxlb API), 3 when it could not be reached (refused, unknown host, timeout). Bad flags
 * throw MxlbError('usage') (exit 2) before anything is sent.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { clientDefaults, type ClientDefaults } from '../config.ts';
import { MxlbError } from '../errors.ts';

/** Exit codes of commands that talk to a server (docs/cli.md). */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export class ClientError extends Error {
  readonly exitCode: number;
  readonly status: number | undefined;

  constructor(message: string, exitCode: number, status?: number) {
    super(message);
    this.name = 'ClientError';
    this.exitCode = exitCode;
    this.status = status;
  }
}

export interface ClientArgs {
  server: string;
  token?: string;
  'token-file'?: string;
  author: string;
  timeout: number;
}

export interface ClientOptions {
  /** Base URL without a trailing slash. */
  server: string;
  token?: string;
  author: string;
  timeoutMs: number;
}

/** The connection options every server command takes, with defaults from the environment. */
export function clientOptions<T>(y: Argv<T>, defaults: ClientDefaults = clientDefaults()): Argv<T & ClientArgs> {
  return y
    .option('server', { type: 'string', default: defaults.server, describe: 'URL of the mxlb HTTP listener (env MXLB_SERVER)', group: 'Server:' })
    .option('token', { type: 'string', describe: 'Admin bearer token for changes (env MXLB_ADMIN_TOKEN; a flag shows in ps)', group: 'Server:' })
    .option('token-file', { type: 'string', describe: 'File holding the token: its first TOKEN or HOLDER TOKEN line (env MXLB_ADMIN_TOKEN_FILE)', group: 'Server:' })
    .option('author', { type: 'string', default: defaults.author, describe: 'Who you are, for the audit log (beside the token holder)', group: 'Server:' })
    .option('timeout', { type: 'number', default: 10, describe: 'Seconds to wait for the server', group: 'Server:' }) as Argv<T & ClientArgs>;
}

/** Checks the flags; the token comes from --token, --token-file, then the environment. */
export function resolveClient(args: ClientArgs, defaults: ClientDefaults = clientDefaults()): ClientOptions {
  let url: URL;
  try {
    url = new URL(args.server);
  } catch {
    throw new MxlbError('usage', `--server "${args.server}" is not a URL (e.g. http://127.0.0.1:8053)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MxlbError('usage', `--server must be an http:// or https:// URL, not "${args.server}"`);
  if (!Number.isFinite(args.timeout) || args.timeout <= 0 || args.timeout > 600) throw new MxlbError('usage', '--timeout must be between 0 and 600 seconds');
  if (!/^[\x20-\x7e]{1,100}$/.test(args.author)) throw new MxlbError('usage', '--author must be 1-100 printable ASCII characters');
  const options: ClientOptions = { server: url.href.replace(/\/+$/, ''), author: args.author, timeoutMs: Math.round(args.timeout * 1000) };
  const tokenFile = args['token-file'] ?? (args.token === undefined ? defaults.tokenFile : undefined);
  // No admin token: a read token of the environment still opens reads (member list, audit) on a
  // server started with --read-token.
  const readFallback = () => defaults.readToken ?? (defaults.readTokenFile !== undefined ? readToken(defaults.readTokenFile) : undefined);
  const token = args.token ?? (tokenFile !== undefined ? readToken(tokenFile) : (defaults.token ?? readFallback()));
  if (token !== undefined && token !== '') {
    if (!/^[\x21-\x7e]+$/.test(token)) throw new MxlbError('usage', 'the token must be printable ASCII without spaces');
    options.token = token;
  }
  return options;
}

/** The first token line of a file (`TOKEN` or `HOLDER TOKEN`, as the server's token file). */
export function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MxlbError('usage', `token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    if (fields.length > 2) throw new MxlbError('usage', `token file ${file}: expected TOKEN or HOLDER TOKEN on its first line`);
    return fields[fields.length - 1]!;
  }
  throw new MxlbError('usage', `token file ${file}: no token in the file`);
}

/** One request; see the module contract for results and errors. */
export async function call<T>(options: ClientOptions, method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-mxlb-author': options.author };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = `${options.server}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new ClientError(`cannot reach mxlb at ${options.server}: ${networkReason(error, options.timeoutMs)} (is "mxlb serve" running there? set --server or MXLB_SERVER)`, EXIT.unreachable);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new ClientError(`connection to ${options.server} broke while reading the answer: ${networkReason(error, options.timeoutMs)}`, EXIT.unreachable);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ClientError(`${url} answered ${response.status} with something that is not JSON: is --server an mxlb HTTP listener?`, EXIT.refused, response.status);
  }
  if (response.ok) return parsed as T;
  const message = (parsed as { error?: unknown }).error;
  const detail = typeof message === 'string' ? message : `HTTP ${response.status}`;
  throw new ClientError(explain(response.status, detail, parsed), EXIT.refused, response.status);
}

function explain(status: number, detail: string, body: unknown): string {
  switch (status) {
    case 401:
      return `the server refused the request (401 ${detail}): pass the token with --token or --token-file (reads: MXLB_READ_TOKEN; changes: MXLB_ADMIN_TOKEN)`;
    case 403:
      return `the server refused the request (403): ${detail}`;
    case 404: {
      const known = (body as { known?: unknown }).known;
      const hint = Array.isArray(known) && known.length > 0 ? `; members include ${known.join(', ')} (see "mxlb member list")` : '';
      return `${detail}${hint}`;
    }
    default:
      return `the server answered ${status}: ${detail}`;
  }
}

function networkReason(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  switch (err.cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return err.cause?.message ?? err.message ?? String(error);
  }
}
