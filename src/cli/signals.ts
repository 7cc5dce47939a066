import type { Argv, CommandModule } from 'yargs';
import { signalsArfCommand } from './signals-arf.ts';
import { signalsFollowCommand } from './signals-follow.ts';

/**
 * `mxlb signals <subcommand>`: delivery outcomes from the MTAs into a running server
 * (POST /api/signals). `follow postfix|kumomta` reads an MTA's log; `arf` reads feedback-loop reports from a Maildir.
 */
export const signalsCommand: CommandModule = {
  command: 'signals',
  describe: 'Feed delivery outcomes from MTA logs to a running server',
  builder: (y: Argv) => y.command(signalsFollowCommand).command(signalsArfCommand).demandCommand(1, 'Name a signals subcommand.'),
  handler: () => {},
};
