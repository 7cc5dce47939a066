/**
 * The real `mxlb serve` for full-flow tests: a balanced YAML zone in a temporary folder, the
 * process stopped at teardown, readiness read from `/readyz`, and polling helpers that watch the
 * DNS answers for a member leaving or coming back (bounded in time and count, no fixed sleeps).
 */
import { startMxlb, type MxlbProcess } from './mxlb-process.ts';
import { ask, askMany, type FlowAnswer, type FlowZoneSpec, writeFlowZone } from './flow-zone.ts';
import { dig } from './dig.ts';
import { eventually } from './poll.ts';

export interface Flow {
  mxlb: MxlbProcess;
  dns: { host: string; port: number };
  dir: string;
  file: string;
}

type Teardown = { teardown(fn: () => Promise<unknown> | void): void };

/** Writes the zone, starts `mxlb serve` on it (extra flags appended), stops it at teardown. */
export async function startFlow(t: Teardown, spec: FlowZoneSpec, args: string[] = ['--state-file', '']): Promise<Flow> {
  const { dir, file } = writeFlowZone(t, spec);
  const mxlb = await startMxlb(['--zones', dir, ...args]);
  t.teardown(() => mxlb.stop());
  return { mxlb, dns: mxlb.dns[0]!, dir, file };
}

/** GET /readyz: the HTTP status and body. */
export async function readyz(mxlb: MxlbProcess): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> {
  const response = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/readyz`, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: (await response.json()) as { ready: boolean; reasons: string[] } };
}

/** Polls /readyz until it says ready (first probe round done), within `timeoutMs`. */
export async function waitReady(mxlb: MxlbProcess, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => (await readyz(mxlb)).status === 200, { timeoutMs, intervalMs: 50, what: 'mxlb ready (/readyz 200)' });
}

/** What identifies one member in answers: its address (A, MX additional) and its MX exchange. */
export interface MemberView {
  address: string;
  host: string;
}

export function inA(answer: FlowAnswer, m: MemberView): boolean {
  return answer.addresses.includes(m.address);
}

export function inMx(answer: FlowAnswer, m: MemberView): boolean {
  return answer.mx.some((r) => r.exchange === m.host) || answer.additional.some((r) => r.address === m.address);
}

/**
 * Polls A at `aName` and MX at `mxName` until `predicate` holds for both answers; returns the
 * elapsed ms since `since`. Queries every `intervalMs`, gives up after `timeoutMs`.
 */
export async function waitAnswers(
  dns: { host: string; port: number },
  names: { a: string; mx: string },
  predicate: (a: FlowAnswer, mx: FlowAnswer) => boolean,
  { since = Date.now(), timeoutMs = 15_000, what = 'answers' }: { since?: number; timeoutMs?: number; what?: string } = {},
): Promise<number> {
  await eventually(async () => predicate(await ask(dns, names.a, 1), await ask(dns, names.mx, 15)), { timeoutMs, intervalMs: 10, what });
  return Date.now() - since;
}

/** `count` consecutive A and MX answers (the rotation ring walked several times over). */
export async function sampleAnswers(dns: { host: string; port: number }, names: { a: string; mx: string }, count: number): Promise<{ a: FlowAnswer[]; mx: FlowAnswer[] }> {
  return { a: await askMany(dns, names.a, 1, count), mx: await askMany(dns, names.mx, 15, count) };
}

/** The transition log lines `member <to>` of `member` seen so far. */
export function transitionLogs(mxlb: MxlbProcess, member: string, to: 'up' | 'down'): Record<string, unknown>[] {
  return mxlb.logs.filter((line) => line.member === member && line.msg === `member ${to}`);
}

/**
 * Waits for a `member <to>` log line of `member` among the lines logged from index `from` on (pass
 * `mxlb.logs.length` before the event). The log reaches the test through a pipe, so it may arrive
 * after the DNS answer already changed: never assert on the logs without waiting.
 */
export async function waitTransition(mxlb: MxlbProcess, member: string, to: 'up' | 'down', from: number, timeoutMs = 5000): Promise<Record<string, unknown>> {
  return eventually(() => mxlb.logs.slice(from).find((line) => line.member === member && line.msg === `member ${to}`), {
    timeoutMs,
    what: `log "member ${to}" of ${member}`,
  });
}

/**
 * `count` A and MX answers through the real `dig`, with EDNS (dig's default) over UDP, or over TCP:
 * other answer-cache entries than the plain UDP queries of `ask` (the cache keys on transport and
 * EDNS shape), so a stale entry of either shape shows up here.
 */
export async function digSample(dns: { host: string; port: number }, names: { a: string; mx: string }, count: number, tcp: boolean): Promise<{ a: FlowAnswer[]; mx: FlowAnswer[] }> {
  const flags = tcp ? ['+tcp'] : [];
  const one = async (name: string, type: 'A' | 'MX'): Promise<FlowAnswer> => {
    const r = await dig(dns.host, dns.port, [...flags, '+norecurse', name, type]);
    const strip = (n: string) => n.replace(/\.$/, '');
    return {
      rcode: ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'].indexOf(r.status),
      aa: r.flags.has('aa'),
      addresses: r.answer.filter((f) => f[3] === 'A' || f[3] === 'AAAA').map((f) => f[4]!),
      mx: r.answer.filter((f) => f[3] === 'MX').map((f) => ({ preference: Number(f[4]), exchange: strip(f[5]!) })),
      ttls: r.answer.map((f) => Number(f[1])),
      additional: r.additional.filter((f) => f[3] === 'A' || f[3] === 'AAAA').map((f) => ({ name: strip(f[0]!), address: f[4]! })),
      soa: r.authority.filter((f) => f[3] === 'SOA').map((f) => ({ name: strip(f[0]!), ttl: Number(f[1]) })),
    };
  };
  const a: FlowAnswer[] = [];
  const mx: FlowAnswer[] = [];
  for (let i = 0; i < count; i++) {
    a.push(await one(names.a, 'A'));
    mx.push(await one(names.mx, 'MX'));
  }
  return { a, mx };
}
