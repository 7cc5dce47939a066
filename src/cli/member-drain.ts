import type { CommandModule } from 'yargs';
import type { MemberView } from '../http/index.ts';
import { overrideBody, overrideOptions, type OverrideArgs } from './member-options.ts';
import { changeMember, runServerCommand, waitForCaches } from './member-run.ts';

/** `mxlb member drain <id>`: out of DNS answers, still probed (POST /api/members/:id/drain). */
export const memberDrainCommand: CommandModule<object, OverrideArgs> = {
  command: 'drain <member>',
  describe: 'Take a member out of DNS answers for maintenance (it is still probed)',
  builder: (y) =>
    overrideOptions(y, false)
      .example('$0 member drain primary/mta1 --reason "kernel update" --wait', 'Drain, then wait out resolver caches')
      .example('$0 member drain primary/mta1 --expires 2h', 'Drain for two hours at most'),
  handler: (args) => {
    const body = overrideBody(args);
    return runServerCommand(args, async (client, io) => {
      const result = await changeMember(client, io, args.member, 'drain', body, args.json);
      if (args.wait) await waitForCaches((result.member as MemberView).cacheSeconds ?? 0, io);
    });
  },
};
