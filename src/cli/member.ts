import { memberShowCommand } from './member-show.ts';
import type { Argv, CommandModule } from 'yargs';
import { memberAuditCommand } from './member-audit.ts';
import { memberDrainCommand } from './member-drain.ts';
import { memberListCommand } from './member-list.ts';
import { memberQuarantineCommand } from './member-quarantine.ts';
import { memberReleaseCommand } from './member-release.ts';
import { memberUndrainCommand } from './member-undrain.ts';
import { memberWeightCommand } from './member-weight.ts';
import { memberWarmupCommand } from './member-warmup.ts';

/**
 * `mxlb member <subcommand>`: operator state of members on a running server, through the admin
 * API (one module per subcommand, member-*.ts). Exit codes: 0 ok, 1 the server refused or failed
 * (401 wrong token, 403 admin API disabled, 404 unknown member, 409 conflicting override), 2 usage
 * error, 3 the server could not be reached.
 */
export const memberCommand: CommandModule = {
  command: 'member',
  describe: 'Drain, quarantine and weight members of a running server; list them and the audit log',
  builder: (y: Argv) =>
    y
      .command(memberListCommand)
      .command(memberShowCommand)
      .command(memberDrainCommand)
      .command(memberUndrainCommand)
      .command(memberQuarantineCommand)
      .command(memberReleaseCommand)
      .command(memberWeightCommand)
      .command(memberAuditCommand)
      .command(memberWarmupCommand)
      .demandCommand(1, 'Name a member subcommand.')
      .epilog('Exit status: 0 ok, 1 refused or failed (wrong token, unknown member, …), 2 usage error, 3 server unreachable.'),
  handler: () => {},
};
