/**
 * Credentials and secrets read from files for \`mxlb serve\`: admin and read tokens (\`--admin-token\`,
 * \`--admin-token-file\`, \`--read-token\`, \`--read-token-file\`) and DNS cookie secrets
 * (\`--cookie-secret-file\`). Each loader throws MxlbError('usage') naming the file and line of a bad
 * entry; at start that stops the server, on SIGHUP the server keeps what it had (src/main.ts).
 */
import { readFileSync } from 'node:fs';
import { MxlbError } from './errors.ts';

/** An admin API credential and the name its holder is recorded under in the audit log. */
export interface AdminToken {
  holder: string;
  token: string;
}

/** Shortest admin token accepted: 16 characters of a random token make guessing hopeless. */
export const MIN_TOKEN_LENGTH = 16;
const HOLDER = /^[A-Za-z0-9._@+-]{1,64}$/;
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

export function checkToken(token: string, where: string): string {
  if (!TOKEN_TEXT.test(token)) throw new MxlbError('usage', `${where}: the admin token must be printable ASCII without spaces`);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new MxlbError('usage', `${where}: the admin token must be at least ${MIN_TOKEN_LENGTH} characters (generate one with: openssl rand -hex 32)`);
  }
  return token;
}

/**
 * Parses an admin token file: one token per line as `TOKEN` (holder "admin") or `HOLDER TOKEN`;
 * blank lines and `#` comments are ignored. Holders name the token in the audit log, so each
 * operator or automation can have its own and be revoked alone. Throws MxlbError('usage') with
 * `file:line: reason`.
 */
export function parseTokenFile(text: string, file: string): AdminToken[] {
  const tokens: AdminToken[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length > 2) throw new MxlbError('usage', `${where}: expected TOKEN or HOLDER TOKEN, found ${fields.length} fields`);
    const holder = fields.length === 2 ? fields[0]! : 'admin';
    if (!HOLDER.test(holder)) throw new MxlbError('usage', `${where}: token holder "${holder}" may use letters, digits and . _ @ + - (at most 64)`);
    const token = checkToken(fields[fields.length - 1]!, where);
    if (tokens.some((t) => t.token === token)) throw new MxlbError('usage', `${where}: the same token is listed twice`);
    tokens.push({ holder, token });
  });
  if (tokens.length === 0) throw new MxlbError('usage', `${file}: no admin token in the file`);
  return tokens;
}

function readTokenFile(file: string): AdminToken[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MxlbError('usage', `admin token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseTokenFile(text, file);
}

/**
 * The admin tokens of `--admin-token` and the token file, read now. Throws a usage MxlbError naming
 * the file and line of a bad entry; the server keeps its previous tokens when a re-read fails.
 */
export function loadAdminTokens(source: { token?: string; file?: string }): readonly AdminToken[] {
  return Object.freeze(adminTokens(source.token, source.file));
}

export function adminTokens(token: string | undefined, file: string | undefined): AdminToken[] {
  const tokens = file ? readTokenFile(file) : [];
  if (token !== undefined && token !== '') {
    const checked = checkToken(token, '--admin-token');
    if (!tokens.some((t) => t.token === checked)) tokens.unshift({ holder: 'admin', token: checked });
  }
  return tokens;
}

/**
 * The read tokens of `--read-token` and `--read-token-file`, read now, holders prefixed `read:`.
 * Throws a usage MxlbError naming the file and line of a bad entry (SIGHUP keeps the previous ones).
 */
export function loadReadTokens(source: { token?: string; file?: string }): readonly AdminToken[] {
  let tokens: AdminToken[];
  try {
    tokens = adminTokens(source.token, source.file);
  } catch (error) {
    throw new MxlbError('usage', `read token: ${(error as Error).message.replace(/admin token/g, 'token')}`);
  }
  return Object.freeze(tokens.map((t) => ({ ...t, holder: `read:${t.holder}` })));
}

/** The secrets of a cookie secret file, read now (at start, and again on SIGHUP). Throws MxlbError('usage'). */
export function loadCookieSecrets(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MxlbError('usage', `cannot read the cookie secret file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parseCookieSecrets(text, file);
}

/**
 * A cookie secret file: one secret per line, 16 octets as 32 hex digits (`openssl rand -hex 16`);
 * blank lines and `#` comments ignored. The first line makes server cookies; later lines (the
 * secrets before a rotation) are still accepted (BIND's several `cookie-secret`s). At most 8.
 * Throws MxlbError('usage') with `file:line: reason`.
 */
export function parseCookieSecrets(text: string, file: string): string[] {
  const secrets: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!/^[0-9a-fA-F]{32}$/.test(line)) throw new MxlbError('usage', `${file}:${index + 1}: a cookie secret is 16 octets written as 32 hex digits (generate one with: openssl rand -hex 16)`);
    secrets.push(line.toLowerCase());
  });
  if (secrets.length === 0) throw new MxlbError('usage', `${file}: no cookie secret in the file`);
  if (secrets.length > 8) throw new MxlbError('usage', `${file}: at most 8 cookie secrets (the current one and those before it), not ${secrets.length}`);
  return secrets;
}
