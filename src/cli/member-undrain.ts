import type { CommandModule } from 'yargs';
import { changeOptions, type ChangeArgs } from './member-options.ts';
import { changeMember, checkMemberId, runServerCommand } from './member-run.ts';

/** `mxlb member undrain <id>`: back into answers once probes say up (POST /api/members/:id/undrain). */
export const memberUndrainCommand: CommandModule<object, ChangeArgs> = {
  command: 'undrain <member>',
  describe: 'End a drain: the member returns to DNS answers when its probes pass',
  builder: (y) => changeOptions(y),
  handler: (args) => {
    checkMemberId(args.member);
    return runServerCommand(args, async (client, io) => {
      await changeMember(client, io, args.member, 'undrain', {}, args.json);
    });
  },
};
