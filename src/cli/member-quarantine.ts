import type { CommandModule } from 'yargs';
import type { MemberView } from '../http/index.ts';
import { overrideBody, overrideOptions, type OverrideArgs } from './member-options.ts';
import { changeMember, runServerCommand, waitForCaches } from './member-run.ts';

/**
 * `mxlb member quarantine <id> --reason …`: like drain, but for trouble with the member itself
 * (a blocklisted IP, a bad certificate); a drain cannot replace it, only `release` ends it.
 */
export const memberQuarantineCommand: CommandModule<object, OverrideArgs> = {
  command: 'quarantine <member>',
  describe: 'Take a member out of DNS answers because of trouble with it (blocklisted IP, …); needs --reason',
  builder: (y) =>
    overrideOptions(y, true).example('$0 member quarantine primary/mta2 --reason "listed on Spamhaus SBL" --expires 1d', 'Quarantine for a day at most'),
  handler: (args) => {
    const body = overrideBody(args);
    return runServerCommand(args, async (client, io) => {
      const result = await changeMember(client, io, args.member, 'quarantine', body, args.json);
      if (args.wait) await waitForCaches((result.member as MemberView).cacheSeconds ?? 0, io);
    });
  },
};
