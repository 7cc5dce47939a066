import type { Argv, CommandModule } from 'yargs';
import { reputationCheckCommand } from './reputation-check.ts';
import { reputationMatchCommand, reputationRulesCommand } from './reputation-match.ts';
import { reputationPinCommand } from './reputation-pin.ts';

/** `mxlb reputation <subcommand>`: reputation tools (DNSBL checks; one module per subcommand). */
export const reputationCommand: CommandModule = {
  command: 'reputation',
  describe: 'Reputation tools: check an address against DNSBLs, test replies against the response rules, pin a member',
  builder: (y: Argv) => y.command(reputationCheckCommand).command(reputationMatchCommand).command(reputationRulesCommand).command(reputationPinCommand).demandCommand(1, 'Name a reputation subcommand.'),
  handler: () => {},
};
