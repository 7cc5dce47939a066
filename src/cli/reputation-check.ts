import { isIP } from 'node:net';
import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { checkDnsbl, type DnsblCheck } from '../reputation/index.ts';
import type { Output } from './probe.ts';

/**
 * `mxlb reputation check IP --list ZONE --resolver HOST:PORT`: one DNSBL lookup through the named
 * resolver (never the system's: lists refuse public resolvers), with the list's RFC 5782 §5 test
 * points. Prints listed (code and reason), not listed, or list error. Exit 0 not listed, 1 listed,
 * list error, unknown or an unusable list, 2 usage.
 */
export interface ReputationCheckArgs {
  address: string;
  list: string[];
  resolver: string;
  timeout: number;
  json: boolean;
}

export function formatCheck(check: DnsblCheck): string {
  const r = check.result;
  const verdict =
    r.status === 'listed' ? `LISTED ${r.codes.join(', ')}${r.reason ? ` — ${r.reason}` : ''}` :
    r.status === 'not-listed' ? 'not listed' :
    r.status === 'error' ? `list error: answered ${r.code} (${r.why}); not a listing` :
    `unknown: ${r.why} (a monitor keeps its last verdict)`;
  const usable = check.usable.usable ? 'test points ok (127.0.0.2 listed, 127.0.0.1 not)' : `LIST UNUSABLE: ${check.usable.why}`;
  return `${check.address} on ${check.list}: ${verdict}\n  query ${check.query}\n  ${usable}\n`;
}

export async function runReputationCheck(args: ReputationCheckArgs, out: Output = process.stdout): Promise<number> {
  if (isIP(args.address) === 0) throw new MxlbError('usage', `"${args.address}" is not an IP address`);
  const checks: DnsblCheck[] = [];
  for (const zone of args.list) {
    try {
      checks.push(await checkDnsbl(args.address, { zone }, { resolver: args.resolver, timeoutMs: args.timeout }));
    } catch (error) {
      throw new MxlbError('usage', error instanceof Error ? error.message : String(error));
    }
  }
  out.write(args.json ? `${JSON.stringify(checks, null, 2)}\n` : checks.map(formatCheck).join(''));
  return checks.every((c) => c.result.status === 'not-listed' && c.usable.usable) ? 0 : 1;
}

export const reputationCheckCommand: CommandModule<object, ReputationCheckArgs> = {
  command: 'check <address>',
  describe: 'Look an address up in DNSBLs through your own resolver, with each list\'s test points',
  builder: (y) =>
    y
      .positional('address', { type: 'string', demandOption: true, describe: 'IPv4 or IPv6 address of an MTA' })
      .option('list', { type: 'string', array: true, demandOption: true, describe: 'DNSBL zone, e.g. zen.spamhaus.org (repeatable)' })
      .option('resolver', { type: 'string', demandOption: true, describe: 'resolver HOST[:PORT] to ask (required: lists refuse public resolvers)' })
      .option('timeout', { type: 'number', default: 2000, describe: 'ms per query' })
      .option('json', { type: 'boolean', default: false, describe: 'print the checks as JSON' }) as never,
  handler: async (args) => {
    process.exitCode = await runReputationCheck(args);
  },
};
