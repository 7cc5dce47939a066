import { extname } from 'node:path';
import type { CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import type { BalancedName, MxBinding, Pool } from '../pool/index.ts';
import { locateZone } from './zone-locate.ts';
import { absolute, zoneRecords } from './zone-records.ts';
import { emit, failed, json, table, usage, type CommandOutput } from './zone-output.ts';
import { YAML_EXTENSIONS } from '../zone/index.ts';

/**
 * `mxlb zone show ORIGIN`: one zone as the server loads it: its records (the static ones plus the
 * A/AAAA synthesized for in-zone member hosts) and, for a balanced zone, its pools and members,
 * balanced names (tiers, policy, TTLs) and MX bindings. Exit 1 when the zone is missing or does
 * not load (with `file:line: reason`), 2 for a bad folder or name.
 */
export function showZone(dir: string, originText: string, opts: { json?: boolean } = {}): CommandOutput {
  const located = locateZone(dir, originText);
  if ('missing' in located) return located.usage ? usage(`mxlb zone show: ${located.missing}`) : failed(located.missing);
  const { zone, file, error } = located.found;
  if (!zone) return failed(`${error ?? `${file}: does not load`}\nzone ${located.found.origin}. does not load: fix the file (mxlb zone validate ${file})`);
  const kind = zone.balancing || YAML_EXTENSIONS.includes(extname(file)) ? 'balanced' : 'master';
  const records = zoneRecords(zone);
  const pools = [...(zone.balancing?.pools.values() ?? [])];
  const names = [...(zone.balancing?.names.values() ?? [])];
  const mx = [...(zone.balancing?.mx.values() ?? [])];

  if (opts.json) {
    return json({
      origin: absolute(zone.origin),
      file,
      kind,
      serial: zone.soa.serial,
      records,
      ...(zone.balancing
        ? {
            pools: pools.map((p) => ({ name: p.name, members: p.members.map(({ id, name, address, port, weight, host }) => ({ id, name, address, port, weight, host: absolute(host) })) })),
            names: names.map((n) => ({ ...nameFacts(n), owner: absolute(n.owner), tiers: n.tiers.map((t) => ({ pools: t.pools, minHealthy: t.minHealthy })) })),
            mx: mx.map((b) => ({ owner: absolute(b.owner), from: absolute(b.balanced), step: b.step, ttl: b.ttl })),
          }
        : {}),
    });
  }

  let out = `zone ${absolute(zone.origin)}  ${kind}  serial ${zone.soa.serial}  ${file}\n`;
  out += `\nRecords (${records.length})\n`;
  out += table(['OWNER', 'TTL', 'TYPE', 'DATA'], records.map((r) => [r.owner, String(r.ttl), r.type, r.data]), '  ');
  if (zone.balancing) out += balancingText(pools, names, mx);
  return { exitCode: 0, stdout: out, stderr: '' };
}

function balancingText(pools: Pool[], names: BalancedName[], mx: MxBinding[]): string {
  const members = pools.flatMap((p) => p.members);
  let out = `\nPools (${pools.length}, ${members.length} members)\n`;
  out += table(
    ['MEMBER', 'ADDRESS', 'PORT', 'WEIGHT', 'HOST'],
    members.map((m) => [m.id, m.address, String(m.port), String(m.weight), absolute(m.host)]),
    '  ',
  );
  const empty = pools.filter((p) => p.members.length === 0).map((p) => p.name);
  if (empty.length) out += `  (no members: ${empty.join(', ')})\n`;
  out += `\nBalanced names (${names.length})\n`;
  out += table(
    ['NAME', 'TIERS', 'POLICY', 'MAX', 'TTL', 'DEGRADED-TTL', 'ALL-DOWN'],
    names.map((n) => [absolute(n.owner), tiersText(n), n.policy, String(n.max), String(n.ttl), String(n.degradedTtl), n.allDown]),
    '  ',
  );
  if (mx.length) {
    out += `\nMX (${mx.length})\n`;
    out += table(['OWNER', 'FROM', 'STEP', 'TTL'], mx.map((b) => [absolute(b.owner), absolute(b.balanced), String(b.step), String(b.ttl)]), '  ');
  }
  return out;
}

/** `primary > backup,spare(min 2)`: tiers in order, pools of a tier joined by commas. */
function tiersText(name: BalancedName): string {
  return name.tiers.map((t) => `${t.pools.join(',')}${t.minHealthy > 1 ? `(min ${t.minHealthy})` : ''}`).join(' > ');
}

function nameFacts(n: BalancedName) {
  return { policy: n.policy, max: n.max, ttl: n.ttl, degradedTtl: n.degradedTtl, allDown: n.allDown };
}

interface ShowArgs {
  origin: string;
  zones?: string;
  json?: boolean;
}

export const showCommand: CommandModule<object, ShowArgs> = {
  command: 'show <origin>',
  describe: 'Show one zone: records, and for a balanced zone its pools, members, names and MX',
  builder: (y) =>
    y
      .positional('origin', { type: 'string', demandOption: true, describe: 'Zone name, e.g. relay.example.com' })
      .option('zones', { type: 'string', describe: 'Zones folder (env MXLB_ZONES)', defaultDescription: './zones' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the zone as JSON' })
      .example('$0 zone show relay.example.com', 'Records, pools and balanced names of one zone'),
  handler: (args) => emit(showZone(args.zones ?? clientDefaults().zones, args.origin, { json: args.json === true })),
};
