import type { Argv, CommandModule } from 'yargs';
import { listCommand } from './zone-list.ts';
import { memberCommand } from './zone-member.ts';
import { showCommand } from './zone-show.ts';
import { validateCommand } from './zone-validate.ts';

export { validateZones, type ValidateOptions } from './zone-validate.ts';
export type { CommandOutput } from './zone-output.ts';

/** `mxlb zone <subcommand>`: zone file tools; one module per subcommand (zone-*.ts). */
export const zoneCommand: CommandModule = {
  command: 'zone',
  describe: 'Zone tools: list, show, validate, edit members',
  builder: (y: Argv) =>
    y
      .command(listCommand)
      .command(showCommand)
      .command(validateCommand)
      .command(memberCommand)
      .demandCommand(1, 'Name a zone subcommand.'),
  handler: () => {},
};
