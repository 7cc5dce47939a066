/**
 * Full-flow test tools: a balanced YAML zone written to a temporary zones folder for the real
 * `mxlb serve`, and quick UDP queries that return the parts of a balanced answer the flow tests
 * assert on (rcode, answer addresses or MX exchanges, TTLs, SOA in authority). Queries go through
 * the test-side codec (test/helpers/dns-client.ts), never through the server's own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQuery, parseReply, replyHeader, udpExchange } from './dns-client.ts';

export interface FlowMember {
  name: string;
  address: string;
  port: number;
  weight?: number;
}

export interface FlowPool {
  members: FlowMember[];
}

export interface FlowName {
  /** Pool names per tier, primary first. */
  tiers: string[][];
  policy?: 'round-robin' | 'weighted';
  max?: number;
  ttl?: number;
  degradedTtl?: number;
  minHealthy?: number;
  allDown?: 'all' | 'nodata' | 'servfail';
}

export interface FlowZoneSpec {
  origin: string;
  /** Zone-wide probe settings, written as YAML values (e.g. `{ interval: '300ms', rise: 2 }`). */
  probe: Record<string, unknown>;
  pools: Record<string, FlowPool>;
  /** Balanced names, relative to the origin. */
  names: Record<string, FlowName>;
  /** MX owner (relative, `@` for the apex) → balanced name it is built from. */
  mx?: Record<string, string>;
}

/** SOA minimum of the flow zones: the TTL a NODATA answer's SOA carries (RFC 2308 §5). */
export const FLOW_SOA_MINIMUM = 60;

/** The YAML text of a balanced zone (docs/zone-format.md), static records inline. */
export function flowZoneYaml(spec: FlowZoneSpec): string {
  const lines: string[] = [
    `origin: ${spec.origin}`,
    'records: |',
    `  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 ${FLOW_SOA_MINIMUM}`,
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe:',
  ];
  for (const [key, value] of Object.entries(spec.probe)) lines.push(`  ${key}: ${yamlValue(value)}`);
  lines.push('pools:');
  for (const [pool, { members }] of Object.entries(spec.pools)) {
    lines.push(`  ${pool}:`, '    members:');
    for (const m of members) {
      lines.push(`      - { name: ${m.name}, address: ${m.address}, port: ${m.port}${m.weight === undefined ? '' : `, weight: ${m.weight}`} }`);
    }
  }
  lines.push('names:');
  for (const [owner, n] of Object.entries(spec.names)) {
    lines.push(`  ${owner}:`, `    tiers: [${n.tiers.map((pools) => `[${pools.join(', ')}]`).join(', ')}]`);
    if (n.policy) lines.push(`    policy: ${n.policy}`);
    if (n.max !== undefined) lines.push(`    max: ${n.max}`);
    if (n.ttl !== undefined) lines.push(`    ttl: ${n.ttl}`);
    if (n.degradedTtl !== undefined) lines.push(`    degraded-ttl: ${n.degradedTtl}`);
    if (n.minHealthy !== undefined) lines.push(`    min-healthy: ${n.minHealthy}`);
    if (n.allDown) lines.push(`    all-down: ${n.allDown}`);
  }
  if (spec.mx && Object.keys(spec.mx).length > 0) {
    lines.push('mx:');
    for (const [owner, from] of Object.entries(spec.mx)) lines.push(`  '${owner}': { from: ${from} }`);
  }
  return `${lines.join('\n')}\n`;
}

function yamlValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${yamlValue(v)}`).join(', ')} }`;
  }
  return String(value);
}

/** Writes the zone into a fresh temporary folder (removed at teardown); returns the folder. */
export function writeFlowZone(t: { teardown(fn: () => void): void }, spec: FlowZoneSpec): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-flow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `${spec.origin}.yaml`);
  writeFileSync(file, flowZoneYaml(spec));
  return { dir, file };
}

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/** One reply, reduced to what balanced-answer tests look at. */
export interface FlowAnswer {
  rcode: number;
  aa: boolean;
  /** A/AAAA addresses in answer order. */
  addresses: string[];
  /** MX records in answer order. */
  mx: { preference: number; exchange: string }[];
  /** TTLs of the answer records. */
  ttls: number[];
  /** Addresses in the additional section (A/AAAA of MX exchanges). */
  additional: { name: string; address: string }[];
  /** SOA records in the authority section (NODATA, RFC 2308 §3) with their TTLs. */
  soa: { name: string; ttl: number }[];
}

/** Queries `name` (type A=1, MX=15) once over UDP; throws when no reply comes within `timeoutMs`. */
export async function ask(endpoint: { host: string; port: number }, name: string, type: number, timeoutMs = 2000): Promise<FlowAnswer> {
  const reply = await udpExchange(endpoint.host, endpoint.port, buildQuery({ name, type, id: Math.floor(Math.random() * 0xffff) }), timeoutMs);
  if (!reply) throw new Error(`no reply to ${name}/${type} from ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`);
  const header = replyHeader(reply);
  const packet = parseReply(reply) as unknown as {
    answers: { type: number; ttl: number; address?: string; priority?: number; exchange?: string }[];
    authorities: { type: number; name: string; ttl: number }[];
    additionals: { type: number; name: string; address?: string }[];
  };
  return {
    rcode: header.rcode,
    aa: header.aa,
    addresses: packet.answers.filter((r) => r.type === 1 || r.type === 28).map((r) => r.address!),
    mx: packet.answers.filter((r) => r.type === 15).map((r) => ({ preference: r.priority!, exchange: r.exchange! })),
    ttls: packet.answers.map((r) => r.ttl),
    additional: packet.additionals.filter((r) => r.type === 1 || r.type === 28).map((r) => ({ name: r.name, address: r.address! })),
    soa: packet.authorities.filter((r) => r.type === 6).map((r) => ({ name: r.name, ttl: r.ttl })),
  };
}

/** `count` consecutive queries (bounded), one after another, so answers walk the rotation ring. */
export async function askMany(endpoint: { host: string; port: number }, name: string, type: number, count: number): Promise<FlowAnswer[]> {
  const out: FlowAnswer[] = [];
  for (let i = 0; i < count; i++) out.push(await ask(endpoint, name, type));
  return out;
}

/** Every address seen in A answers and in the MX additional section of `answers`. */
export function addressesIn(answers: readonly FlowAnswer[]): Set<string> {
  const seen = new Set<string>();
  for (const a of answers) {
    for (const address of a.addresses) seen.add(address);
    for (const extra of a.additional) seen.add(extra.address);
  }
  return seen;
}

/** Every MX exchange seen in `answers`. */
export function exchangesIn(answers: readonly FlowAnswer[]): Set<string> {
  return new Set(answers.flatMap((a) => a.mx.map((m) => m.exchange)));
}
