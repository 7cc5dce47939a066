/**
 * Counts which address comes first in the A answers of a balanced name, over `count` UDP queries
 * to a real server (loopback). The answer cache cycles through its prebuilt variants (32 for the
 * weighted policies), so a multiple of 32 queries measures the ring's shares exactly.
 */
import { buildQuery, parseReply, udpExchange } from './dns-client.ts';

export async function firstPlaces(host: string, port: number, name: string, count: number): Promise<Map<string, number>> {
  const firsts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const reply = await udpExchange(host, port, buildQuery({ id: (i % 65_000) + 1, name, type: 1 }), 2000);
    if (!reply) continue;
    const first = parseReply(reply).answers.find((a) => a.type === 1) as { address?: string } | undefined;
    if (first?.address) firsts.set(first.address, (firsts.get(first.address) ?? 0) + 1);
  }
  return firsts;
}

/** Share in [0, 1] of first places that `address` got. */
export function shareOf(firsts: ReadonlyMap<string, number>, address: string): number {
  const total = [...firsts.values()].reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : (firsts.get(address) ?? 0) / total;
}
