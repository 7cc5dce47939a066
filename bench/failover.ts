/**
 * `npm run bench:failover`: how fast does each DNS server stop handing out a failed MTA, and how
 * fast does it hand it out again once the MTA is back? mxlb against PowerDNS (LUA `ifportup`) and
 * gdnsd (multifo + `tcp_connect`), each at its DEFAULT health-check profile, all watching the SAME
 * four MTAs (127.0.0.11–14, one port) at the same time.
 *
 * Cases (bench/failover-mtas.ts): `dead` (connection refused), `silent` (accepts TCP, never greets),
 * `421` (greets 421 and closes). Per round one MTA (rotating) is put into the fault; every server
 * is polled over UDP every --tick ms until the MTA has left its answers (bench/failover-watch.ts)
 * or the cap passes; then the MTA is restored and each server that dropped it is timed until it
 * is back. Medians and nearest-rank p90 over --rounds rounds go to a markdown table on stdout;
 * progress goes to stderr. A peer that is not installed is skipped and said so.
 *
 *   npm run bench:failover -- [--rounds 5] [--servers mxlb,pdns,gdnsd] [--cases dead,silent,421]
 *                             [--cap-dead 120] [--cap-fault 30] [--cap-back 300] [--tick 20]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { UdpAsker } from './failover-dns.ts';
import { FAULT_CASES, MtaFarm, type FaultCase } from './failover-mtas.ts';
import { markdownTable, seconds, type Sample } from './failover-stats.ts';
import { observe, timeUntilBack, timeUntilGone, waitAllPresent, type WatchOptions } from './failover-watch.ts';
import type { DnsPeer, PeerSetup } from './peers/common.ts';
import { GDNSD_INSTALL, gdnsdInstalled, startGdnsd } from './peers/gdnsd.ts';
import { startMxlbPeer } from './peers/mxlb.ts';
import { PDNS_INSTALL, pdnsInstalled, startPdns } from './peers/pdns.ts';

const SERVERS = ['mxlb', 'pdns', 'gdnsd'] as const;
type ServerName = (typeof SERVERS)[number];
const USAGE = `usage: npm run bench:failover -- [--rounds N] [--servers ${SERVERS.join(',')}] [--cases ${FAULT_CASES.join(',')}]
       [--cap-dead S] [--cap-fault S] [--cap-back S] [--tick MS]`;

const ORIGIN = 'relay.test';
const QNAME = `smtp.${ORIGIN}`;
const HOSTS = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
/** Longer than PowerDNS's 5 s check interval, so each peer has checked every MTA at least once. */
const WARMUP_MS = 7000;

interface Options {
  rounds: number;
  servers: ServerName[];
  cases: FaultCase[];
  capDeadMs: number;
  capFaultMs: number;
  capBackMs: number;
  watch: WatchOptions;
}

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function list<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0 || items.length === 0) usage(`unknown ${what} "${bad.join(',')}" (choose from ${allowed.join(', ')})`);
  return [...new Set(items)] as T[];
}

function positive(text: string, what: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) usage(`--${what} must be a number from ${min} to ${max}, got "${text}"`);
  return value;
}

