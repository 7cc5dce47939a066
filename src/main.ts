/**
 * Composition root: config → logger → state store → zones → probes → DNS + HTTP; ordered shutdown.
 * The only module that knows every folder. Background sources (zone loader, probe results, the
 * state store, override expiry) feed the SnapshotKeeper; the DNS path reads its current snapshot.
 */
import { randomBytes } from 'node:crypto';
import { loadAdminTokens, loadCookieSecrets, loadReadTokens, type AdminToken, type Endpoint, type ServeConfig } from './config.ts';
import { affinityPlan, allowedCpus, ArmCounts, DnsMetricsHub, DnsWorkers, formatCpuList, prepareWorkerSource } from './dns/index.ts';
import { AdminAuth, allRoutes, AnswerShares, coarseClock, startHttp, type HttpListener, type ServerContext } from './http/index.ts';
import type { Logger } from './log.ts';
import { configuredMembers, DnsblMetrics, DnsWorkerMetrics, ExperimentMetrics, MxlbMetrics, ReputationMetrics } from './metrics/index.ts';
import { DEFAULT_REPUTATION, DEFAULT_RULES_YAML, DnsblMonitor, listedLists, parseRules } from './reputation/index.ts';
import { ReputationKeeper } from './reputation-keeper.ts';
import { ShapingKeeper } from './shaping-keeper.ts';
import { ExperimentKeeper, experimentMetricsRows } from './experiment-keeper.ts';
import { OutcomeStore } from './signals/index.ts';
import { ProbeHistory, ProbeScheduler, smtpCheck } from './probe/index.ts';
import type { Snapshot } from './snapshot.ts';
import { recordExpiries } from './override-expiry.ts';
import { SnapshotKeeper } from './snapshot-keeper.ts';
import { MemoryStateStore, openCluster, persistableHealth, restoredHealth, shareOutcomes, type StateStore } from './state/index.ts';
import { openRedisConnections } from './redis/index.ts';
import { dnsblTargets, noZoneLoadsMessage, probeTargets, RedisZoneFollower, zoneKeys, ZoneLoader, type ZoneReloadReport } from './zone/index.ts';
import { MxlbError } from './errors.ts';

export interface RunningMxlb {
  /** The DNS endpoints actually bound (UDP and TCP share each port). */
  dnsEndpoints: Endpoint[];
  httpEndpoint: Endpoint;
  snapshot(): Snapshot;
  /** Re-reads the zones folder (SIGHUP). Never throws: failures are logged, last good zones stay. */
  reload(reason: string): void;
  close(): Promise<void>;
}

/**
 * DNS cookie settings for every answering worker: the secrets of `--cookie-secret-file`, or one
 * random secret made here once, so all workers (and their restarts) accept each other's cookies.
 */
function cookieOptions(config: Readonly<ServeConfig>): { secrets: readonly string[]; requireServerCookie: boolean } | false {
  if (!config.cookies) return false;
  const secrets = config.cookies.secrets.length > 0 ? config.cookies.secrets : [randomBytes(16).toString('hex')];
  return { secrets, requireServerCookie: config.cookies.requireServerCookie };
}

