import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { call } from './client.ts';
import { changeOptions, overrideBody, type ChangeArgs } from './member-options.ts';
import { checkMemberId, runServerCommand } from './member-run.ts';

/**
 * `mxlb reputation pin <member> --expires 2h [--reason …]`: the reputation model leaves the member
 * alone until then (its verdict is still shown; an automatic quarantine in force is lifted at
 * once); `--clear` ends the pin. POST /api/members/:id/pin with the admin token.
 */
export interface PinArgs extends ChangeArgs {
  expires?: string;
  reason?: string;
  clear: boolean;
}

export const reputationPinCommand: CommandModule<object, PinArgs> = {
  command: 'pin <member>',
  describe: 'Pause the reputation model for a member (it is not quarantined or scaled automatically until --expires)',
  builder: (y) =>
    changeOptions(y)
      .option('expires', { type: 'string', describe: 'Until when: a duration (30m, 2h) or a time (2026-11-25T18:00:00Z); required unless --clear' })
      .option('reason', { type: 'string', describe: 'Why (logged)' })
      .option('clear', { type: 'boolean', default: false, describe: 'End the pin' }) as never,
  handler: (args) => {
    checkMemberId(args.member);
    if (args.clear && (args.expires !== undefined || args.reason !== undefined)) throw new MxlbError('usage', '--clear ends the pin: give no --expires or --reason with it');
    if (!args.clear && args.expires === undefined) throw new MxlbError('usage', '--expires is required (a pin is a pause); or --clear to end one');
    const body = args.clear ? { clear: true } : overrideBody(args);
    return runServerCommand(args, async (client, io) => {
      const result = await call<{ member: string; pinned: boolean; until?: string; reason?: string }>(client, 'POST', `/api/members/${encodeURIComponent(args.member)}/pin`, body);
      io.out.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : result.pinned ? `${result.member}: reputation pinned until ${result.until} (${result.reason})\n` : `${result.member}: pin ended\n`);
    });
  },
};