function options(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        rounds: { type: 'string', default: '5' },
        servers: { type: 'string', default: SERVERS.join(',') },
        cases: { type: 'string', default: FAULT_CASES.join(',') },
        'cap-dead': { type: 'string', default: '120' },
        'cap-fault': { type: 'string', default: '30' },
        'cap-back': { type: 'string', default: '300' },
        tick: { type: 'string', default: '20' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    usage((error as Error).message);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    rounds: Math.floor(positive(parsed.rounds, 'rounds', 1, 100)),
    servers: list(parsed.servers, SERVERS, 'server'),
    cases: list(parsed.cases, FAULT_CASES, 'case'),
    capDeadMs: positive(parsed['cap-dead'], 'cap-dead', 1, 3600) * 1000,
    capFaultMs: positive(parsed['cap-fault'], 'cap-fault', 1, 3600) * 1000,
    capBackMs: positive(parsed['cap-back'], 'cap-back', 1, 3600) * 1000,
    // 3 queries per tick: enough to see a random 1-of-4 answer's victim quickly (failover-watch.ts)
    watch: { qname: QNAME, tickMs: positive(parsed.tick, 'tick', 5, 1000), burst: 3, cleanTicks: 25 },
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const STARTERS: Record<ServerName, { installed: () => boolean; install?: string; start: (setup: PeerSetup) => Promise<DnsPeer> }> = {
  mxlb: { installed: () => true, start: startMxlbPeer },
  pdns: { installed: pdnsInstalled, install: PDNS_INSTALL, start: startPdns },
  gdnsd: { installed: gdnsdInstalled, install: GDNSD_INSTALL, start: startGdnsd },
};

function packageVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return `${cpus().length} × ${model}, Linux ${kernel}, Node ${process.version}`;
}

interface Running {
  peer: DnsPeer;
  asker: UdpAsker;
}

async function main(): Promise<void> {
  const opts = options();
  const work = mkdtempSync(join(tmpdir(), 'mxlb-failover-'));
  const running: Running[] = [];
  let farm: MtaFarm | undefined;
  const cleanup = async (): Promise<void> => {
    for (const r of running) r.asker.close();
    await Promise.all(running.map((r) => r.peer.stop()));
    running.length = 0;
    await farm?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  const interrupted = (): void => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    farm = await MtaFarm.start(HOSTS);
    log(`MTAs (smtp-server) on ${HOSTS.join(', ')} port ${farm.port}`);
    const skipped: string[] = [];
    for (const name of opts.servers) {
      const starter = STARTERS[name];
      if (!starter.installed()) {
        const note = `peer ${name} not installed (${starter.install}): column skipped`;
        skipped.push(note);
        log(note);
        continue;
      }
      const dir = join(work, name);
      mkdirSync(dir, { recursive: true });
      const peer = await starter.start({ dir, origin: ORIGIN, addresses: HOSTS, mtaPort: farm.port });
      running.push({ peer, asker: new UdpAsker(peer.port) });
      log(`${name} answering on 127.0.0.1:${peer.port} (${peer.profile})`);
    }
    if (running.length === 0) throw new Error('no server to measure');

    // Warm-up, then sanity: before the first fault every server must have a real verdict for every
    // MTA (mxlb's first probe round; PowerDNS checks from the first query on, every 5 s; gdnsd
    // checks before it answers) and hand out all four. Without it, a fault right after start hits
    // mxlb members still `unknown`, which one failed probe takes down (src/probe/health.ts).
    log(`warm-up: ${WARMUP_MS / 1000} s of queries`);
    await Promise.all(running.map(async ({ peer, asker }) => {
      const seen = await observe(asker, WARMUP_MS, 40, opts.watch);
      const missing = HOSTS.filter((h) => !seen.has(h));
      if (missing.length > 0) throw new Error(`${peer.name} did not answer ${missing.join(', ')} while every MTA was healthy`);
    }));
    const mxlb = running.find((r) => r.peer.name === 'mxlb');
    if (mxlb) {
      const one = await mxlb.asker.ask(QNAME, 2000);
      if (!one || HOSTS.some((h) => !one.includes(h))) throw new Error(`mxlb answered ${JSON.stringify(one)}, not all four MTAs in one answer`);
    }
    log('sanity: every server answers all four MTAs');

    const capDetect = (kase: string, _server: string): number => (kase === 'dead' ? opts.capDeadMs : opts.capFaultMs);
    const results = new Map<string, Sample[]>();
    const key = (kase: string, server: string): string => `${kase}/${server}`;
    const started = Date.now();
    for (const kase of opts.cases) {
      for (let round = 0; round < opts.rounds; round++) {
        const victim = HOSTS[round % HOSTS.length]!;
        await farm.fault(victim, kase);
        const t0 = performance.now();
        const gone = await Promise.all(running.map((r) => timeUntilGone(r.asker, victim, t0, capDetect(kase, r.peer.name), opts.watch)));
        await farm.restore(victim);
        const t1 = performance.now();
        const back = await Promise.all(running.map((r, i) =>
          gone[i]!.ms === null ? Promise.resolve({ ms: null, lost: 0 }) : timeUntilBack(r.asker, victim, t1, opts.capBackMs, opts.watch),
        ));
        const parts = running.map((r, i) => {
          const sample: Sample = { detectMs: gone[i]!.ms, recoverMs: back[i]!.ms };
          results.set(key(kase, r.peer.name), [...(results.get(key(kase, r.peer.name)) ?? []), sample]);
          const lost = gone[i]!.lost + back[i]!.lost;
          const detect = seconds(sample.detectMs ?? Infinity, capDetect(kase, r.peer.name));
          const recover = sample.detectMs === null ? 'never left' : seconds(sample.recoverMs ?? Infinity, opts.capBackMs);
          return `${r.peer.name} gone ${detect} back ${recover}${lost > 0 ? ` (${lost} lost queries)` : ''}`;
        });
        log(`[${Math.round((Date.now() - started) / 1000)} s] ${kase} ${round + 1}/${opts.rounds} victim ${victim}: ${parts.join('; ')}`);
        // Next round only once every server hands out all four again (a slow riser must not
        // carry its state into the next measurement).
        await Promise.all(running.map(async ({ peer, asker }) => {
          const missing = await waitAllPresent(asker, HOSTS, opts.capBackMs, 40, opts.watch);
          if (missing.length > 0) throw new Error(`${peer.name} still does not answer ${missing.join(', ')} ${opts.capBackMs / 1000} s after the MTA came back`);
        }));
      }
    }

    const out: string[] = [];
    out.push(`Failover benchmark, ${new Date().toISOString()}; ${machine()}`);
    out.push(`${opts.rounds} rounds per case, the failed MTA rotating over ${HOSTS.join(', ')} (port ${farm.port}); every server polled over UDP every ${opts.watch.tickMs} ms (${opts.watch.burst} queries per tick).`);
    out.push(`"gone" = first poll after the last answer holding the MTA (confirmed by ${opts.watch.cleanTicks} clean polls); "back" = first answer holding it after the MTA is restored; p90 is nearest-rank (rank ${Math.ceil(0.9 * opts.rounds)} of ${opts.rounds}); a miss counts as +∞.`);
    for (const r of running) {
      const version = r.peer.name === 'pdns' ? ` ${packageVersion('pdns-server')}` : r.peer.name === 'gdnsd' ? ` ${packageVersion('gdnsd')}` : '';
      out.push(`- ${r.peer.name}${version}: ${r.peer.profile}`);
    }
    for (const note of skipped) out.push(`- ${note}`);
    out.push('');
    out.push(markdownTable({
      cases: opts.cases,
      servers: running.map((r) => r.peer.name),
      results,
      key,
      detectCapMs: capDetect,
      recoverCapMs: opts.capBackMs,
    }));
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:failover failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
