/**
 * The loopback address of MTA-farm member `index` (0-based): 127.20.<index / 250>.<index % 250 + 1>,
 * so 10,000 members use 127.20.0.1 … 127.20.39.250. Never .0 or .255 in the last octet; always in
 * 127.0.0.0/8 (loopback only).
 */
export function farmAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 250 * 256) throw new RangeError(`farm index ${index} out of range`);
  return `127.20.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}
