import { existsSync, mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { writeAtomically } from '../zone/index.ts';
import { validateZones } from './zone-validate.ts';
import { emit, type CommandOutput } from './zone-output.ts';

/** One `--member ADDR[:PORT]`: IPv4 `192.0.2.25:2525`, IPv6 `[2001:db8::25]:2525` or a bare address (port 25). */
export interface StarterMember {
  address: string;
  port: number;
}

export function parseMemberSpec(text: string): StarterMember {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([^:]+):(\d+)$/.exec(text);
  const [address, portText] = bracketed ? [bracketed[1]!, bracketed[2]] : v4 ? [v4[1]!, v4[2]] : [text, undefined];
  if (isIP(address) === 0) throw new MxlbError('usage', `--member ${text}: not an IPv4 or IPv6 address (ADDR, ADDR:PORT or [IPV6]:PORT)`);
  const port = portText === undefined ? 25 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new MxlbError('usage', `--member ${text}: port must be 1–65535`);
  return { address, port };
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The origin without its final dot, lower-cased; refuses what cannot be a zone name. */
export function normaliseOrigin(text: string): string {
  const origin = text.trim().toLowerCase().replace(/\.$/, '');
  const labels = origin.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || origin.length > 253) {
    throw new MxlbError('usage', `--origin ${text}: not a domain name (e.g. relay.example.com)`);
  }
  return origin;
}

/**
 * The starter zone's text (pure; `serial` is a parameter so tests are deterministic). Every line is
 * valid as written: the defaults are shown commented out, so the operator sees what can be set
 * without the file relying on values they never chose. Members are `mta1…mtaN` in one pool.
 */
export function starterZone(origin: string, members: readonly StarterMember[], pool: string, serial: string): string {
  const memberLines = members.map((m, i) => {
    const port = m.port === 25 ? '' : `, port: ${m.port}`;
    const address = m.address.includes(':') ? `"${m.address}"` : m.address;
    return `      - {name: mta${i + 1}, address: ${address}${port}}`;
  });
  return `# ${origin} — starter balanced zone written by \`mxlb init\`. Every key: docs/zone-format.md,
# "Balanced zones". Check it with \`mxlb zone validate\`; a running \`mxlb serve\` picks up a saved change
# within a second (or on SIGHUP, \`systemctl reload mxlb\`).
#
# The parent zone delegates ${origin} to your mxlb instances (docs/operations.md, "Delegating"):
#     ${origin}.      IN NS  ns1.${origin}.
#     ns1.${origin}.  IN A   <the address mxlb listens on>      ; glue
# Senders then use smtp.${origin} (A/AAAA) as relay host, or mail for ${origin} follows its MX
# (docs/senders.md).

# Static records in RFC 1035 master-file syntax. Do not add A/AAAA for "smtp" or the member hosts,
# nor MX at "@": mxlb builds those from the pool below.
records: |
  $TTL 5m
  @    SOA ns1 hostmaster (
           ${serial}  ; serial: YYYYMMDDnn, raise it on every edit of these records
           1h 15m 1w   ; refresh, retry, expire
           1m )        ; minimum: TTL of negative answers (RFC 2308)
       NS  ns1
  ns1  1h A 127.0.0.1   ; put the address your mxlb instance answers on here (and add ns2 …)

# How members are probed; the values shown are the defaults (uncomment to change).
probe:
  # interval: 1s        # between probes of a member whose state is settled
  # rise: 2             # passes that bring a down member up
  # fall: 2             # failures that take an up member down
  # timeouts: {connect: 1s, banner: 3s, ehlo: 2s, tls: 3s, quit: 500ms}
  # ehlo: mxlb-probe.${origin}   # default: serve --ehlo-name, else this host's name
  starttls: off         # off | try | require

# The relays (MTAs). A member is <pool>/<name> everywhere (status, CLI, metrics): ${pool}/mta1, …
# Pool names are unique across all zones of a server.
pools:
  ${pool}:
    members:
${memberLines.join('\n')}
      # - {name: mta${members.length + 1}, address: 192.0.2.26, port: 25, weight: 100}

# Balanced names: senders look these up and get the healthy members.
names:
  smtp:                 # smtp.${origin}
    tiers: ${pool}
    # policy: round-robin   # or weighted (uses the members' weight)
    # max: 8                # addresses per answer
    # ttl: 30               # degraded-ttl: 5 while a member is down
    # all-down: all         # nothing healthy: all (fail-open), nodata or servfail

# MX at the apex built from the same members: mail for …@${origin}.
mx:
  "@": {from: smtp}
`;
}

/** Today as YYYYMMDD01, the usual first serial of the day. */
export function initialSerial(now: Date): string {
  return `${now.toISOString().slice(0, 10).replaceAll('-', '')}01`;
}

export interface InitOptions {
  dir: string;
  origin: string;
  members: readonly string[];
  pool?: string;
  force?: boolean;
  now?: Date;
}

/** Writes `<dir>/<origin>.yaml` (creating `dir`), then validates the folder as the server would. */
export function initZone(opts: InitOptions): CommandOutput {
  const origin = normaliseOrigin(opts.origin);
  const pool = opts.pool ?? 'relays';
  if (!LABEL.test(pool)) throw new MxlbError('usage', `--pool ${pool}: lower-case letters, digits and hyphens`);
  const members = opts.members.length > 0 ? opts.members.map(parseMemberSpec) : [{ address: '127.0.0.1', port: 25 }];
  const file = join(opts.dir, `${origin}.yaml`);
  if (!opts.force && (existsSync(file) || existsSync(join(opts.dir, `${origin}.zone`)))) {
    return { exitCode: 1, stdout: '', stderr: `mxlb init: ${existsSync(file) ? file : join(opts.dir, `${origin}.zone`)} exists; --force replaces ${file}\n` };
  }
  mkdirSync(opts.dir, { recursive: true });
  writeAtomically(file, starterZone(origin, members, pool, initialSerial(opts.now ?? new Date())));
  const check = validateZones(opts.dir);
  const hint = opts.members.length === 0 ? `no --member given: ${pool}/mta1 is 127.0.0.1:25, put your relays in\n` : '';
  return {
    exitCode: check.exitCode,
    stdout: `wrote ${file}\n${hint}${check.stdout}next: mxlb serve --zones ${opts.dir}   (docs/install.md)\n`,
    stderr: check.stderr,
  };
}

interface InitArgs {
  dir?: string;
  origin?: string;
  member?: string[];
  pool?: string;
  force?: boolean;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init [dir]',
  describe: 'Write a commented starter zone (<origin>.yaml) into a zones folder',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'Zones folder (created if missing)', default: './zones' })
      .option('origin', { type: 'string', demandOption: true, describe: 'The relay zone, e.g. relay.example.com' })
      .option('member', { type: 'string', array: true, describe: 'A relay MTA: ADDR, ADDR:PORT or [IPV6]:PORT (port 25 by default), repeatable' })
      .option('pool', { type: 'string', default: 'relays', describe: 'Name of the pool of members' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing <origin>.yaml' })
      .example('$0 init /etc/mxlb/zones --origin relay.example.com --member 192.0.2.25 --member 192.0.2.26:2525', 'Two relays'),
  handler: (args) =>
    emit(initZone({ dir: args.dir ?? './zones', origin: args.origin!, members: args.member ?? [], pool: args.pool ?? 'relays', force: args.force === true })),
};
