import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { clientProblem, nameProblem, subnetProblem, type ExplainDocument } from '../http/index.ts';
import { parseType } from '../zone/index.ts';
import { call } from './client.ts';
import { runServerCommand, type MemberCommandIo } from './member-run.ts';
import { readClient, readOptions, type ReadArgs } from './status.ts';

/**
 * `mxlb explain NAME [TYPE] [--client IP] [--json]`: why the server answers what it answers for
 * one query now (GET /explain): zone, tiers, every member with state, weight and verdict, the
 * policy applied, the answer and the ring of rotations it cycles through. Arguments are checked
 * here first (exit 2) so a typo never reaches the server. Exit codes: 0 ok, 1 server error,
 * 2 usage, 3 server unreachable.
 */
interface ExplainArgs extends ReadArgs {
  name: string;
  type: string;
  client?: string;
  subnet?: string;
}

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain <name> [type]',
  describe: 'Explain the answer to one query: tiers, members, verdicts, policy, and the answer sent now',
  builder: (y) =>
    readOptions(y)
      .positional('name', { type: 'string', demandOption: true, describe: 'Query name, e.g. smtp.relay.example.com' })
      .positional('type', { type: 'string', default: 'A', describe: 'Query type: A, AAAA, MX, TXT, … or TYPEnnn' })
      .option('client', { type: 'string', describe: 'Client IP address the query comes from (client views match it)' })
      .option('subnet', { type: 'string', describe: 'EDNS Client Subnet the query carries, e.g. 10.2.7.0/24 (zones with ecs: true match views on it)' })
      .example('$0 explain smtp.relay.example.com --client 127.0.0.3 --subnet 10.2.7.0/24', 'Which view that client gets and why')
      .example('$0 explain smtp.relay.example.com', 'Why these addresses for A')
      .example('$0 explain relay.example.com MX --json', 'The MX decision as JSON')
      .epilog('Exit codes: 0 ok, 1 the server answered with an error, 2 usage error, 3 server unreachable.'),
  handler: (args) => runExplain(args),
};

export function explainPath(args: Pick<ExplainArgs, 'name' | 'type' | 'client' | 'subnet'>): string {
  const nameIssue = nameProblem(args.name);
  if (nameIssue) throw new MxlbError('usage', `NAME: ${nameIssue}`);
  if (parseType(args.type) === undefined) throw new MxlbError('usage', `unknown TYPE "${args.type}" (use A, AAAA, MX, TXT, … or TYPEnnn)`);
  const params = new URLSearchParams({ name: args.name, type: args.type.toUpperCase() });
  if (args.client !== undefined) {
    const clientIssue = clientProblem(args.client);
    if (clientIssue) throw new MxlbError('usage', `--client: ${clientIssue}`);
    params.set('client', args.client);
  }
  if (args.subnet !== undefined) {
    const subnetIssue = subnetProblem(args.subnet);
    if (subnetIssue) throw new MxlbError('usage', `--subnet: ${subnetIssue}`);
    params.set('subnet', args.subnet);
  }
  return `/explain?${params.toString()}`;
}

export async function runExplain(args: ExplainArgs, io?: MemberCommandIo): Promise<void> {
  const path = explainPath(args);
  await runServerCommand(
    readClient(args),
    async (client, out) => {
      const doc = await call<ExplainDocument>(client, 'GET', path);
      out.out.write(args.json ? `${JSON.stringify(doc, null, 2)}\n` : doc.text);
    },
    io,
  );
}
