import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { editZoneFile } from './zone-edit-file.ts';
import { memberRef, withZonesOptions } from './zone-member-args.ts';
import { emit } from './zone-output.ts';

interface RemoveArgs {
  origin: string;
  member: string;
  zones?: string;
  'dry-run'?: boolean;
}

/**
 * `mxlb zone member remove ORIGIN POOL/NAME`: deletes a member (and the comment lines right above
 * it). Refused when the zone would be invalid, e.g. a tier of a balanced name left without members.
 */
export const memberRemoveCommand: CommandModule<object, RemoveArgs> = {
  command: 'remove <origin> <member>',
  describe: 'Remove a member from a balanced zone (refused if a balanced name would be left without members)',
  builder: (y) =>
    withZonesOptions(y)
      .positional('origin', { type: 'string', demandOption: true, describe: 'Zone name' })
      .positional('member', { type: 'string', demandOption: true, describe: 'POOL/NAME' })
      .example('$0 zone member remove relay.example.com primary/mta2', 'Remove one member'),
  handler: (args) => {
    const { pool, member } = memberRef(args.member);
    emit(editZoneFile(args.zones ?? clientDefaults().zones, args.origin, { op: 'remove', pool, member }, { dryRun: args['dry-run'] === true }));
  },
};
