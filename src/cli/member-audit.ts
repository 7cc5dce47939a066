import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import type { AuditEntry } from '../state/index.ts';
import { call, clientOptions, type ClientArgs } from './client.ts';
import { auditTable } from './member-format.ts';
import { runServerCommand } from './member-run.ts';

interface AuditArgs extends ClientArgs {
  limit: number;
  json: boolean;
}

/** `mxlb member audit`: the newest operator actions first (GET /api/audit). */
export const memberAuditCommand: CommandModule<object, AuditArgs> = {
  command: 'audit',
  describe: 'Show the audit log of overrides: who, when, what, and the value replaced',
  builder: (y) =>
    clientOptions(y)
      .option('limit', { type: 'number', default: 20, describe: 'Entries to show, newest first (1-1000)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the server\'s JSON ({ entries })' }),
  handler: (args) => {
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > 1000) throw new MxlbError('usage', '--limit must be a whole number from 1 to 1000');
    return runServerCommand(args, async (client, io) => {
      const body = await call<{ entries: AuditEntry[] }>(client, 'GET', `/api/audit?limit=${args.limit}`);
      io.out.write(args.json ? `${JSON.stringify(body, null, 2)}\n` : auditTable(body.entries));
    });
  },
};
