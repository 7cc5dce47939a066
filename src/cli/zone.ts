import type { Argv, CommandModule } from 'yargs';
import { diffCommand } from './zone-diff.ts';
import { listCommand } from './zone-list.ts';
import { memberCommand } from './zone-member.ts';
import { pullCommand } from './zone-pull.ts';
import { pushCommand } from './zone-push.ts';
import { showCommand } from './zone-show.ts';
import { validateCommand } from './zone-validate.ts';

export { validateZones, type ValidateOptions } from './zone-validate.ts';
export type { CommandOutput } from './zone-output.ts';

/** `mxlb zone <subcommand>`: zone file tools; one module per subcommand (zone-*.ts). */
export const zoneCommand: CommandModule = {
  command: 'zone',
  describe: 'Zone tools: list, show, validate, edit members; push, pull and diff shared zones in Redis',
  builder: (y: Argv) =>
    y
      .command(listCommand)
      .command(showCommand)
      .command(validateCommand)
      .command(memberCommand)
      .command(pushCommand)
      .command(pullCommand)
      .command(diffCommand)
      .demandCommand(1, 'Name a zone subcommand.'),
  handler: () => {},
};
