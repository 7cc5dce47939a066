/**
 * Composition root: config → logger → zones → DNS + HTTP listeners; ordered shutdown.
 * The only module that knows every other folder. It owns the current Snapshot and swaps it whole
 * whenever a background source (zone loader; later probes and the state store) changes.
 */
import type { Endpoint, ServeConfig } from './config.ts';
import { DnsServer } from './dns/index.ts';
import { startHttp, type HttpListener, type RouteHandler } from './http/server.ts';
import type { Logger } from './log.ts';
import type { Snapshot } from './snapshot.ts';
import { ZoneLoader, type ZoneReloadReport } from './zone/index.ts';

export interface RunningMxlb {
  /** The DNS endpoints actually bound (UDP and TCP share each port). */
  dnsEndpoints: Endpoint[];
  httpEndpoint: Endpoint;
  snapshot(): Snapshot;
  /** Re-reads the zones folder (SIGHUP). Never throws: failures are logged, last good zones stay. */
  reload(reason: string): void;
  close(): Promise<void>;
}

export async function startMxlb(config: Readonly<ServeConfig>, logger: Logger): Promise<RunningMxlb> {
  let snapshot: Snapshot = { version: 0, zones: { zones: new Map() }, members: new Map() };
  let lastReport: ZoneReloadReport | undefined;

  const zones = new ZoneLoader({ dir: config.zonesDir, logger: logger.child({ module: 'zones' }) });
  zones.onChange((zoneSet, report) => {
    lastReport = report;
    if (!report.changed && snapshot.version > 0) return;
    snapshot = { ...snapshot, version: snapshot.version + 1, zones: zoneSet };
    logger.info({ version: snapshot.version, zones: zoneSet.zones.size, reason: report.reason }, 'snapshot swapped');
  });
  const first = await zones.start();
  logger.info({ zones: first.zones.size, errors: first.errors.length, dir: config.zonesDir }, 'zones loaded');

  const dns = new DnsServer({ getSnapshot: () => snapshot, logger });
  let http: HttpListener | undefined;
  try {
    const bound = await dns.listen(config.dns);
    const readyz: RouteHandler = () => {
      const reasons: string[] = [];
      if (snapshot.zones.zones.size === 0) reasons.push('no zone loaded');
      const ready = reasons.length === 0;
      return {
        status: ready ? 200 : 503,
        body: { ready, reasons, zones: snapshot.zones.zones.size, zoneErrors: lastReport?.errors.map((e) => e.message) ?? [] },
      };
    };
    http = await startHttp(
      config.http,
      new Map<string, RouteHandler>([
        ['GET /healthz', () => ({ status: 200, body: { alive: true } })],
        ['GET /readyz', readyz],
      ]),
      logger.child({ module: 'http' }),
    );
    const httpListener = http;
    return {
      dnsEndpoints: bound.map((b) => ({ host: b.udp.address, port: b.udp.port })),
      httpEndpoint: httpListener.endpoint,
      snapshot: () => snapshot,
      reload: (reason) => {
        zones.reload(reason).catch((error: unknown) => logger.error({ err: error, reason }, 'zone reload failed'));
      },
      close: async () => {
        // Stop taking new work first, then let in-flight queries finish, then the background sources.
        await httpListener.close();
        await dns.close();
        await zones.close();
      },
    };
  } catch (error) {
    await http?.close();
    await dns.close();
    await zones.close();
    throw error;
  }
}