export async function startMxlb(config: Readonly<ServeConfig>, logger: Logger): Promise<RunningMxlb> {
  // Checked before anything starts: a CPU list this process may not use is a usage error.
  const affinity = config.cpuAffinity ? affinityPlan(config.cpuAffinity, allowedCpus()) : undefined;
  // The answering worker's code is prepared meanwhile (esbuild runs in its own process).
  void prepareWorkerSource().catch(() => undefined);
  // Cluster mode (--redis): shared state in Redis, probe leases; else the embedded memory store.
  const cluster = config.redis ? openCluster(config.redis, config.instanceId, logger) : undefined;
  const store: StateStore = cluster?.store ?? new MemoryStateStore({ file: config.stateFile, logger });
  try {
    await store.open();
  } catch (error) {
    // A corrupt or unreadable state file stops the start (docs/operations.md "A corrupt state file"):
    // serving without it would silently drop the operators' drains and quarantines it holds.
    logger.fatal({ err: error, file: config.stateFile }, 'state store did not open; not starting');
    await cluster?.close();
    throw error;
  }
  const keeper = new SnapshotKeeper(store, logger.child({ module: 'snapshot' }));
  recordExpiries(keeper, store, logger);

  const probeLog = logger.child({ module: 'probe' });
  const scheduler = new ProbeScheduler({ check: smtpCheck, logger: probeLog });
  scheduler.seed(new Map([...store.view().health].map(([id, saved]) => [id, restoredHealth(saved)])));
  cluster?.attach(scheduler);
  const history = new ProbeHistory();
  scheduler.onResult((member, result, health, transition) => {
    history.record(member, result, transition);
    if (!result.ok) probeLog.debug({ member, reason: result.reason, detail: result.detail }, 'probe failed');
    if (!transition) return;
    const event = { member, from: transition.from, to: transition.to, reason: transition.reason, detail: transition.detail };
    if (transition.to === 'down') probeLog.warn(event, 'member down');
    else probeLog.info(event, `member ${transition.to}`);
    store.putHealth(member, persistableHealth(health));
  });

  // One hub feeds every reader of DNS query events (answer shares here, /metrics counters).
  const dnsMetrics = new DnsMetricsHub();
  // Shares count on the query path: a coarse clock spares a Date.now() per answer.
  const sharesClock = coarseClock();
  const shares = new AnswerShares({ now: sharesClock.now });
  dnsMetrics.subscribe({ served: (members, count) => shares.add(members, count) });
  const metrics = new MxlbMetrics({ snapshot: () => keeper.current() });
  dnsMetrics.subscribe(metrics.dns);
  scheduler.onResult(metrics.probeResult);
  // Delivery outcomes from the MTAs (POST /api/signals): /status shows them, /metrics exports them.
  const outcomes = new OutcomeStore({ now: Date.now });
  metrics.delivery.source(() => outcomes.totals());
  // DNSBL monitoring of members whose pool has `reputation: dnsbl:` (with Redis: by each member's lease holder).
  const dnsbl = new DnsblMonitor({ logger, ...(cluster ? { owns: (member: string) => cluster.owns(member) } : {}) });
  new DnsblMetrics(metrics.registry).source(dnsbl);
  // The reputation model: outcomes, response rules and DNSBL listings → automatic quarantines and weight factors.
  const reputation = new ReputationKeeper({
    store,
    keeper,
    outcomes,
    defaults: { ...DEFAULT_REPUTATION, rules: parseRules(DEFAULT_RULES_YAML, 'default rules') },
    dnsbl: { listings: (member) => listedLists(dnsbl.verdicts().get(member)), onChange: (listener) => dnsbl.onChange(listener) },
    logger: logger.child({ module: 'reputation' }),
    ...(cluster ? { mayWrite: (member: string) => cluster.owns(member) } : {}),
  });
  // With Redis, outcomes accepted by any instance are counted by every instance.
  const outcomeShare = cluster
    ? shareOutcomes({ connections: cluster.connections, instanceId: config.instanceId, outcomes, logger: logger.child({ module: 'outcomes' }), members: () => new Set(configuredMembers(keeper.current().zones).keys()) })
    : undefined;
  new ReputationMetrics(metrics).source(reputation);
  // Traffic shaping (docs/shaping.md): slow start, warm-up, latency and load factors into the snapshot.
  const shaping = new ShapingKeeper({ keeper, store, outcomes, suspect: (member) => reputation.states().get(member)?.level === 'suspect', ...(config.stateFile ? { countsFile: `${config.stateFile}.warm-up-counts.json` } : {}), logger: logger.child({ module: 'shaping' }) });
  scheduler.onResult((member, result) => shaping.probeResult(member, result));
  // A/B experiments (docs/routing.md): per-arm answers and clients from the answering worker, runs into the snapshot.
  const armCounts = new ArmCounts();
  dnsMetrics.subscribe(armCounts);
  const experiments = new ExperimentKeeper({ store, outcomes, setExperiments: (runs) => keeper.setExperiments(runs), logger: logger.child({ module: 'experiments' }) });
  new ExperimentMetrics(metrics.registry).source(() => experimentMetricsRows(experiments, armCounts));

  // --zones redis: a follower mirrors the zones published in Redis into the folder the loader
  // serves (its own connections); with Redis down at start, the cached zones are served.
  const zoneRedis = config.sharedZones && config.redis ? openRedisConnections(config.redis, logger.child({ module: 'shared-zones' })) : undefined;
  const follower = zoneRedis
    ? new RedisZoneFollower({ client: zoneRedis.client, subscriber: zoneRedis.subscriber, keys: zoneKeys(config.redis!.prefix), cacheDir: config.zonesDir, logger: logger.child({ module: 'shared-zones' }) })
    : undefined;
  await follower?.start(3000);

  // DNS answers in worker threads (src/dns/worker-pool.ts, --workers): each gets every snapshot
  // handed over and never waits for this thread's HTTP requests, probes or zone parsing.
  // The workers boot (an isolate each, on another core) while this thread loads the zones: the
  // first answer comes that much sooner (docs/decisions.md "Start-up").
  const dns = new DnsWorkers({ logger, metrics: dnsMetrics, rrl: config.rrl, tcp: config.tcp, cache: config.dnsCache, cookies: cookieOptions(config), workers: config.workers, ...(config.testCrashQname ? { crashName: config.testCrashQname } : {}) });
  const dnsStarted = dns.start();
  dnsStarted.catch(() => undefined); // awaited below, after the zones
  let lastReport: ZoneReloadReport | undefined;
  const zones = new ZoneLoader({ dir: config.zonesDir, logger: logger.child({ module: 'zones' }), ...(config.zoneSettleMs === undefined ? {} : { settleMs: config.zoneSettleMs }) });
  zones.onChange(metrics.zoneReloaded);
  zones.onChange((zoneSet, report) => {
    lastReport = report;
    if (!report.changed && keeper.current().version > 0) return;
    try {
      const targets = probeTargets(zoneSet, config.ehloName);
      cluster?.setMembers(targets.map((t) => t.memberId), Math.min(1000, ...targets.map((t) => t.settings.intervalMs)));
      scheduler.setTargets(targets);
    } catch (error) {
      logger.error({ err: error }, 'probe targets rejected; probing the previous set');
    }
    dnsbl.setTargets(dnsblTargets(zoneSet));
    keeper.setZones(zoneSet);
    reputation.setZones(zoneSet);
    shaping.setZones(zoneSet);
    experiments.setZones(zoneSet);
    const members = new Set(keeper.current().members.keys());
    // The configured members: the history sizes each one's share of its sample budget by their count.
    const configured = new Set(configuredMembers(zoneSet).keys());
    history.retain(configured);
    outcomes.retain(configured);
    shares.retain(members);
    logger.info({ version: keeper.current().version, zones: zoneSet.zones.size, reason: report.reason }, 'zones swapped in');
  });
  // Not waiting for the workers to be online before parsing (f2e6458 did, to keep the young
  // generation small on Node 20; measured without it: the same RSS at 10,000 members): the wait
  // moved the first probe verdicts after "serving" (a second member's first probe comes ~100 ms
  // after the first's), so a name with a backup tier answered the backup for that moment at start.
  const first = await zones.start().catch(async (error: unknown) => {
    await dns.close();
    throw error;
  });
  reputation.start();
  shaping.start();
  logger.info({ zones: first.zones.size, errors: first.errors.length, dir: config.zonesDir }, 'zones loaded');

  await dnsStarted;
  dns.favourAnswering();
  dns.publish(keeper.current());
  keeper.onSwap((snapshot) => dns.publish(snapshot));
  // Answers counted under the previous zones arrive after the reload: forget departed members again.
  dns.onSwapped(() => metrics.dns.retain(new Set(configuredMembers(keeper.current().zones).keys())));
  metrics.dns.watchLimits(() => dns.limitCounters());
  new DnsWorkerMetrics(metrics.registry).source(() => dns.status());
  let http: HttpListener | undefined;
  const shutdown = async () => {
    // Stop taking new work first, let in-flight queries finish, then stop the background sources.
    await http?.close();
    await dns.close();
    await zones.close();
    await follower?.close();
    await zoneRedis?.close();
    scheduler.stop();
    dnsbl.stop();
    reputation.stop();
    shaping.stop();
    experiments.close();
    await outcomeShare?.close();
    sharesClock.stop();
    keeper.close();
    await (cluster ? cluster.close() : store.close());
  };
  const adminAuth = new AdminAuth(config.adminTokens);
  const readAuth = new AdminAuth(config.readTokens);
  try {
    // A folder where no zone loads would serve REFUSED to everything: stop with every file's reason.
    if (!config.sharedZones && first.zones.size === 0) throw new MxlbError('no-zones', noZoneLoadsMessage(config.zonesDir, first.errors));
    if (affinity) {
      const threads = await dns.pinCpus(affinity);
      logger.info({ module: 'dns', answeringCpus: formatCpuList(affinity.answering), controlCpus: formatCpuList(affinity.control), threads }, 'threads pinned to CPUs');
      // Several workers on one CPU take turns on it: each adds a heap and a cache, not answers.
      if (threads.answering > affinity.answering.length) logger.warn({ module: 'dns', workers: threads.answering, answeringCpus: formatCpuList(affinity.answering) }, 'more answering workers than answering CPUs: set --workers to the number of --answer-cpus');
    }
    const bound = await dns.listen(config.dns);
    const context: ServerContext = { keeper, scheduler, store, zoneReport: () => lastReport, startedAt: Date.now(), now: Date.now, dnsMetrics, shares, history, adminAuth, logger, metrics, outcomes, ringPositions: (name, qtype, version, client) => dns.ringPositions(name, qtype, version, client), refreshDns: () => dns.flush(), served: () => dns.serving() ?? keeper.current() };
    context.dnsbl = dnsbl;
    context.reputation = reputation;
    context.shaping = shaping;
    context.experiments = experiments;
    context.armCounts = armCounts;
    if (cluster) context.cluster = () => cluster.status();
    context.dnsWorkers = () => dns.status();
    http = await startHttp(config.http, allRoutes(context, { listen: config.http, hosts: config.httpHosts, readAuth, zonesDir: config.zonesDir }), logger.child({ module: 'http' }), { maxConnections: config.httpMaxConnections });
    return {
      dnsEndpoints: bound.map((b) => ({ host: b.udp.address, port: b.udp.port })),
      httpEndpoint: http.endpoint,
      snapshot: () => dns.serving() ?? keeper.current(),
      reload: (reason) => {
        zones.reload(reason).catch((error: unknown) => logger.error({ err: error, reason }, 'zone reload failed'));
        if (config.adminTokenSource.file) reloadTokens('admin', adminAuth, () => loadAdminTokens(config.adminTokenSource), config.adminTokenSource.file, logger);
        if (config.readTokenSource.file) reloadTokens('read', readAuth, () => loadReadTokens(config.readTokenSource), config.readTokenSource.file, logger);
        if (config.cookies && config.cookies.secretFile) reloadCookieSecrets(dns, config.cookies.secretFile, logger);
      },
      close: shutdown,
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/**
 * SIGHUP re-reads the cookie secret file (rotation: a new first line makes cookies, the older
 * lines are still accepted). A file that no longer reads or parses is logged and the answering
 * workers keep the secrets they have.
 */
function reloadCookieSecrets(dns: DnsWorkers, file: string, logger: Logger): void {
  const log = logger.child({ module: 'dns' });
  try {
    const secrets = loadCookieSecrets(file);
    dns.replaceCookieSecrets(secrets);
    log.info({ file, secrets: secrets.length }, 'cookie secrets reloaded');
  } catch (error) {
    log.error({ file, reason: (error as Error).message }, 'cookie secret file not reloaded: previous secrets stay in force');
  }
}

/**
 * SIGHUP re-reads the admin and read token files so tokens rotate without a restart. A file that
 * no longer reads or parses is logged with the reason and the previous tokens stay in force (never
 * an open or a locked-out API because of a typo).
 */
function reloadTokens(kind: 'admin' | 'read', auth: AdminAuth, load: () => readonly AdminToken[], file: string, logger: Logger): void {
  const log = logger.child({ module: kind === 'admin' ? 'admin' : 'http' });
  try {
    const tokens = load();
    const before = auth.size;
    auth.replace(tokens);
    log.info({ file, tokens: tokens.length, before }, `${kind} tokens reloaded`);
  } catch (error) {
    log.error({ file, reason: (error as Error).message, tokens: auth.size }, `${kind} token file not reloaded: previous tokens stay in force`);
  }
}
