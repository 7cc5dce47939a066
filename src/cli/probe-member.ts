import { hostname } from 'node:os';
import { MxlbError } from '../errors.ts';
import type { ProbeTarget } from '../probe/index.ts';
import { formatSourceError, probeTargets, scanZoneDir } from '../zone/index.ts';

/** `pool/member`, as status and the member commands write it. */
export const MEMBER_ID = /^[a-z0-9-]+\/[a-z0-9-]+$/;

/**
 * The probe the server runs for a member (`mxlb probe POOL/MEMBER`): its address and port and its
 * pool's EHLO name, STARTTLS mode, per-phase timeouts, banner pattern and certificate checks, read
 * from the zones folder with the loader's own code (src/zone/probe-targets.ts). The EHLO name a
 * zone leaves unset is `ehloName` (the server uses --ehlo-name; here --ehlo, else this host name).
 * Throws MxlbError('usage') for an unknown member, with the ids it knows.
 */
export function memberProbeTarget(zonesDir: string, memberId: string, ehloName = hostname()): { target: ProbeTarget; file: string } {
  const scan = scanZoneDir(zonesDir);
  const targets = probeTargets({ zones: scan.zones }, ehloName);
  const found = targets.find((t) => t.memberId === memberId);
  if (!found) {
    const known = targets.map((t) => t.memberId);
    const listed = known.length === 0 ? 'no members' : `members: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`;
    const errors = scan.errors.length > 0 ? `; zone files with errors: ${scan.errors.map(formatSourceError).join('; ')}` : '';
    throw new MxlbError('usage', `no member ${memberId} in the zones in ${zonesDir} (${listed})${errors}`);
  }
  const pool = memberId.split('/')[0]!;
  const origin = [...scan.zones.values()].find((z) => z.balancing?.pools.has(pool))?.origin;
  const file = scan.files.find((f) => f.origin === origin)?.file ?? zonesDir;
  return { target: found.target, file };
}
