import { isIP } from 'node:net';
import type { Argv } from 'yargs';
import { MxlbError } from '../errors.ts';
import type { MemberFields } from '../zone/index.ts';

/** Arguments shared by `zone member add|remove|set`, checked before any file is touched (bad input → exit 2). */

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface MemberFieldArgs {
  address?: string;
  port?: number;
  weight?: number;
  host?: string;
}

export function withZonesOptions<T>(y: Argv<T>) {
  return y
    .option('zones', { type: 'string', describe: 'Zones folder (env MXLB_ZONES)', defaultDescription: './zones' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Print the change as a unified diff; write nothing' });
}

export function withFieldOptions<T>(y: Argv<T>) {
  return y
    .option('address', { type: 'string', describe: 'IPv4 or IPv6 address the member is published and probed at' })
    .option('port', { type: 'number', describe: 'SMTP port probed (default 25)' })
    .option('weight', { type: 'number', describe: 'Share under the weighted policy, 0–1000000 (default 100; 0 = standby)' })
    .option('host', { type: 'string', describe: 'Host name used as MX exchange, relative to the zone or absolute with a final dot (default <member>.<origin>)' });
}

/** `POOL/MEMBER` → both labels; usage error otherwise. */
export function memberRef(text: string): { pool: string; member: string } {
  const match = /^([^/]+)\/([^/]+)$/.exec(text.trim());
  if (!match) throw new MxlbError('usage', `"${text}" is not POOL/MEMBER (e.g. primary/mta1)`);
  return { pool: label(match[1]!, 'pool'), member: label(match[2]!, 'member') };
}

export function label(text: string, what: string): string {
  if (!LABEL.test(text)) throw new MxlbError('usage', `${what} name "${text}" must be a DNS label: lower-case letters, digits and inner hyphens, at most 63`);
  return text;
}

export function memberFields(args: MemberFieldArgs): MemberFields {
  const fields: MemberFields = {};
  if (args.address !== undefined) {
    const address = String(args.address).trim();
    if (isIP(address) === 0 || address.includes('%')) throw new MxlbError('usage', `--address "${args.address}" is not an IPv4 or IPv6 address`);
    fields.address = address;
  }
  if (args.port !== undefined) fields.port = integer(args.port, '--port', 1, 65535);
  if (args.weight !== undefined) fields.weight = integer(args.weight, '--weight', 0, 1_000_000);
  if (args.host !== undefined) {
    const host = String(args.host).trim();
    if (!/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/.test(host)) {
      throw new MxlbError('usage', `--host "${args.host}" is not a host name`);
    }
    fields.host = host;
  }
  return fields;
}

function integer(value: number, flag: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new MxlbError('usage', `${flag} must be a whole number ${min}–${max}, not ${String(value)}`);
  return value;
}
