/**
 * DnsWorkers: `serve --workers N`, N answering workers (./worker-host.ts, one thread each) on the
 * same addresses. Each binds every endpoint with SO_REUSEPORT (Node ≥ 22.12), and the Linux kernel
 * spreads UDP datagrams and TCP connections over the sockets by a hash of the client's address and
 * port. Node 20 has no reusePort: there it answers with one worker and says so (log, /status,
 * `mxlb status`; docs/decisions.md "Answering workers" says why not node:cluster).
 *
 * Contract (the same surface as one DnsWorker, so main.ts and http/ do not care how many):
 * - `start()` then `listen(endpoints)`: the first worker binds (port 0 resolved), the others bind
 *   the same ports; resolves with the bound addresses. Before that the control plane binds each
 *   endpoint once without reusePort and closes it again, so a port held by another program (or
 *   another mxlb) is still refused with EADDRINUSE instead of silently shared.
 * - `publish(snapshot)` hands the snapshot to every worker (each gets its own pieces; none waits).
 * - Counters of every worker replay into the one metrics hub, so /metrics and the answer shares
 *   add up; `limitCounters()` and `tcpStatus()` are sums. `serving()` is the oldest snapshot any
 *   worker answers from, and `onSwapped` fires when that advances (all workers have it).
 * - `ringPositions` asks every worker (each has its own answer cache and ring), shapes prefixed
 *   with `worker i/N` when N > 1: a client's queries stay with one worker while its source port
 *   does, so each worker's ring turns on its own.
 * - A worker that dies is restarted by its DnsWorker with the last snapshot; the others answer.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../log.ts';
import type { Snapshot } from '../snapshot.ts';
import type { Zone } from '../zone/index.ts';
import type { RingPosition } from './answer.ts';
import type { RingClient } from './resolve-views.ts';
import { listenError, type BoundEndpoint, type DnsLimitCounters, type Endpoint } from './server.ts';
import { formatCpuList, pinThread, pinThreads, type AffinityPlan } from './thread-affinity.ts';
import { findNativeUdp, type NativeUdpLookup } from './native-udp.ts';
import { supportsReusePort } from './reuse-port.ts';
import { lowerControlPlane } from './thread-priority.ts';
import { DnsWorker, type DnsWorkerOptions } from './worker-host.ts';
import { BatchReplayer, sumLimits } from './worker-metrics.ts';
import { copyPiece, zonePieces } from './worker-protocol.ts';

/** What /status and `mxlb status` show about the answering workers. */
export interface DnsWorkersStatus {
  /** `--workers` as asked (default: the number of CPUs). */
  requested: number;
  /** Workers started: `requested`, or 1 where the runtime cannot share a port. */
  started: number;
  /** Threads running right now (less than `started` while one is being restarted). */
  alive: number;
  /** How the workers share the addresses: `reuseport`, or `single` (one worker). */
  sharing: 'reuseport' | 'single';
  /** Why fewer workers than asked, when so. */
  note?: string;
  /** How UDP is read and written: `batched` (recvmmsg/sendmmsg, ./native-udp.ts) or `dgram` (node:dgram). */
  udp: 'batched' | 'dgram';
  /** Why `dgram`, when so (the addon was not built, did not load, or is turned off). */
  udpNote?: string;
  /** `--answer-cpus`: the CPU lists answering and control plane threads are pinned to (e.g. `1`, `0`). */
  cpus?: { answering: string; control: string };
  workers: Array<{ index: number; alive: boolean; restarts: number; snapshotVersion: number; queries: number }>;
}

export { supportsReusePort };

/**
 * How many workers to start for `requested` on this runtime, and why fewer when so. `native`: the
 * batched-UDP addon loads, which sets SO_REUSEPORT itself (for UDP and TCP) on any Node.
 */
export function workerPlan(requested: number, version: string = process.versions.node, native = false): { count: number; reusePort: boolean; note?: string } {
  if (requested <= 1) return { count: 1, reusePort: false };
  if (supportsReusePort(version) || native) return { count: requested, reusePort: true };
  return { count: 1, reusePort: false, note: `--workers ${requested} needs Node ≥ 22.12 or the batched-UDP addon (SO_REUSEPORT for UDP and TCP; npm run build:native); Node ${version} answers with one worker` };
}

