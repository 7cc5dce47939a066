import type { Argv, CommandModule } from 'yargs';
import { memberAddCommand } from './zone-member-add.ts';
import { memberRemoveCommand } from './zone-member-remove.ts';
import { memberSetCommand } from './zone-member-set.ts';

/**
 * `mxlb zone member add|remove|set`: edits of the members of a balanced (YAML) zone file. Edits
 * keep the file's comments and layout, are validated with the server's parser before anything is
 * written, and reach a running server through its folder watcher (or SIGHUP).
 */
export const memberCommand: CommandModule = {
  command: 'member',
  describe: 'Edit the members of a balanced zone file: add, remove, set',
  builder: (y: Argv) => y.command(memberAddCommand).command(memberRemoveCommand).command(memberSetCommand).demandCommand(1, 'Name a member subcommand: add, remove or set.'),
  handler: () => {},
};
