import type { CommandModule } from 'yargs';
import { changeOptions, type ChangeArgs } from './member-options.ts';
import { changeMember, checkMemberId, runServerCommand } from './member-run.ts';

/** `mxlb member release <id>`: end a quarantine (POST /api/members/:id/release). */
export const memberReleaseCommand: CommandModule<object, ChangeArgs> = {
  command: 'release <member>',
  describe: 'End a quarantine: the member returns to DNS answers when its probes pass',
  builder: (y) => changeOptions(y),
  handler: (args) => {
    checkMemberId(args.member);
    return runServerCommand(args, async (client, io) => {
      await changeMember(client, io, args.member, 'release', {}, args.json);
    });
  },
};
