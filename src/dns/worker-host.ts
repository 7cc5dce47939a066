/**
 * DnsWorker: the control plane's handle on the answering worker (./worker-main.ts, one
 * node:worker_threads thread running the DnsServer). The control plane (probes, state store, zone
 * loading and parsing, HTTP) never answers DNS, and the worker never waits for it (DESIGN
 * "Process model"): each new snapshot is cut into pieces here (./worker-protocol.ts) and handed
 * over; the worker keeps answering from the old one until the new one is complete.
 *
 * Contract:
 * - `start()` then `listen(endpoints)` resolves with the bound addresses (port 0 resolved), as
 *   DnsServer.listen does; `publish(snapshot)` may be called before or after, any number of times.
 * - Counters come back in batches every `flushMs` (default 250 ms) and are replayed into the
 *   `metrics` hub; `flush()` asks for one now. `limitCounters()` and `tcpStatus()` are the last
 *   batch's. `ringPositions` asks the worker, and answers [] after `requestTimeoutMs`.
 * - A worker that dies (uncaught error, out of memory) is logged, replaced after a short backoff on
 *   the same bound addresses (its sockets went with its thread), and sent the last snapshot.
 * - Several of these answer side by side in ./worker-pool.ts (`serve --workers N`), each binding
 *   with `reusePort`; `index` names this one in logs, /status and /explain.
 */
import { Worker } from 'node:worker_threads';
import { heapFlags } from '../heap-tuning.ts';
import { atAnsweringPriority } from './thread-priority.ts';
import type { Logger } from '../log.ts';
import type { Snapshot } from '../snapshot.ts';
import type { Zone } from '../zone/index.ts';
import type { RingPosition } from './answer.ts';
import type { RingClient } from './resolve-views.ts';
import type { AnswerCacheOptions } from './cache.ts';
import type { DnsMetricsHub } from './metrics-hooks.ts';
import type { RrlOptions } from './rrl.ts';
import type { CookieOptions } from './cookies.ts';
import { MxlbError } from '../errors.ts';
import type { BoundEndpoint, DnsLimitCounters, Endpoint } from './server.ts';
import type { TcpOptions } from './tcp.ts';
import { BatchReplayer, WorkerCounters } from './worker-metrics.ts';
import { relogWorkerLine, WorkerRequests } from './worker-requests.ts';
import { prepareWorkerSource } from './worker-source.ts';
import { membersUpdate } from './worker-members.ts';
import { pieceBuffers, zonePieces, type FromWorker, type MetricsBatch, type ToWorker, type WorkerInit, type ZoneRef } from './worker-protocol.ts';

export interface DnsWorkerOptions {
  logger: Logger;
  metrics?: DnsMetricsHub;
  rrl?: Partial<RrlOptions> | false;
  /** DNS cookies; a pool hands every worker the same secrets, so a cookie one made is valid at all. */
  cookies?: CookieOptions | false;
  tcp?: Partial<Omit<TcpOptions, 'now'>>;
  cache?: AnswerCacheOptions;
  flushMs?: number;
  /** Least time between two on-demand flushes (`flush()`), default 100 ms. */
  flushGapMs?: number;
  requestTimeoutMs?: number;
  /** Bind with SO_REUSEPORT (./worker-pool.ts: more than one worker on the same addresses). */
  reusePort?: boolean;
  /** Which worker this is (1-based), for logs. */
  index?: number;
  /** Replays the batches into `metrics`; one shared by every worker of a pool (interned member lists). */
  replayer?: BatchReplayer;
  /** Test only: WorkerInit.crashName (env MXLB_TEST_CRASH_QNAME). */
  crashName?: string;
  /** WorkerInit.nativeUdp: the batched-UDP addon to answer UDP with (./native-udp.ts). */
  nativeUdp?: string;
}

const RESTART_BACKOFF_MS = [100, 500, 2_000, 5_000];
/** Longest a worker waits for its first snapshot before it binds anyway (a huge zone, a slow host). */
const SWAP_WAIT_MS = 30_000;

