import type { CommandModule } from 'yargs';
import type { MemberView } from '../http/index.ts';
import { call, clientOptions, type ClientArgs } from './client.ts';
import { memberTable } from './member-format.ts';
import { runServerCommand } from './member-run.ts';

interface ListArgs extends ClientArgs {
  json: boolean;
}

/** `mxlb member list`: every member with its state, override, weight and since when (GET /api/members). */
export const memberListCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List members with state, override, weight and since when',
  builder: (y) =>
    clientOptions(y)
      .option('json', { type: 'boolean', default: false, describe: 'Print the server\'s JSON ({ now, members })' })
      .example('$0 member list', 'Table of every member')
      .example('$0 member list --json | jq \'.members[] | select(.state != "up") | .id\'', 'Members not in service'),
  handler: (args) =>
    runServerCommand(args, async (client, io) => {
      const body = await call<{ now: number; members: MemberView[] }>(client, 'GET', '/api/members');
      io.out.write(args.json ? `${JSON.stringify(body, null, 2)}\n` : memberTable(body.members, body.now));
    }),
};