export class DnsWorkers {
  readonly #workers: DnsWorker[];
  readonly #requested: number;
  readonly #plan: ReturnType<typeof workerPlan>;
  readonly #log: Logger;
  readonly #swapListeners: Array<(version: number) => void> = [];
  #swapped = 0;
  #affinity: AffinityPlan | undefined;

  readonly #native: NativeUdpLookup;

  /** `native`: where the batched-UDP addon is (default: findNativeUdp(), which also honours MXLB_NATIVE_UDP=0). */
  constructor(options: Omit<DnsWorkerOptions, 'nativeUdp'> & { workers: number; nodeVersion?: string; native?: NativeUdpLookup }) {
    const { workers: requested, nodeVersion, native, ...rest } = options;
    this.#requested = requested;
    this.#native = native ?? findNativeUdp();
    this.#plan = workerPlan(requested, nodeVersion, this.#native.path !== undefined);
    this.#log = options.logger.child({ module: 'dns-workers' });
    const replayer = options.metrics ? new BatchReplayer(options.metrics) : undefined;
    this.#workers = Array.from({ length: this.#plan.count }, (_, i) => {
      const worker = new DnsWorker({ ...rest, ...(replayer ? { replayer } : {}), ...(this.#plan.count > 1 ? { index: i + 1 } : {}), ...(this.#native.path ? { nativeUdp: this.#native.path } : {}), reusePort: this.#plan.reusePort });
      worker.onSwapped(() => this.#maybeSwapped());
      worker.onStarted((tid) => this.#pinRestarted(tid));
      return worker;
    });
  }

  /** Lowers the control plane thread's CPU priority so answering threads win a busy core (see favourAnswering in docs/architecture.md). */
  favourAnswering(by = 5): boolean {
    return lowerControlPlane(by, this.#answeringTids());
  }

  /**
   * Pins the answering threads to `plan.answering` and every other thread to `plan.control`
   * (./thread-affinity.ts); a worker restarted later is pinned again as it starts.
   */
  async pinCpus(plan: AffinityPlan): Promise<{ answering: number; control: number }> {
    const pinned = await pinThreads(plan, this.#answeringTids());
    this.#affinity = plan;
    return pinned;
  }

  async start(): Promise<void> {
    if (this.#plan.note) this.#log.warn({ requested: this.#requested, node: process.versions.node }, this.#plan.note);
    await Promise.all(this.#workers.map((w) => w.start()));
    const udp = this.#native.path ? { udp: 'batched' } : { udp: 'dgram', udpNote: this.#native.reason };
    this.#log.info({ workers: this.#workers.length, requested: this.#requested, sharing: this.#plan.reusePort ? 'reuseport' : 'single', ...udp }, 'answering workers started');
  }

  async listen(endpoints: readonly Endpoint[]): Promise<BoundEndpoint[]> {
    if (!this.#plan.reusePort) return this.#workers[0]!.listen(endpoints);
    const reserved: Endpoint[] = [];
    for (const endpoint of endpoints) {
      reserved.push({ host: endpoint.host, port: await freePort(endpoint) });
    }
    const bound = await this.#workers[0]!.listen(reserved);
    const same = bound.map((b) => ({ host: b.udp.address, port: b.udp.port }));
    await Promise.all(this.#workers.slice(1).map((w) => w.listen(same)));
    return bound;
  }

  /**
   * Every worker gets the snapshot; a changed zone is serialised once (about 1 s for 200,000
   * records) and each worker gets a copy of its buffers (a memcpy), not N serialisations.
   */
  /** New DNS cookie secrets for every worker (and their later restarts): SIGHUP's rotation. */
  replaceCookieSecrets(secrets: readonly string[]): void {
    for (const worker of this.#workers) worker.replaceCookieSecrets(secrets);
  }

  publish(snapshot: Snapshot): void {
    if (this.#workers.length === 1) return this.#workers[0]!.publish(snapshot);
    const cut = new Map<Zone, ReturnType<typeof zonePieces>>();
    const copyOf = (zone: Zone): ReturnType<typeof zonePieces> => {
      let once = cut.get(zone);
      if (!once) cut.set(zone, (once = zonePieces(zone)));
      return { head: once.head.slice(0), pieces: once.pieces.map(copyPiece) };
    };
    for (const worker of this.#workers) worker.publish(snapshot, copyOf);
  }

  onSwapped(listener: (version: number) => void): void {
    this.#swapListeners.push(listener);
  }

  /** The oldest snapshot any worker answers from (undefined until every worker swapped one in). */
  serving(): Snapshot | undefined {
    let oldest: Snapshot | undefined;
    for (const worker of this.#workers) {
      const serving = worker.serving();
      if (!serving) return undefined;
      if (!oldest || serving.version < oldest.version) oldest = serving;
    }
    return oldest;
  }

  get answeringVersion(): number {
    return Math.min(...this.#workers.map((w) => w.answeringVersion));
  }

  limitCounters(): DnsLimitCounters {
    return this.#workers.map((w) => w.limitCounters()).reduce((a, b) => sumLimits(a, b));
  }

  tcpStatus(): { open: number; midQuery: number; rejected: number } {
    const sum = { open: 0, midQuery: 0, rejected: 0 };
    for (const worker of this.#workers) {
      const s = worker.tcpStatus();
      sum.open += s.open;
      sum.midQuery += s.midQuery;
      sum.rejected += s.rejected;
    }
    return sum;
  }

  async flush(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.flush()));
  }

  async ringPositions(name: string, qtype: number, version: number, client?: RingClient): Promise<RingPosition[]> {
    const each = await Promise.all(this.#workers.map((w) => w.ringPositions(name, qtype, version, client)));
    if (each.length === 1) return each[0]!;
    return each.flatMap((positions, i) => positions.map((p) => ({ ...p, shape: `worker ${i + 1}/${each.length}, ${p.shape}` })));
  }

  status(): DnsWorkersStatus {
    const status: DnsWorkersStatus = {
      requested: this.#requested,
      started: this.#workers.length,
      alive: this.#workers.filter((w) => w.alive).length,
      sharing: this.#plan.reusePort ? 'reuseport' : 'single',
      udp: this.#native.path ? 'batched' : 'dgram',
      workers: this.#workers.map((w, i) => ({ index: i + 1, alive: w.alive, restarts: w.restarts, snapshotVersion: w.answeringVersion, queries: w.answered })),
    };
    if (this.#plan.note) status.note = this.#plan.note;
    if (!this.#native.path) status.udpNote = this.#native.reason;
    if (this.#affinity) status.cpus = { answering: formatCpuList(this.#affinity.answering), control: formatCpuList(this.#affinity.control) };
    return status;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.close()));
  }

  /** The kernel thread ids of the answering threads running now. */
  #answeringTids(): Set<number> {
    const tids = new Set<number>();
    for (const worker of this.#workers) if (worker.tid !== undefined) tids.add(worker.tid);
    return tids;
  }

  /** A restarted thread inherited the control plane's CPUs from its creator: back to the answering ones. */
  #pinRestarted(tid: number | undefined): void {
    const plan = this.#affinity;
    if (!plan || tid === undefined) return;
    pinThread(tid, plan.answering).then(
      () => this.#log.info({ tid, cpus: formatCpuList(plan.answering) }, 'restarted answering thread pinned to its CPUs'),
      (error: unknown) => this.#log.error({ err: error, tid }, 'restarted answering thread not pinned: it shares the control plane CPUs'),
    );
  }

  #maybeSwapped(): void {
    const version = this.serving()?.version ?? 0;
    if (version <= this.#swapped) return;
    this.#swapped = version;
    for (const listener of this.#swapListeners) listener(version);
  }
}

/**
 * Binds UDP and then TCP on `endpoint` without SO_REUSEPORT and closes both: the port (port 0:
 * a port free on both) that the workers then bind with reusePort. A port someone else holds fails
 * here with EADDRINUSE as it would with one worker, instead of being shared with them.
 */
async function freePort({ host, port }: Endpoint): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const chosen = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: host, port, exclusive: true }, () => resolve(udp.address().port));
    }).catch((error: unknown) => {
      udp.close();
      throw listenError(host, port, 'UDP', error);
    });
    const tcp = net.createServer();
    const tcpError = await new Promise<Error | undefined>((resolve) => {
      tcp.once('error', resolve);
      tcp.listen({ host, port: chosen, exclusive: true }, () => resolve(undefined));
    });
    udp.close();
    if (!tcpError) {
      await new Promise((resolve) => tcp.close(resolve));
      return chosen;
    }
    if (port !== 0 || (tcpError as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 8) throw listenError(host, chosen, 'TCP', tcpError);
  }
}
