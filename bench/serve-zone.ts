/**
 * Serves zone files with DnsServer for the benchmark (and by hand): loads each file given, listens
 * on UDP and TCP, prints `port <n>` once bound, and stops on SIGTERM/SIGINT.
 *
 *   node --import=tsx bench/serve-zone.ts [--host 127.0.0.1] [--port 0] zone-file...
 */
import { findNativeUdp, loadNativeUdp, DnsServer } from '../src/dns/index.ts';
import { silentLogger } from '../src/log.ts';
import type { Snapshot } from '../src/snapshot.ts';
import { loadZoneFile, type Zone } from '../src/zone/index.ts';

const args = process.argv.slice(2);
let host = '127.0.0.1';
let port = 0;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--host') host = args[++i] ?? host;
  else if (arg === '--port') port = Number(args[++i]);
  else files.push(arg);
}
if (files.length === 0 || !Number.isInteger(port)) {
  process.stderr.write('usage: serve-zone.ts [--host H] [--port P] zone-file...\n');
  process.exit(2);
}

const zones = new Map<string, Zone>();
for (const file of files) {
  const zone = loadZoneFile(file);
  zones.set(zone.origin, zone);
}
const snapshot: Snapshot = { version: 1, zones: { zones }, members: new Map() };
// UDP as `mxlb serve` answers it: in batches through the addon when built (MXLB_NATIVE_UDP=0: dgram).
const native = findNativeUdp();
const server = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger, ...(native.path ? { nativeUdp: loadNativeUdp(native.path) } : {}) });
const [bound] = await server.listen([{ host, port }]);
process.stdout.write(`port ${bound!.udp.port}\n`);

const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
