/**
 * Starts the real DnsServer on loopback with the fixture zone test/fixtures/dns/relay.example.zone
 * (loaded by the real master-file loader) and stops it when the test file ends.
 */
import { fileURLToPath } from 'node:url';
import { DnsServer, type BoundEndpoint, type DnsServerOptions } from '../../src/dns/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { loadZoneFile } from '../../src/zone/index.ts';
import { testNativeUdp } from './native-udp.ts';

export const FIXTURE_ZONE = fileURLToPath(new URL('../fixtures/dns/relay.example.zone', import.meta.url));

export function fixtureSnapshot(version = 1): Snapshot {
  const zone = loadZoneFile(FIXTURE_ZONE);
  return { version, zones: { zones: new Map([[zone.origin, zone]]) }, members: new Map() };
}

export interface RunningDns {
  server: DnsServer;
  bound: BoundEndpoint[];
  /** UDP and TCP port of the first endpoint (they are equal). */
  port: number;
  snapshot: Snapshot;
}

/**
 * Listens on each host with port 0; the caller closes `server` in its teardown. UDP goes through
 * the batched addon as in the real server (`nativeUdp: undefined` in `options`: node:dgram).
 */
export async function startDns(hosts: string[] = ['127.0.0.1'], options: Partial<DnsServerOptions> = {}): Promise<RunningDns> {
  const snapshot = fixtureSnapshot();
  const addon = 'nativeUdp' in options ? undefined : testNativeUdp();
  const native = addon ? { nativeUdp: addon } : {};
  const server = new DnsServer({ getSnapshot: () => snapshot, logger: silentLogger, ...native, ...options });
  const bound = await server.listen(hosts.map((host) => ({ host, port: 0 })));
  return { server, bound, port: bound[0]!.udp.port, snapshot };
}
