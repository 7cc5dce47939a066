import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import { MxlbError } from '../errors.ts';
import { editZoneFile } from './zone-edit-file.ts';
import { label, memberFields, memberRef, withFieldOptions, withZonesOptions, type MemberFieldArgs } from './zone-member-args.ts';
import { emit } from './zone-output.ts';

interface AddArgs extends MemberFieldArgs {
  origin: string;
  pool: string;
  name?: string;
  zones?: string;
  'dry-run'?: boolean;
}

/** `mxlb zone member add ORIGIN POOL NAME --address IP`: appends a member to a pool of a balanced zone. */
export const memberAddCommand: CommandModule<object, AddArgs> = {
  command: 'add <origin> <pool> [name]',
  describe: 'Add a member to a pool of a balanced zone (keeps comments; validates before writing)',
  builder: (y) =>
    withFieldOptions(withZonesOptions(y))
      .positional('origin', { type: 'string', demandOption: true, describe: 'Zone name, e.g. relay.example.com' })
      .positional('pool', { type: 'string', demandOption: true, describe: 'Pool name (or POOL/NAME)' })
      .positional('name', { type: 'string', describe: 'Member name, unique in the pool' })
      .demandOption('address')
      .example('$0 zone member add relay.example.com primary mta4 --address 192.0.2.14', 'Add a member with the default port and weight')
      .example('$0 zone member add relay.example.com primary/mta5 --address 2001:db8::5 --weight 50 --dry-run', 'Show the change only'),
  handler: (args) => {
    const { pool, member } = args.name === undefined ? memberRef(args.pool) : { pool: label(args.pool, 'pool'), member: label(args.name, 'member') };
    const fields = memberFields(args);
    if (fields.address === undefined) throw new MxlbError('usage', 'a new member needs --address');
    const edit = { op: 'add' as const, pool, member, fields: { ...fields, address: fields.address } };
    emit(editZoneFile(args.zones ?? clientDefaults().zones, args.origin, edit, { dryRun: args['dry-run'] === true }));
  },
};
