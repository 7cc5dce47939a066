import type { Argv, CommandModule } from 'yargs';
import { reputationCheckCommand } from './reputation-check.ts';

/** `mxlb reputation <subcommand>`: reputation tools (DNSBL checks; one module per subcommand). */
export const reputationCommand: CommandModule = {
  command: 'reputation',
  describe: 'Reputation tools: check an address against a DNSBL',
  builder: (y: Argv) => y.command(reputationCheckCommand).demandCommand(1, 'Name a reputation subcommand.'),
  handler: () => {},
};
