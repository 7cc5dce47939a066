/**
 * What every `mxlb member` subcommand shares: resolving the client flags, reporting errors with
 * the documented exit codes (0 ok, 1 refused or failed, 2 usage, 3 server unreachable), and
 * performing one change and printing its result.
 */
import { MxlbError } from '../errors.ts';
import type { MemberView } from '../http/index.ts';
import type { AuditEntry } from '../state/index.ts';
import { call, ClientError, EXIT, resolveClient, type ClientArgs, type ClientOptions } from './client.ts';
import { age, clock, describeOverride, stateText } from './member-format.ts';

/** Anything with write(): process.stdout/stderr, or a collector in tests. */
export interface Output {
  write(text: string): unknown;
}

export interface MemberCommandIo {
  out: Output;
  err: Output & { isTTY?: boolean };
}

const STDIO: MemberCommandIo = { out: process.stdout, err: process.stderr };

/** Runs `body` with a client and turns a ClientError into its exit code and a message on stderr. */
export async function runServerCommand(args: ClientArgs, body: (client: ClientOptions, io: MemberCommandIo) => Promise<void>, io = STDIO): Promise<void> {
  const client = resolveClient(args);
  try {
    await body(client, io);
    process.exitCode = EXIT.ok;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    io.err.write(`mxlb: ${error.message}\n`);
    process.exitCode = error.exitCode;
  }
}

/** A member id as the CLI takes it: `<pool>/<member>`. */
export function checkMemberId(id: string): string {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(id)) {
    throw new MxlbError('usage', `"${id}" is not a member id: write <pool>/<member>, e.g. primary/mta1 (see "mxlb member list")`);
  }
  return id;
}

export interface ChangeResult {
  changed: boolean;
  member: MemberView | { id: string };
  audit: AuditEntry | null;
  /** Set when the server applied the change but could not persist it. */
  warning?: string;
}

export type Action = 'drain' | 'undrain' | 'quarantine' | 'release' | 'weight';

/** POSTs one change and prints it (or the server's JSON with `json`). */
export async function changeMember(client: ClientOptions, io: MemberCommandIo, id: string, action: Action, body: object, json: boolean): Promise<ChangeResult> {
  const result = await call<ChangeResult>(client, 'POST', `/api/members/${encodeURIComponent(id)}/${action}`, body);
  if (result.warning) io.err.write(`mxlb: warning: ${result.warning}\n`);
  if (json) {
    io.out.write(`${JSON.stringify(result, null, 2)}\n`);
    return result;
  }
  const now = Date.now();
  const member = result.member as Partial<MemberView> & { id: string };
  let text: string;
  if (!result.changed) text = `${id}: nothing to do (${action === 'weight' ? 'no weight override' : `not ${action === 'undrain' ? 'drained' : 'quarantined'}`})\n`;
  else if (member.state === undefined) text = `${id}: override removed (the member is no longer in any zone)\n`;
  else {
    text = `${id}: ${stateText(member as MemberView)}, weight ${member.weight}`;
    if (member.override) text += `\n  ${member.override.kind}: ${describeOverride(member.override, now)}`;
    if (member.weightOverride) text += `\n  weight override: ${describeOverride(member.weightOverride, now)}`;
    text += '\n';
  }
  if (result.audit) text += `  audit: ${result.audit.action} by ${result.audit.author} at ${clock(result.audit.at)}\n`;
  io.out.write(text);
  return result;
}

/**
 * Waits until resolvers can no longer hold answers that carry the member (its longest TTL), with
 * progress on stderr: a countdown on a terminal, a start and an end line otherwise.
 */
export async function waitForCaches(seconds: number, io: MemberCommandIo): Promise<void> {
  if (seconds <= 0) return;
  const end = Date.now() + seconds * 1000;
  const tty = io.err.isTTY === true;
  if (!tty) io.err.write(`waiting ${seconds} s for resolver caches to drop the member (its longest TTL)…\n`);
  // At most one iteration per second of the TTL plus one: bounded in count and in time.
  for (let i = 0; i <= seconds + 1; i++) {
    const left = end - Date.now();
    if (left <= 0) break;
    if (tty) io.err.write(`\rwaiting for resolver caches: ${age(left)} left   `);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left)));
  }
  io.err.write(tty ? '\rresolver caches have expired: no new mail should reach the member      \n' : 'done: resolver caches have expired\n');
}
