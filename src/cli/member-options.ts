/** Flags the change subcommands share, and their early checks (usage errors before any request). */
import type { Argv } from 'yargs';
import { MxlbError } from '../errors.ts';
import { parseExpiry } from '../pool/index.ts';
import { clientOptions, type ClientArgs } from './client.ts';
import { checkMemberId } from './member-run.ts';

export interface ChangeArgs extends ClientArgs {
  member: string;
  json: boolean;
}

export interface OverrideArgs extends ChangeArgs {
  reason?: string;
  expires?: string;
  wait: boolean;
}

export function changeOptions<T>(y: Argv<T>): Argv<T & ChangeArgs> {
  return clientOptions(y)
    .positional('member', { type: 'string', demandOption: true, describe: 'Member id <pool>/<member> (see "mxlb member list")' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the server\'s JSON ({ changed, member, audit })' }) as Argv<T & ChangeArgs>;
}

export function overrideOptions<T>(y: Argv<T>, reasonRequired: boolean): Argv<T & OverrideArgs> {
  return changeOptions(y)
    .option('reason', { type: 'string', demandOption: reasonRequired, describe: reasonRequired ? 'Why (recorded in the audit log)' : 'Why (default "maintenance")' })
    .option('expires', { type: 'string', describe: 'End it automatically: a duration (30m, 2h, 1d) or a time (2026-11-25T18:00:00Z)' })
    .option('wait', { type: 'boolean', default: false, describe: 'Then wait until resolvers can no longer hold answers with the member (its longest TTL)' }) as Argv<T & OverrideArgs>;
}

/** The reason and expiry of a drain, quarantine or weight request; checks what can be checked offline. */
export function overrideBody(args: Pick<OverrideArgs, 'member' | 'reason' | 'expires'>): { reason?: string; expires?: string } {
  checkMemberId(args.member);
  const body: { reason?: string; expires?: string } = {};
  if (args.reason !== undefined) {
    if (args.reason.trim() === '') throw new MxlbError('usage', '--reason must not be empty');
    body.reason = args.reason;
  }
  if (args.expires !== undefined) {
    try {
      parseExpiry(args.expires, Date.now());
    } catch (error) {
      throw new MxlbError('usage', `--expires: ${(error as Error).message}`);
    }
    // Sent as written: the server resolves a duration against its own clock.
    body.expires = args.expires;
  }
  return body;
}