export class DnsWorker {
  readonly #options: DnsWorkerOptions;
  readonly #log: Logger;
  readonly #replayer: BatchReplayer | undefined;
  #worker: Worker | undefined;
  #tid: number | undefined;
  readonly #startListeners: Array<(tid: number | undefined) => void> = [];
  #endpoints: Endpoint[] | undefined;
  #last: Snapshot | undefined;
  /** Snapshots handed over and not yet acknowledged, by version; the one acknowledged last. */
  readonly #pending = new Map<number, Snapshot>();
  #serving: Snapshot | undefined;
  /** The version this thread swapped in (-1 until its first): a restarted thread starts empty. */
  #threadServing = -1;
  /** Woken when the thread exits (a listen waiting for its first snapshot gives up). */
  #exitWaiters: Array<() => void> = [];
  /** #restart is bringing a thread up (its failure, not #exited, schedules the next try). */
  #restarting = false;
  /** Zone ids by object identity (a changed zone is a new object), and the ids the worker holds. */
  readonly #zoneIds = new WeakMap<Zone, number>();
  #nextZoneId = 1;
  #held = new Set<number>();
  /** The member states this thread was last sent (the base of the next `MembersUpdate`); undefined: none yet. */
  #sentMembers: Snapshot['members'] | undefined;
  readonly #counters = new WorkerCounters();
  readonly #requests = new WorkerRequests();
  #pendingFlush: Promise<void> | undefined;
  #lastFlushAt = -Infinity;
  #closing = false;
  readonly #swapListeners: Array<(version: number) => void> = [];
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(options: DnsWorkerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ module: 'dns-worker', ...(options.index === undefined ? {} : { worker: options.index }) });
    this.#replayer = options.replayer ?? (options.metrics ? new BatchReplayer(options.metrics) : undefined);
  }

  /** Whether the thread is running now (false between a death and its restart). */
  get alive(): boolean {
    return this.#worker !== undefined;
  }

  /** How many times this worker died and was restarted. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The worker thread's kernel thread id (Linux), once it is ready. */
  get tid(): number | undefined {
    return this.#tid;
  }

  /** Queries answered by this worker slot since start (as of the last batch). */
  get answered(): number {
    return this.#counters.answered;
  }

  /** Called with the kernel thread id each time a thread (the first, or a restart) is ready, before it gets a snapshot or binds. */
  onStarted(listener: (tid: number | undefined) => void): void {
    this.#startListeners.push(listener);
  }

  /** Starts the worker thread; resolves once it is ready for messages. */
  async start(): Promise<void> {
    const init: WorkerInit = { logLevel: this.#options.logger.level, flushMs: this.#options.flushMs ?? 250 };
    if (heapFlags().length > 0) init.v8Flags = [...heapFlags()];
    if (this.#options.rrl !== undefined) init.rrl = this.#options.rrl;
    if (this.#options.cookies) init.cookies = this.#options.cookies;
    if (this.#options.tcp) init.tcp = this.#options.tcp;
    if (this.#options.cache) init.cache = this.#options.cache;
    if (this.#options.crashName) init.crashName = this.#options.crashName;
    if (this.#options.nativeUdp) init.nativeUdp = this.#options.nativeUdp;
    const [entry, how] = await prepareWorkerSource();
    const worker = atAnsweringPriority(() => new Worker(entry, { ...how, workerData: init }));
    this.#worker = worker;
    this.#held = new Set();
    this.#sentMembers = undefined;
    this.#threadServing = -1;
    await new Promise<void>((resolve, reject) => {
      const early = (error: Error) => reject(error);
      worker.once('error', early);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          this.#tid = message.tid;
          worker.off('error', early);
          worker.on('error', (error) => this.#log.error({ err: error }, 'answering worker failed'));
          worker.on('exit', (code) => this.#exited(worker, code));
          for (const listener of this.#startListeners) listener(message.tid);
          resolve();
        } else this.#received(message);
      });
    });
  }

  /**
   * Binds every endpoint in the worker; the bound addresses, in order (see DnsServer.listen).
   * Waits first (up to `SWAP_WAIT_MS`) until the worker answers from the last published snapshot:
   * a restarted worker that joined the SO_REUSEPORT group with no zones yet would answer REFUSED
   * to its share of the queries while the others could answer them.
   */
  async listen(endpoints: readonly Endpoint[]): Promise<BoundEndpoint[]> {
    await this.#untilServingLast();
    if (!this.#worker) throw new Error('answering worker exited before it held a snapshot');
    const reply = await this.#ask({ type: 'listen', endpoints: [...endpoints], ...(this.#options.reusePort ? { reusePort: true } : {}) }, (m) => m.type === 'listening' || m.type === 'listen-failed');
    if (reply.type === 'listen-failed') throw new MxlbError('dns-listen', reply.message);
    if (reply.type !== 'listening') throw new Error('unexpected reply');
    const bound = reply.bound as BoundEndpoint[];
    this.#endpoints = bound.map((b) => ({ host: b.udp.address, port: b.udp.port }));
    return bound;
  }

  /** New DNS cookie secrets (SIGHUP); a worker restarted later starts with them. */
  replaceCookieSecrets(secrets: readonly string[]): void {
    const cookies = this.#options.cookies;
    if (!cookies) return;
    // A worker restarted later starts with these.
    this.#options.cookies = { ...cookies, secrets: [...secrets] };
    this.#post({ type: 'cookie-secrets', secrets: [...secrets] });
  }

  /**
   * Hands `snapshot` to the worker (zones it does not hold yet in pieces, then the snapshot).
   * `cut` makes a zone's pieces (./worker-pool.ts passes one that serialises each zone once for
   * every worker and hands each its own copy: transferred buffers leave this thread).
   */
  publish(snapshot: Snapshot, cut: typeof zonePieces = zonePieces): void {
    this.#last = snapshot;
    const worker = this.#worker;
    if (!worker) return;
    const refs: ZoneRef[] = [];
    for (const [origin, zone] of snapshot.zones.zones) {
      let id = this.#zoneIds.get(zone);
      if (id === undefined) {
        id = this.#nextZoneId++;
        this.#zoneIds.set(zone, id);
      }
      refs.push({ origin, id });
      if (this.#held.has(id)) continue;
      const started = performance.now();
      const { head, pieces } = cut(zone);
      this.#post({ type: 'zone-head', id, head }, [head]);
      for (const piece of pieces) this.#post({ type: 'zone-chunk', id, piece }, pieceBuffers(piece));
      this.#post({ type: 'zone-end', id });
      const ms = performance.now() - started;
      if (pieces.length > 2) this.#log.debug({ zone: origin, pieces: pieces.length, serializeMs: Math.round(ms) }, 'zone handed to the answering worker');
    }
    this.#held = new Set(refs.map((r) => r.id));
    this.#pending.set(snapshot.version, snapshot);
    const members = membersUpdate(this.#sentMembers, snapshot.members);
    this.#sentMembers = snapshot.members;
    this.#post({ type: 'snapshot', version: snapshot.version, zones: refs, members, ...(snapshot.experiments ? { experiments: new Map(snapshot.experiments) } : {}) });
  }

  /**
   * Called when the worker answers from a new snapshot; every count of answers from older ones
   * has been replayed into the hub by then (readers may drop members that left, once more).
   */
  onSwapped(listener: (version: number) => void): void {
    this.#swapListeners.push(listener);
  }

  /**
   * The snapshot the worker answers from now (undefined before its first swap): what /status and
   * /explain show, so they never disagree with the answers while a hand-over is under way.
   */
  serving(): Snapshot | undefined {
    return this.#serving;
  }

  /** The snapshot version the worker answers from (as of its last batch). */
  get answeringVersion(): number {
    return this.#counters.version;
  }

  limitCounters(): DnsLimitCounters {
    return this.#counters.limits();
  }

  tcpStatus(): { open: number; midQuery: number; rejected: number } {
    return this.#counters.tcpStatus();
  }

  /**
   * Asks the worker for its counters now; resolves within the timeout. One request at a time is
   * shared, and requests start at least `flushGapMs` apart: every /status and /metrics read asks,
   * and 50 clients polling in a loop had the answering thread sending batches back to back
   * (issue 12: DNS must not wait for HTTP). A caller that arrives during the gap still gets a
   * batch taken after it arrived.
   */
  flush(): Promise<void> {
    this.#pendingFlush ??= this.#flushAfterGap().finally(() => (this.#pendingFlush = undefined));
    return this.#pendingFlush;
  }

  async #flushAfterGap(): Promise<void> {
    const wait = this.#lastFlushAt + (this.#options.flushGapMs ?? 100) - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.#lastFlushAt = performance.now();
    await this.#ask({ type: 'flush', request: 0 }, (m) => m.type === 'metrics', true).catch(() => undefined);
  }

  /** The answer cache's ring positions for one question (DnsServer.ringPositions); [] on timeout. */
  async ringPositions(name: string, qtype: number, version: number, client?: RingClient): Promise<RingPosition[]> {
    try {
      const reply = await this.#ask({ type: 'ring', request: 0, name, qtype, version, ...(client ? { client } : {}) }, (m) => m.type === 'ring', true);
      return reply.type === 'ring' ? reply.positions : [];
    } catch {
      return [];
    }
  }

  /** Closes the listeners (in-flight TCP queries get their grace) and ends the thread. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const closed = this.#ask({ type: 'close' }, (m) => m.type === 'closed').catch(() => undefined);
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    await Promise.race([closed, exited]);
    clearTimeout(timer);
    this.#worker = undefined;
    await worker.terminate();
  }

  #post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.#worker?.postMessage(message, transfer);
  }

  /** Sends a message and waits for the reply that `matches` (by request id when `byId`). */
  #ask(message: ToWorker, matches: (m: FromWorker) => boolean, byId = false): Promise<FromWorker> {
    return this.#requests.ask((m) => this.#post(m), message, matches, byId, this.#options.requestTimeoutMs ?? 1_000);
  }

  #untilServingLast(): Promise<void> {
    const version = this.#last?.version;
    if (version === undefined || this.#threadServing >= version) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const at = this.#swapListeners.indexOf(listener);
        if (at >= 0) this.#swapListeners.splice(at, 1);
        const waiting = this.#exitWaiters.indexOf(done);
        if (waiting >= 0) this.#exitWaiters.splice(waiting, 1);
        resolve();
      };
      const listener = (swapped: number): void => {
        if (swapped >= version) done();
      };
      const timer = setTimeout(done, SWAP_WAIT_MS);
      this.#swapListeners.push(listener);
      this.#exitWaiters.push(done);
    });
  }

  #received(message: FromWorker): void {
    if (message.type === 'log') return relogWorkerLine(this.#options.logger, this.#log, message.line);
    if (message.type === 'metrics') this.#absorb(message.batch);
    if (message.type === 'swapped') {
      this.#log.debug({ version: message.version, assembleMs: message.assembleMs, longestStepMs: message.longestStepMs }, 'answering worker swapped the snapshot in');
      const serving = this.#pending.get(message.version);
      for (const version of [...this.#pending.keys()]) if (version <= message.version) this.#pending.delete(version);
      if (serving) this.#serving = serving;
      this.#threadServing = message.version;
      for (const listener of [...this.#swapListeners]) listener(message.version);
    }
    this.#requests.offer(message);
  }

  #absorb(batch: MetricsBatch): void {
    this.#replayer?.replay(batch);
    this.#counters.absorb(batch);
  }

  #exited(worker: Worker, code: number): void {
    if (this.#worker !== worker || this.#closing) return;
    this.#worker = undefined;
    this.#counters.retire();
    this.#requests.failAll(new Error(`answering worker exited with code ${code}`));
    for (const wake of this.#exitWaiters.splice(0)) wake();
    // A thread that dies while #restart brings it up: #restart fails and schedules the next try.
    if (this.#restarting) return;
    const delay = RESTART_BACKOFF_MS[Math.min(this.#restarts, RESTART_BACKOFF_MS.length - 1)]!;
    this.#restarts += 1;
    this.#log.error({ code, restartInMs: delay }, 'answering worker exited; restarting it on the same addresses');
    this.#restartTimer = setTimeout(() => void this.#restart(), delay);
  }

  async #restart(): Promise<void> {
    if (this.#closing) return;
    this.#restarting = true;
    try {
      await this.start();
      if (this.#last) this.publish(this.#last);
      if (this.#endpoints) await this.listen(this.#endpoints);
      this.#log.warn({ restarts: this.#restarts, endpoints: this.#endpoints }, 'answering worker restarted');
    } catch (error) {
      this.#log.error({ err: error }, 'answering worker did not restart; trying again');
      const worker = this.#worker;
      this.#worker = undefined;
      await worker?.terminate();
      const delay = RESTART_BACKOFF_MS[Math.min(this.#restarts++, RESTART_BACKOFF_MS.length - 1)]!;
      this.#restartTimer = setTimeout(() => void this.#restart(), delay);
    } finally {
      this.#restarting = false;
    }
  }
}
