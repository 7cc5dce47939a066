import type { Argv, CommandModule } from 'yargs';
import { clientDefaults } from '../config.ts';
import type { MemberStatus, NameStatus, PoolStatus, StatusDocument, ZoneStatus } from '../http/index.ts';
import type { DnsWorkersStatus } from '../dns/index.ts';
import type { ClusterStatus } from '../state/index.ts';
import { call, type ClientArgs } from './client.ts';
import { age, table } from './member-format.ts';
import { runServerCommand, type MemberCommandIo } from './member-run.ts';

/**
 * `mxlb status [--json] [--server URL]`: GET /status as tables, one block per zone (balanced names
 * with their tiers, then each pool's members with state, since when, last probe, answer share),
 * then recent transitions. Exit codes as every server command: 0 ok, 1 server error, 2 usage,
 * 3 server unreachable. Colour only on a terminal, and never with NO_COLOR set (no-color.org).
 */

export interface ReadArgs {
  server: string;
  timeout: number;
  json: boolean;
  token?: string;
  'token-file'?: string;
}

/** --server, --timeout, --json and the read token: what every read-only server command takes. */
export function readOptions<T>(y: Argv<T>): Argv<T & ReadArgs> {
  const defaults = clientDefaults();
  return y
    .option('server', { type: 'string', default: defaults.server, describe: 'URL of the mxlb HTTP listener (env MXLB_SERVER)' })
    .option('timeout', { type: 'number', default: 10, describe: 'Seconds to wait for the server' })
    .option('token', { type: 'string', describe: 'Read token of a server started with --read-token (env MXLB_READ_TOKEN; else the admin token of MXLB_ADMIN_TOKEN is sent)' })
    .option('token-file', { type: 'string', describe: 'File holding the read token: its first TOKEN or HOLDER TOKEN line (env MXLB_READ_TOKEN_FILE)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the server\'s JSON document (for scripts)' }) as Argv<T & ReadArgs>;
}

/**
 * ClientArgs for a read-only command: the read token of --token, --token-file, MXLB_READ_TOKEN or
 * MXLB_READ_TOKEN_FILE, else whatever admin token the environment gives (it grants reads too);
 * the default author (never recorded for reads).
 */
export function readClient(args: ReadArgs): ClientArgs {
  const defaults = clientDefaults();
  const client: ClientArgs = { server: args.server, timeout: args.timeout, author: defaults.author };
  const token = args.token ?? (args['token-file'] === undefined ? defaults.readToken : undefined);
  const file = args['token-file'] ?? (token === undefined ? defaults.readTokenFile : undefined);
  if (token !== undefined) client.token = token;
  else if (file !== undefined) client['token-file'] = file;
  return client;
}

export const statusCommand: CommandModule<object, ReadArgs> = {
  command: 'status',
  describe: 'Show zones, balanced names, tiers, pools and members with state, last probe and answer share',
  builder: (y) =>
    readOptions(y)
      .example('$0 status', 'Tables for every zone')
      .example('$0 status --json | jq \'.zones[].pools[].members[] | select(.effective != "up") | .id\'', 'Members not in service')
      .epilog('Exit codes: 0 ok, 1 the server answered with an error, 2 usage error, 3 server unreachable.'),
  handler: (args) => runStatus(args),
};

export async function runStatus(args: ReadArgs, io?: MemberCommandIo, color = useColor()): Promise<void> {
  await runServerCommand(
    readClient(args),
    async (client, out) => {
      const doc = await call<StatusDocument>(client, 'GET', '/status');
      out.out.write(args.json ? `${JSON.stringify(doc, null, 2)}\n` : formatStatus(doc, client.server, color));
    },
    io,
  );
}

function useColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

const COLORS: Record<string, string> = { up: '32', down: '31', drained: '33', quarantined: '35', unknown: '90' };
const WIDTH = 100;

