/**
 * Text layout of `mxlb member` output (pure; `now` is a parameter): aligned tables that read well
 * in a terminal, with the variable-length column last so long reasons do not push the others.
 */
import type { MemberView } from '../http/index.ts';
import type { Override, WeightOverride } from '../pool/index.ts';
import type { AuditEntry } from '../state/index.ts';

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `45s`, `3m12s`, `2h5m`, `3d4h`: the two largest units. */
export function age(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (s >= size && parts.length < 2) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    } else if (parts.length > 0) break;
  }
  return parts.join('');
}

/** `2026-11-25 11:30:00Z`: UTC, as servers log. */
export function clock(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function address(member: Pick<MemberView, 'address' | 'port'>): string {
  const host = member.address.includes(':') ? `[${member.address}]` : member.address;
  return member.port === 25 ? member.address : `${host}:${member.port}`;
}

function until(expiresAt: number | undefined, now: number): string {
  return expiresAt === undefined ? '' : `, until ${clock(expiresAt)} (in ${age(expiresAt - now)})`;
}

export function describeOverride(o: Override | WeightOverride, now: number): string {
  return `${o.reason} (by ${o.author}${until(o.expiresAt, now)})`;
}

/** State as selection sees it; with an override, what the probes see in parentheses. */
export function stateText(m: Pick<MemberView, 'state' | 'observed' | 'override'>): string {
  return m.override ? `${m.state} (${m.observed})` : m.state;
}

export function memberTable(members: readonly MemberView[], now: number): string {
  if (members.length === 0) return 'no members: no balanced zone is loaded\n';
  const rows = members.map((m) => {
    const notes: string[] = [];
    if (m.override) notes.push(`${m.override.kind}: ${describeOverride(m.override, now)}`);
    if (m.weightOverride) notes.push(`weight ${m.weightOverride.weight} (configured ${m.configuredWeight}): ${describeOverride(m.weightOverride, now)}`);
    if (!m.override && m.observed === 'down' && m.observedReason) notes.push(`probe: ${m.observedReason}`);
    const r = m.reputation;
    if (r && r.level !== 'good') notes.push(`reputation ${r.level}${r.applied ? '' : ' (pinned)'}${r.heldBack ? ' (held back)' : ''}: ${r.why}`);
    for (const l of r?.dnsbl ?? []) if (l.state === 'listed') notes.push(`listed on ${l.list} ${l.codes?.join(',') ?? ''}`.trimEnd());
    return [
      m.id,
      m.pool,
      address(m),
      stateText(m),
      m.weightOverride ? `${m.weight}*` : String(m.weight),
      m.since === undefined ? '-' : `${age(now - m.since)} ago`,
      notes.join('; ') || '-',
    ];
  });
  return table(['MEMBER', 'POOL', 'ADDRESS', 'STATE', 'WEIGHT', 'SINCE', 'OVERRIDE'], rows);
}

function auditDetail(entry: AuditEntry): string {
  const next = entry.next as (Partial<Override> & Partial<WeightOverride>) | undefined;
  const previous = entry.previous as (Partial<Override> & Partial<WeightOverride>) | undefined;
  const parts: string[] = [];
  if (next?.weight !== undefined) parts.push(`weight ${next.weight}`);
  if (next?.reason) parts.push(next.reason);
  if (next?.expiresAt !== undefined) parts.push(`until ${clock(next.expiresAt)}`);
  if (previous) {
    const was = previous.kind ?? (previous.weight !== undefined ? `weight ${previous.weight}` : 'set');
    parts.push(`was ${was}${previous.reason ? `: ${previous.reason}` : ''}`);
  }
  return parts.join('; ') || '-';
}

export function auditTable(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'the audit log is empty\n';
  return table(
    ['TIME', 'MEMBER', 'ACTION', 'AUTHOR', 'DETAIL'],
    entries.map((e) => [clock(e.at), e.member, e.action, e.author, auditDetail(e)]),
  );
}
