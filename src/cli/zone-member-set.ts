import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { MxlbError } from '../errors.ts';
import { editZoneFile } from './zone-edit-file.ts';
import { memberFields, memberRef, withFieldOptions, withZonesOptions, type MemberFieldArgs } from './zone-member-args.ts';
import { emit } from './zone-output.ts';

interface SetArgs extends MemberFieldArgs {
  origin: string;
  member: string;
  zones?: string;
  'dry-run'?: boolean;
}

/** `mxlb zone member set ORIGIN POOL/NAME --weight N …`: changes fields of a member in place. */
export const memberSetCommand: CommandModule<object, SetArgs> = {
  command: 'set <origin> <member>',
  describe: "Change a member's address, port, weight or host in a balanced zone",
  builder: (y) =>
    withFieldOptions(withZonesOptions(y))
      .positional('origin', { type: 'string', demandOption: true, describe: 'Zone name' })
      .positional('member', { type: 'string', demandOption: true, describe: 'POOL/NAME' })
      .example('$0 zone member set relay.example.com primary/mta1 --weight 50', 'Halve a member\'s share'),
  handler: (args) => {
    const { pool, member } = memberRef(args.member);
    const fields = memberFields(args);
    if (Object.keys(fields).length === 0) throw new MxlbError('usage', 'nothing to set: give --address, --port, --weight or --host');
    emit(editZoneFile(args.zones ?? clientDefaults().zones, args.origin, { op: 'set', pool, member, fields }, { dryRun: args['dry-run'] === true }));
  },
};
