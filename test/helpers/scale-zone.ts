/**
 * A balanced YAML zone with many members, for scale tests and `npm run bench:probes`: members
 * split into pools of `poolSize` (p0, p1, …), balanced names `big` (pool p0 only: up to
 * `poolSize` members, capped at `max`) and `all` (one tier of every pool), and MX at the apex
 * from `big`. Every member host is in the zone, so each also gets its A record.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ScaleZoneSpec {
  origin: string;
  members: readonly { address: string; port: number }[];
  poolSize: number;
  /** Probe settings block (YAML flow values), e.g. { interval: '10s', recheck: '250ms' }. */
  probe: Record<string, string | number | Record<string, string>>;
  max?: number;
}

export const memberName = (index: number): string => `m${index}`;
export const poolName = (index: number, poolSize: number): string => `p${Math.floor(index / poolSize)}`;

export function scaleZoneYaml(spec: ScaleZoneSpec): string {
  const lines: string[] = [
    `origin: ${spec.origin}`,
    'records: |',
    '  $TTL 5m',
    '  @ SOA ns1 hostmaster 1 1h 15m 1w 1m',
    '  @ NS ns1',
    '  ns1 A 127.0.0.1',
    'probe:',
  ];
  for (const [key, value] of Object.entries(spec.probe)) {
    if (typeof value === 'object') {
      lines.push(`  ${key}:`);
      for (const [k, v] of Object.entries(value)) lines.push(`    ${k}: ${v}`);
    } else lines.push(`  ${key}: ${value}`);
  }
  lines.push('pools:');
  let pool = '';
  spec.members.forEach((m, i) => {
    const name = poolName(i, spec.poolSize);
    if (name !== pool) {
      pool = name;
      lines.push(`  ${name}:`, '    members:');
    }
    lines.push(`      - {name: ${memberName(i)}, address: ${m.address}, port: ${m.port}}`);
  });
  const pools = Math.ceil(spec.members.length / spec.poolSize);
  const max = spec.max ?? 8;
  lines.push(
    'names:',
    '  big:',
    '    tiers: [p0]',
    `    max: ${max}`,
    '  all:',
    `    tiers: [[${Array.from({ length: pools }, (_, i) => `p${i}`).join(', ')}]]`,
    `    max: ${max}`,
    'mx:',
    '  "@":',
    '    from: big',
    '',
  );
  return lines.join('\n');
}

/** Writes `<origin>.yaml` into `dir` (created) and returns the file's path. */
export function writeScaleZone(dir: string, spec: ScaleZoneSpec): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${spec.origin}.yaml`);
  writeFileSync(file, scaleZoneYaml(spec));
  return file;
}
