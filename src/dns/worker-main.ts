/**
 * The answering worker (a node:worker_threads thread started by ./worker-host.ts): the DnsServer
 * with its UDP/TCP listeners, answer cache and rate limiter, answering from the last complete
 * snapshot it was handed. Nothing here waits for the control plane: a new snapshot is assembled
 * one piece per event-loop turn (./worker-protocol.ts) while queries are answered from the old
 * one, then swapped in with one assignment. Counters go back in batches every `flushMs`.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { EffectiveState, ExperimentRun, MemberId } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import type { Name, Zone } from '../zone/index.ts';
import type { Resolver } from './answer.ts';
import { loadNativeUdp, type NativeUdp } from './native-udp.ts';
import { resolve } from './resolve.ts';
import { DnsServer } from './server.ts';
import { MetricsBatcher } from './worker-metrics.ts';
import { applyMembers } from './worker-members.ts';
import { ZoneAssembly, type FromWorker, type MetricsBatch, type ToWorker, type WorkerInit, type ZoneRef } from './worker-protocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer ?? []);

// Log lines go to the control plane, which writes them through its own logger (format, level, stream).
const logger = pino({ level: init.logLevel }, { write: (line: string) => send({ type: 'log', line }) });

const EMPTY: Snapshot = { version: 0, zones: { zones: new Map() }, members: new Map() };
let current: Snapshot = EMPTY;
const batcher = new MetricsBatcher();
const server = new DnsServer({ getSnapshot: () => current, logger, metrics: batcher, rrl: init.rrl, tcp: init.tcp, cache: init.cache, cookies: init.cookies, resolve: crashing(init.crashName), ...nativeUdp(init.nativeUdp) });

/** The batched-UDP addon, or dgram when this thread cannot load it (the control plane could). */
function nativeUdp(file: string | undefined): { nativeUdp?: NativeUdp } {
  if (!file) return {};
  try {
    return { nativeUdp: loadNativeUdp(file) };
  } catch (error) {
    logger.warn({ err: error, file }, 'batched UDP addon did not load in this worker; answering UDP through dgram');
    return {};
  }
}

/**
 * Test only: with `crashName` set (env MXLB_TEST_CRASH_QNAME, never a flag), a query for that name
 * throws outside the answer path's own error handling, as a real bug would: the thread dies and
 * ./worker-host.ts restarts it. Without it, the plain resolver.
 */
function crashing(name: string | undefined): Resolver {
  if (!name) return resolve;
  const target = name.toLowerCase().replace(/\.$/, '');
  return (question, ...rest) => {
    if (question.name.toLowerCase() === target) setImmediate(() => { throw new Error(`test crash: query for ${target} (MXLB_TEST_CRASH_QNAME)`); });
    return resolve(question, ...rest);
  };
}

/** The members of the latest snapshot message, the base of the next one's update (kept even when a swap fails). */
let sentMembers: ReadonlyMap<MemberId, EffectiveState> = new Map();
/** Zones held (complete), by id, and zones still arriving. */
let held = new Map<number, Zone>();
const arriving = new Map<number, ZoneAssembly>();
/** Work not yet done, in arrival order: one item per event-loop turn. */
const queue: ToWorker[] = [];
let draining = false;
let started = 0;

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'cookie-secrets':
      server.replaceCookieSecrets(message.secrets);
      return;
    case 'ring':
      send({ type: 'ring', request: message.request, positions: server.ringPositions(message.name, message.qtype, message.version, message.client) });
      return;
    case 'flush':
      // After a snapshot still being assembled, so counts read after a reload are the new zones'.
      if (draining) queue.push(message);
      else flush(message.request);
      return;
    case 'listen':
      server.listen(message.endpoints, message.reusePort).then(
        (bound) => send({ type: 'listening', bound }),
        (error: Error & { code?: string }) => send({ type: 'listen-failed', message: error.message, ...(error.code ? { code: error.code } : {}) }),
      );
      return;
    case 'close':
      clearInterval(timer);
      void server.close().then(() => {
        flush();
        // The control plane ends the thread once it has this.
        send({ type: 'closed' });
      });
      return;
    default:
      // Snapshot pieces: queued, so a burst of chunks is worked off between queries.
      if (queue.length === 0 && !draining) started = performance.now();
      queue.push(message);
      if (!draining) {
        draining = true;
        setImmediate(step);
      }
  }
});

/** The longest single piece of hand-over work since the last swap, ms (reported with it). */
let longestStep = 0;

function step(): void {
  const message = queue.shift();
  if (message) {
    const began = performance.now();
    try {
      apply(message);
    } catch (error) {
      logger.error({ err: error, piece: message.type }, 'snapshot piece rejected; answering from the previous snapshot');
    }
    longestStep = Math.max(longestStep, performance.now() - began);
  }
  if (queue.length > 0) setImmediate(step);
  else draining = false;
}

function apply(message: ToWorker): void {
  switch (message.type) {
    case 'zone-head':
      arriving.set(message.id, new ZoneAssembly(message.head));
      return;
    case 'zone-chunk':
      arriving.get(message.id)?.add(message.piece);
      return;
    case 'zone-end': {
      const assembly = arriving.get(message.id);
      arriving.delete(message.id);
      if (assembly) held.set(message.id, assembly.zone());
      return;
    }
    case 'snapshot':
      sentMembers = applyMembers(sentMembers, message.members);
      swap(message.version, message.zones, sentMembers, message.experiments);
      return;
    case 'flush':
      flush(message.request);
      return;
    default:
  }
}

function swap(version: number, refs: ZoneRef[], members: ReadonlyMap<MemberId, EffectiveState>, experiments?: Map<string, ExperimentRun>): void {
  const zones = new Map<Name, Zone>();
  for (const ref of refs) {
    const zone = held.get(ref.id);
    if (!zone) throw new Error(`snapshot ${version} names zone ${ref.origin} (#${ref.id}) that never arrived`);
    zones.set(ref.origin, zone);
  }
  // Counts of answers from the old snapshot go out first, so the control plane can tell them apart.
  flush();
  current = { version, zones: { zones }, members, ...(experiments ? { experiments } : {}) };
  // Zones no longer named are dropped (the next snapshot that needs one brings it again).
  const keep = new Set(refs.map((r) => r.id));
  held = new Map([...held].filter(([id]) => keep.has(id)));
  send({ type: 'swapped', version, assembleMs: Math.round(performance.now() - started), longestStepMs: Math.round(longestStep * 10) / 10 });
  longestStep = 0;
}

function flush(request?: number): void {
  const batch: MetricsBatch = { ...batcher.take(), limits: server.limitCounters(), tcpStatus: server.tcpStatus(), version: current.version };
  send(request === undefined ? { type: 'metrics', batch } : { type: 'metrics', batch, request });
}

const timer = setInterval(() => flush(), init.flushMs);
/** This thread's kernel id (Linux: /proc/thread-self → PID/task/TID), so the control plane can leave it at full priority. */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

const tid = threadId();
send(tid === undefined ? { type: 'ready' } : { type: 'ready', tid });
