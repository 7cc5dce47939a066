/**
 * What crosses between the control plane and the answering worker (./worker-host.ts,
 * ./worker-main.ts): every message of both directions, and how a Snapshot is cut into pieces.
 *
 * Why pieces: a 200,000-record zone is 27 MB as structured-clone bytes and takes 1.3–3.5 s to
 * deserialise in one go (measured, Node 20), which on the worker would be a 1.3–3.5 s stall of
 * every answer. So zones are sent apart from the snapshot, each zone once per change (by identity:
 * the loader keeps the Zone object of an unchanged file), as a head and chunks of at most
 * `CHUNK_RECORDS` records / `CHUNK_NAMES` names, serialised with node:v8 on the control plane into
 * ArrayBuffers that are transferred (no copy). The worker deserialises one chunk per event-loop
 * turn (setImmediate), answering from the old snapshot in between, and swaps the new snapshot in
 * only once every zone it names is complete.
 *
 * Contract: a `snapshot` message names its zones by `ZoneRef` (origin + id); every zone id it
 * names was sent before it, on the same port (messages keep their order), or is already held by
 * the worker. A zone id is never reused for other contents. The member states travel whole with
 * the snapshot (plain objects and a Map: a few ms for 5,000 members).
 */
import { deserialize, serialize } from 'node:v8';
import type { EffectiveState, MemberId } from '../pool/index.ts';
import type { Name, RRSet, Zone } from '../zone/index.ts';
import type { RingPosition, Transport } from './answer.ts';
import type { RrlOptions } from './rrl.ts';
import type { DnsLimitCounters, Endpoint } from './server.ts';
import type { TcpOptions } from './tcp.ts';
import type { AnswerCacheOptions } from './cache.ts';

/** Records per zone chunk: about 2–10 ms to deserialise on this machine. */
export const CHUNK_RECORDS = 1_000;
/** Names (strings only) per chunk of the zone's name set. */
export const CHUNK_NAMES = 20_000;

export interface ZoneRef {
  origin: Name;
  id: number;
}

/** Settings the worker builds its DnsServer from (all structured-clone safe). */
export interface WorkerInit {
  logLevel: string;
  rrl?: Partial<RrlOptions> | false;
  tcp?: Partial<Omit<TcpOptions, 'now'>>;
  cache?: AnswerCacheOptions;
  /** How often counters are sent back, ms. */
  flushMs: number;
}

/** Control plane → worker. */
export type ToWorker =
  | { type: 'listen'; endpoints: Endpoint[] }
  | { type: 'zone-head'; id: number; head: ArrayBuffer }
  | { type: 'zone-chunk'; id: number; chunk: ArrayBuffer }
  | { type: 'zone-end'; id: number }
  | { type: 'snapshot'; version: number; zones: ZoneRef[]; members: Map<MemberId, EffectiveState> }
  | { type: 'ring'; request: number; name: string; qtype: number; version: number }
  | { type: 'flush'; request: number }
  | { type: 'close' };

/** Counters since the previous batch (./worker-metrics.ts), plus the running totals of the limits. */
export interface MetricsBatch {
  /** [key, count]: key = ((qtype · 4096 + rcode) · 2 + transport) · 2 + cacheHit. */
  answered: Array<[number, number]>;
  served: Array<[readonly string[], number]>;
  dropped: Array<[Transport, string, number]>;
  limits: DnsLimitCounters;
  tcpStatus: { open: number; midQuery: number; rejected: number };
  /** The snapshot version answering now. */
  version: number;
}

/** Worker → control plane. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'listening'; bound: Array<{ udp: AddressLike; tcp: AddressLike }> }
  | { type: 'listen-failed'; message: string; code?: string }
  | { type: 'swapped'; version: number; assembleMs: number }
  | { type: 'metrics'; batch: MetricsBatch; request?: number }
  | { type: 'ring'; request: number; positions: RingPosition[] }
  | { type: 'log'; line: string }
  | { type: 'closed' };

export interface AddressLike {
  address: string;
  family: string;
  port: number;
}

type ZoneHead = Omit<Zone, 'nodes' | 'names'> & { records: number; names: number };

/** Cuts a zone into a head and chunks, each a transferable ArrayBuffer (control-plane side). */
export function zonePieces(zone: Zone): { head: ArrayBuffer; chunks: ArrayBuffer[] } {
  const { nodes, names, ...rest } = zone;
  const chunks: ArrayBuffer[] = [];
  let batch: Array<[Name, Array<[number, RRSet]>]> = [];
  let records = 0;
  let total = 0;
  for (const [owner, types] of nodes) {
    const sets = [...types];
    batch.push([owner, sets]);
    for (const [, set] of sets) records += set.rdata.length;
    if (records >= CHUNK_RECORDS) {
      chunks.push(toBuffer({ nodes: batch }));
      total += records;
      batch = [];
      records = 0;
    }
  }
  if (batch.length > 0) chunks.push(toBuffer({ nodes: batch }));
  total += records;
  let list: Name[] = [];
  for (const name of names) {
    list.push(name);
    if (list.length >= CHUNK_NAMES) {
      chunks.push(toBuffer({ names: list }));
      list = [];
    }
  }
  if (list.length > 0) chunks.push(toBuffer({ names: list }));
  const head: ZoneHead = { ...rest, records: total, names: names.size };
  return { head: toBuffer(head), chunks };
}

function toBuffer(value: unknown): ArrayBuffer {
  const bytes = serialize(value);
  // serialize may return a view into a shared pool: copy out exactly its bytes to transfer them.
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** A zone being put back together on the worker, one piece at a time. */
export class ZoneAssembly {
  readonly #head: ZoneHead;
  readonly #nodes = new Map<Name, ReadonlyMap<number, RRSet>>();
  readonly #names = new Set<Name>();

  constructor(head: ArrayBuffer) {
    this.#head = deserialize(new Uint8Array(head)) as ZoneHead;
  }

  /** Adds one chunk (a few ms of work: called once per event-loop turn). */
  add(chunk: ArrayBuffer): void {
    const piece = deserialize(new Uint8Array(chunk)) as { nodes?: Array<[Name, Array<[number, RRSet]>]>; names?: Name[] };
    if (piece.nodes) for (const [owner, sets] of piece.nodes) this.#nodes.set(owner, new Map(sets));
    if (piece.names) for (const name of piece.names) this.#names.add(name);
  }

  zone(): Zone {
    const { records: _records, names: _names, ...rest } = this.#head;
    return { ...rest, nodes: this.#nodes, names: this.#names };
  }
}