function paint(text: string, state: string, color: boolean): string {
  const code = COLORS[state];
  return color && code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The human layout (pure; colour is a parameter so tests see plain text). */
export function formatStatus(doc: StatusDocument, server: string, color = false): string {
  const s = doc.server;
  const store = s.store.ok ? `${s.store.kind} ok` : `${s.store.kind} FAILING: ${s.store.reason ?? 'unknown'}`;
  const states = Object.entries(doc.totals.byState).map(([state, n]) => paint(`${n} ${state}`, state, color)).join(', ');
  let text = `mxlb ${s.version} at ${server}: up ${age(s.uptimeSeconds * 1000)}, snapshot ${s.snapshotVersion}, store ${store}` +
    `${s.firstProbeRoundDone ? '' : ', first probe round not done'}\n`;
  text += `${doc.totals.zones} zone(s), ${doc.totals.names} balanced name(s), ${doc.totals.members} member(s)${states ? `: ${states}` : ''}\n`;
  text += `${doc.answersInWindow} balanced answer(s) in the last ${doc.sharesWindowSeconds} s\n`;
  const cluster = (doc as StatusDocument & { cluster?: ClusterStatus }).cluster;
  if (cluster) text += `${clusterLine(cluster, color)}\n`;
  const workers = (doc as StatusDocument & { dnsWorkers?: DnsWorkersStatus }).dnsWorkers;
  if (workers) text += `${workersLine(workers, color)}\n`;
  for (const error of s.zoneErrors) text += `zone error: ${error}\n`;
  for (const zone of doc.zones) text += `\n${formatZone(zone, color)}`;
  if (doc.recentTransitions.length > 0) {
    text += '\nrecent transitions (newest first):\n';
    for (const t of doc.recentTransitions.slice(0, 10)) {
      text += clip(`  ${t.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${t.member}  ${t.from} → ${t.to}  ${t.detail || t.reason}`, WIDTH) + '\n';
    }
  }
  return text;
}

/** `serve --workers`: how many answer, restarts, and why fewer than asked (Node 20). */
export function workersLine(w: DnsWorkersStatus, color = false): string {
  const restarts = w.workers.reduce((n, x) => n + x.restarts, 0);
  const down = w.started - w.alive;
  let text = `dns: ${w.alive} of ${w.started} answering worker(s) alive${w.sharing === 'reuseport' ? ' (SO_REUSEPORT)' : ''}, ${restarts} restart(s)`;
  if (down > 0) text += `, ${paint(`${down} restarting`, 'down', color)}`;
  if (w.started > 1) text += `; queries ${w.workers.map((x) => x.queries).join(' / ')}`;
  if (w.cpus) text += `; on CPUs ${w.cpus.answering} (control plane ${w.cpus.control})`;
  // Absent from servers older than the batched-UDP addon.
  if (w.udp === 'batched') text += '; UDP in batches';
  else if (w.udp === 'dgram') text += `; UDP through dgram${w.udpNote ? `: ${w.udpNote}` : ''}`;
  if (w.note) text += `\n${paint('dns: fewer workers than asked', 'drained', color)}: ${w.note}`;
  return text;
}

/** Cluster mode (Redis): who we are, whether Redis is reachable, and how probing is shared. */
function clusterLine(c: ClusterStatus, color: boolean): string {
  const redis = c.connected ? `redis ${c.redis} connected` : `redis ${c.redis} UNREACHABLE: last snapshot served`;
  const probing = c.probing === 'quorum'
    ? `quorum of ${c.quorum} instance(s) decides each verdict`
    : c.leases ? `leases (${c.leases.mode}), ${c.leases.held} of ${c.leases.members} member(s) probed here, ${c.leases.liveInstances} live instance(s)` : 'leases';
  const first = clip(`cluster: instance ${c.instanceId}, ${redis}`, WIDTH).replace('UNREACHABLE', paint('UNREACHABLE', 'down', color));
  return `${first}\n${clip(`probing: ${probing}`, WIDTH)}`;
}

function formatZone(zone: ZoneStatus, color: boolean): string {
  let text = `zone ${zone.origin}  (${zone.file}, serial ${zone.serial})\n`;
  if (!zone.balanced) return `${text}  static zone: no balanced names\n`;
  for (const name of zone.names) text += formatName(name, color);
  for (const mx of zone.mx) text += `  mx ${mx.owner} from ${mx.balanced} (preference step ${mx.step}, ttl ${mx.ttl})\n`;
  for (const pool of zone.pools) text += formatPool(pool, color);
  return text;
}

function formatName(name: NameStatus, color: boolean): string {
  let text = `  name ${name.owner}  ${name.policy}, max ${name.max}, ttl ${name.ttl} (degraded ${name.degradedTtl}), all-down ${name.allDown}\n`;
  for (const tier of name.tiers) {
    const healthy = `${tier.healthy}/${tier.members} healthy, min ${tier.minHealthy}`;
    const mark = tier.healthy < tier.minHealthy ? paint(healthy, 'down', color) : healthy;
    text += `    tier ${tier.index} [${tier.pools.join(', ')}]  ${mark}${tier.used ? '  serving' : ''}\n`;
  }
  for (const a of name.answers) {
    const what = a.outcome === 'answer' ? `tier ${a.tier}${a.mode === 'normal' ? '' : ` (${a.mode})`}: ${a.candidates.join(', ')}` : a.outcome;
    const degraded = a.degraded ? `  degraded: ${a.degradedBecause.join('; ')}` : '';
    text += `${clip(`    ${a.type.padEnd(4)} → ${what}${degraded}`, WIDTH).replace('degraded:', paint('degraded:', 'drained', color))}\n`;
  }
  return text;
}

function formatPool(pool: PoolStatus, color: boolean): string {
  const p = pool.probe;
  const text = `  pool ${pool.name}  (probe every ${p.interval}, rise ${p.rise}, fall ${p.fall}, starttls ${p.starttls})\n`;
  const rows = pool.members.map((m) => memberRow(m));
  const lines = table(['    MEMBER', 'ADDRESS', 'STATE', 'SINCE', 'WEIGHT', 'PROBE', 'SHARE'], rows).split('\n');
  // Colour after layout so escape codes do not skew the column widths; the detail (override,
  // failure text) goes on its own line below the member so long texts never break the table.
  return text + lines.map((line, i) => {
    if (line === '') return '';
    const member = i > 0 ? pool.members[i - 1] : undefined;
    if (!member) return `${clip(line, WIDTH)}\n`;
    const state = memberState(member);
    const row = clip(line, WIDTH).replace(state, paint(state, member.effective, color));
    const more = detail(member);
    return `${row}\n${more ? `${clip(`      ↳ ${more}`, WIDTH)}\n` : ''}`;
  }).join('');
}

function memberState(m: MemberStatus): string {
  return m.override ? `${m.effective} (${m.observed})` : m.effective;
}

function memberRow(m: MemberStatus): string[] {
  const address = m.port === 25 ? m.address : m.address.includes(':') ? `[${m.address}]:${m.port}` : `${m.address}:${m.port}`;
  const weight = m.effectiveWeight === m.weight ? `${m.weight}` : `${m.effectiveWeight} (${m.weight})`;
  const probe = m.lastProbe ? `${m.lastProbe.totalMs.toFixed(1)} ms ${m.lastProbe.ok ? 'ok' : (m.lastProbe.reason ?? 'fail')}` : '-';
  const share = m.share.answers > 0 ? `${Math.round(m.share.fraction * 100)}%` : '-';
  return [`    ${m.id}`, address, memberState(m), m.sinceSeconds === undefined ? '-' : age(m.sinceSeconds * 1000), weight, probe, share];
}

function detail(m: MemberStatus): string {
  if (m.override) return `${m.override.kind} by ${m.override.author}: ${m.override.reason}${m.override.expires ? ` until ${m.override.expires}` : ''}`;
  if (m.effective === 'down') return m.lastProbe?.detail ?? m.observedReason ?? '';
  const parts: string[] = [];
  if (m.lastProbe?.certDaysLeft !== undefined) parts.push(`cert ${m.lastProbe.certDaysLeft}d`);
  if (m.weightOverride) parts.push(`weight by ${m.weightOverride.author}: ${m.weightOverride.reason}`);
  if (m.recent.failures > 0) parts.push(`${m.recent.failures}/${m.recent.samples} recent probes failed`);
  return parts.join('; ');
}
