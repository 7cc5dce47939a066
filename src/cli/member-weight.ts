import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { changeOptions, overrideBody, type ChangeArgs } from './member-options.ts';
import { call, type ClientOptions } from './client.ts';
import { changeMember, checkMemberId, runServerCommand, type MemberCommandIo } from './member-run.ts';

interface WeightArgs extends ChangeArgs {
  weight: string;
  reason?: string;
  expires?: string;
}

const MAX_WEIGHT = 1_000_000;

/**
 * `mxlb member weight <id> <weight|clear>`: replace the configured weight (ramp a new MTA up,
 * take load off a struggling one) until cleared or expired (POST /api/members/:id/weight).
 */
export const memberWeightCommand: CommandModule<object, WeightArgs> = {
  command: 'weight <member> <weight>',
  describe: 'Override a member\'s weight (0 = standby) or "clear" the override',
  builder: (y) =>
    changeOptions(y)
      .positional('weight', { type: 'string', demandOption: true, describe: `0-${MAX_WEIGHT}, or "clear"` })
      .option('reason', { type: 'string', describe: 'Why (recorded in the audit log)' })
      .option('expires', { type: 'string', describe: 'Back to the configured weight after a duration (30m, 2h) or at a time' })
      .example('$0 member weight primary/mta4 10 --reason "warming up new IP" --expires 1d', 'Ramp a new MTA')
      .example('$0 member weight primary/mta4 clear', 'Back to the configured weight'),
  handler: (args) => {
    checkMemberId(args.member);
    let body: { weight?: number; reason?: string; expires?: string; clear?: true };
    if (args.weight === 'clear') {
      if (args.expires !== undefined || args.reason !== undefined) throw new MxlbError('usage', '"clear" takes no --reason or --expires');
      body = { clear: true };
    } else {
      const weight = Number(args.weight);
      if (!/^\d+$/.test(args.weight) || weight > MAX_WEIGHT) throw new MxlbError('usage', `weight must be a whole number from 0 to ${MAX_WEIGHT}, or "clear"; not "${args.weight}"`);
      body = { weight, ...overrideBody(args) };
    }
    return runServerCommand(args, async (client, io) => {
      const result = await changeMember(client, io, args.member, 'weight', body, args.json);
      if (result.changed && body.weight !== undefined && body.weight > 0) await noteRoundRobin(client, io, args.member);
    });
  },
};

interface StatusNames {
  zones?: Array<{ names?: Array<{ owner: string; policy: string; tiers?: Array<{ pools: string[] }> }> }>;
}

/**
 * A weight counts only under `policy: weighted`; round-robin names rotate every usable member
 * equally (weight 0, standby, is honoured by both). Says so on stderr when some or all names that
 * serve the member's pool are round-robin, so an operator does not wait for a shift that never
 * comes. Best effort: a status read that fails prints nothing (the change itself succeeded).
 */
async function noteRoundRobin(client: ClientOptions, io: MemberCommandIo, member: string): Promise<void> {
  const pool = member.split('/')[0]!;
  let doc: StatusNames;
  try {
    doc = await call<StatusNames>(client, 'GET', `/status?pool=${encodeURIComponent(pool)}&limit=1`);
  } catch {
    return;
  }
  const names = (doc.zones ?? []).flatMap((z) => z.names ?? []).filter((n) => (n.tiers ?? []).some((t) => t.pools.includes(pool)));
  const roundRobin = names.filter((n) => n.policy !== 'weighted').map((n) => n.owner);
  if (roundRobin.length === 0) return;
  const where = roundRobin.length === names.length ? 'every name that serves it is' : 'some names that serve it are';
  io.err.write(
    `mxlb: note: ${where} round-robin (${roundRobin.join(', ')}): weights other than 0 are ignored there; set "policy: weighted" on the name to use them (docs/zone-format.md)\n`,
  );
}
