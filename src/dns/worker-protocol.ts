/**
 * What crosses between the control plane and the answering worker (./worker-host.ts,
 * ./worker-main.ts): every message of both directions, and how a Snapshot is cut into pieces.
 *
 * Why pieces: a 200,000-record zone is 27 MB as structured-clone bytes and takes 1.3–3.5 s to
 * deserialise in one go (measured, Node 20), which on the worker would be a 1.3–3.5 s stall of
 * every answer. So zones are sent apart from the snapshot, each zone once per change (by identity:
 * the loader keeps the Zone object of an unchanged file), as a head and chunks of at most
 * 1 MB of RRsets / `CHUNK_NAMES` names, serialised with node:v8 on the control plane into
 * ArrayBuffers that are transferred (no copy). The worker deserialises one chunk per event-loop
 * turn (setImmediate), answering from the old snapshot in between, and swaps the new snapshot in
 * only once every zone it names is complete.
 *
 * Contract: a `snapshot` message names its zones by `ZoneRef` (origin + id); every zone id it
 * names was sent before it, on the same port (messages keep their order), or is already held by
 * the worker. A zone id is never reused for other contents. The member states travel with the
 * snapshot as a `MembersUpdate`: the first snapshot a thread gets carries every member, each later
 * one only the members whose EffectiveState object changed (the SnapshotKeeper keeps the object of
 * an unchanged member, `reuseUnchanged`) and the ids that left, applied in message order on top of
 * the previous snapshot message's members. Why: at 10,000 members a whole map per snapshot (up to
 * ten a second while verdicts change) was 10,000 objects cloned and collected per hand-over on
 * both threads.
 */
import { deserialize, serialize } from 'node:v8';
import { encodeNames, NameSet, NameTable } from './name-table.ts';
import type { ExperimentRun } from '../pool/index.ts';
import type { MembersUpdate } from './worker-members.ts';
import type { Name, RRSet, Zone } from '../zone/index.ts';
import type { RingPosition, Transport } from './answer.ts';
import type { RrlOptions } from './rrl.ts';
import type { RingClient } from './resolve-views.ts';
import type { CookieOptions } from './cookies.ts';
import type { DnsLimitCounters, Endpoint } from './server.ts';
import type { TcpOptions } from './tcp.ts';
import type { AnswerCacheOptions } from './cache.ts';
import type { ClientSketch } from './arm-counts.ts';

/** Names (strings only) per chunk of the zone's name set. */
export const CHUNK_NAMES = 2_000;

export interface ZoneRef {
  origin: Name;
  id: number;
}

/** Settings the worker builds its DnsServer from (all structured-clone safe). */
export interface WorkerInit {
  logLevel: string;
  rrl?: Partial<RrlOptions> | false;
  /** DNS cookies, the same secrets in every worker (./cookies.ts). */
  cookies?: CookieOptions | false;
  tcp?: Partial<Omit<TcpOptions, 'now'>>;
  cache?: AnswerCacheOptions;
  /** How often counters are sent back, ms. */
  flushMs: number;
  /** V8 flags the control plane set (../heap-tuning.ts), set again by the thread as it starts. */
  v8Flags?: string[];
  /** The batched-UDP addon's path (./native-udp.ts), when the control plane found it loads. */
  nativeUdp?: string;
  /**
   * Test only (env MXLB_TEST_CRASH_QNAME, docs/operations.md): a query for this name throws an
   * uncaught error in the worker, so tests can kill one answering worker through the real server.
   */
  crashName?: string;
}

/** Control plane → worker. */
export type ToWorker =
  | { type: 'listen'; endpoints: Endpoint[]; reusePort?: boolean }
  | { type: 'zone-head'; id: number; head: ArrayBuffer }
  | { type: 'cookie-secrets'; secrets: string[] }
  | { type: 'zone-chunk'; id: number; piece: ZonePiece }
  | { type: 'zone-end'; id: number }
  | { type: 'snapshot'; version: number; zones: ZoneRef[]; members: MembersUpdate; experiments?: Map<string, ExperimentRun> }
  | { type: 'ring'; request: number; name: string; qtype: number; version: number; client?: RingClient }
  | { type: 'flush'; request: number }
  | { type: 'close' };

/** Counters since the previous batch (./worker-metrics.ts), plus the running totals of the limits. */
export interface MetricsBatch {
  /** [key, count]: key = ((qtype · 4096 + rcode) · 2 + transport) · 2 + cacheHit. */
  answered: Array<[number, number]>;
  served: Array<[readonly string[], number]>;
  dropped: Array<[Transport, string, number]>;
  /** A/B experiment arms answered since the last batch: [experiment, arm, answers, distinct-client sketch] (./arm-counts.ts). */
  arms?: Array<[string, string, number, ClientSketch]>;
  limits: DnsLimitCounters;
  tcpStatus: { open: number; midQuery: number; rejected: number };
  /** The snapshot version answering now. */
  version: number;
}

/** Worker → control plane. */
export type FromWorker =
  | { type: 'ready'; tid?: number }
  | { type: 'listening'; bound: Array<{ udp: AddressLike; tcp: AddressLike }> }
  | { type: 'listen-failed'; message: string; code?: string }
  /** `assembleMs`: from the first piece to the swap; `longestStepMs`: the longest single piece of work (the longest an answer waited for it). */
  | { type: 'swapped'; version: number; assembleMs: number; longestStepMs: number }
  | { type: 'metrics'; batch: MetricsBatch; request?: number }
  | { type: 'ring'; request: number; positions: RingPosition[] }
  | { type: 'log'; line: string }
  | { type: 'closed' };

export interface AddressLike {
  address: string;
  family: string;
  port: number;
}

type ZoneHead = Omit<Zone, 'nodes' | 'names'> & { records: number; names: number; owners: number };

/**
 * One zone piece, all transferable buffers: names as code units (`chars`, `starts`: ./name-table.ts);
 * with `data` and `offsets` (Float64, one more than groups of `GROUP` names), the names are owners
 * and `data` holds their serialised RRsets, a group per serialisation, end to end; without, they
 * are entries of the zone's name set.
 */
export interface ZonePiece {
  chars: ArrayBuffer;
  starts: ArrayBuffer;
  data?: ArrayBuffer;
  offsets?: ArrayBuffer;
}

/** The buffers of a piece, to transfer. */
export function pieceBuffers(piece: ZonePiece): ArrayBuffer[] {
  return piece.data && piece.offsets ? [piece.chars, piece.starts, piece.data, piece.offsets] : [piece.chars, piece.starts];
}

/** A copy of a piece with buffers of its own (each worker gets one: a transfer empties the sender's). */
export function copyPiece(piece: ZonePiece): ZonePiece {
  const copy: ZonePiece = { chars: piece.chars.slice(0), starts: piece.starts.slice(0) };
  if (piece.data && piece.offsets) {
    copy.data = piece.data.slice(0);
    copy.offsets = piece.offsets.slice(0);
  }
  return copy;
}

function namesPiece(names: readonly Name[]): ZonePiece {
  const { chars, starts } = encodeNames(names);
  return { chars: chars.buffer as ArrayBuffer, starts: starts.buffer as ArrayBuffer };
}

/** Bytes of RRsets per nodes piece. */
const CHUNK_BYTES = 1 << 18;
/** Owners per nodes piece (the worker's key packs the position in 16 bits). */
const CHUNK_OWNERS = 2_048;
/**
 * Owners serialised together (one `v8.serialize` call; the worker decodes the group to read one
 * of them). Why not one call per owner: each call's native serializer lives until its wrapper is
 * collected, and 20,000 owners (10,000 members) left the C heap at 54–58 MB (measured). Groups of
 * 4: 24 MB, and an uncached owner lookup on a 200,000-owner zone costs what it did (11 µs, the
 * call's overhead dominates); groups of 16 left 12 MB but cost 51 µs per uncached lookup.
 */
const GROUP_SHIFT = 2;
const GROUP = 1 << GROUP_SHIFT;

/**
 * Cuts a zone into a head and pieces, each made of transferable ArrayBuffers (control-plane side).
 * Each group of `GROUP` owners' RRsets is serialised on its own and laid end to end in a piece,
 * with an index of (owner, group offset): the worker keeps them as bytes and decodes a group when
 * a query needs one of its owners. Pieces are cut only between groups, so owner i of a piece is
 * entry i % GROUP of the piece's group i / GROUP.
 */
export function zonePieces(zone: Zone): { head: ArrayBuffer; pieces: ZonePiece[] } {
  const { nodes, names, ...rest } = zone;
  const pieces: ZonePiece[] = [];
  let owners: Name[] = [];
  let offsets: number[] = [0];
  let parts: Buffer[] = [];
  let group: Array<Array<[number, RRSet]>> = [];
  let bytes = 0;
  let records = 0;
  const flush = (): void => {
    const part = serialize(group);
    parts.push(part);
    bytes += part.length;
    offsets.push(bytes);
    group = [];
  };
  const cut = (): void => {
    pieces.push({ ...namesPiece(owners), data: toBuffer(Buffer.concat(parts)), offsets: Float64Array.from(offsets).buffer });
    owners = [];
    offsets = [0];
    parts = [];
    bytes = 0;
  };
  for (const [owner, types] of nodes) {
    for (const set of types.values()) records += set.rdata.length;
    owners.push(owner);
    group.push([...types]);
    if (group.length < GROUP) continue;
    flush();
    if (bytes >= CHUNK_BYTES || owners.length >= CHUNK_OWNERS) cut();
  }
  if (group.length > 0) flush();
  if (owners.length > 0) cut();
  let list: Name[] = [];
  for (const name of names) {
    list.push(name);
    if (list.length >= CHUNK_NAMES) {
      pieces.push(namesPiece(list));
      list = [];
    }
  }
  if (list.length > 0) pieces.push(namesPiece(list));
  const head: ZoneHead = { ...rest, records, names: names.size, owners: nodes.size };
  return { head: serialised(head), pieces };
}

function serialised(value: unknown): ArrayBuffer {
  return toBuffer(serialize(value));
}

function toBuffer(bytes: Buffer): ArrayBuffer {
  // Buffers may be views into a shared pool: copy out exactly their bytes to transfer them.
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * A zone's nodes kept as the bytes they came in, decoded per owner on first use (a bounded set of
 * decoded owners is kept). Why: 200,000 records as objects are about 400 MB of heap whose
 * mark-compact pauses took 100–300 ms (measured); as bytes, with the owners in a NameTable
 * (./name-table.ts), the worker's heap holds nothing per owner and its collections stay short.
 * Only `get`/`has`/`size` are on the query path; iterating decodes every owner.
 */
class LazyNodes implements ReadonlyMap<Name, ReadonlyMap<number, RRSet>> {
  readonly #decoded = new Map<Name, ReadonlyMap<number, RRSet>>();

  constructor(
    private readonly owners: NameTable,
    private readonly chunks: readonly Uint8Array[],
    private readonly offsets: readonly Float64Array[],
  ) {}

  get size(): number {
    return this.owners.size;
  }

  has(owner: Name): boolean {
    return this.owners.find(owner) >= 0;
  }

  get(owner: Name): ReadonlyMap<number, RRSet> | undefined {
    const hit = this.#decoded.get(owner);
    if (hit) return hit;
    const id = this.owners.find(owner);
    if (id < 0) return undefined;
    const [chunk, i] = this.owners.where(id);
    const offsets = this.offsets[chunk]!;
    const g = i >> GROUP_SHIFT;
    const group = deserialize(this.chunks[chunk]!.subarray(offsets[g]!, offsets[g + 1]!)) as Array<Array<[number, RRSet]>>;
    const sets = new Map(group[i & (GROUP - 1)]!);
    if (this.#decoded.size >= DECODED_OWNERS) this.#decoded.delete(this.#decoded.keys().next().value!);
    this.#decoded.set(owner, sets);
    return sets;
  }

  forEach(callback: (value: ReadonlyMap<number, RRSet>, key: Name, map: ReadonlyMap<Name, ReadonlyMap<number, RRSet>>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  *entries(): MapIterator<[Name, ReadonlyMap<number, RRSet>]> {
    for (const owner of this.owners.names()) yield [owner, this.get(owner)!];
  }

  *keys(): MapIterator<Name> {
    yield* this.owners.names();
  }

  *values(): MapIterator<ReadonlyMap<number, RRSet>> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[Name, ReadonlyMap<number, RRSet>]> {
    return this.entries();
  }
}

/** Decoded owners kept per zone: the names actually asked for, which the answer cache mostly serves anyway. */
const DECODED_OWNERS = 4_096;

/** A zone being put back together on the worker, one piece per event-loop turn. */
export class ZoneAssembly {
  readonly #head: ZoneHead;
  readonly #owners: NameTable;
  readonly #names: NameTable;
  readonly #chunks: Uint8Array[] = [];
  readonly #offsets: Float64Array[] = [];

  constructor(head: ArrayBuffer) {
    this.#head = deserialize(new Uint8Array(head)) as ZoneHead;
    this.#owners = new NameTable(this.#head.owners);
    this.#names = new NameTable(this.#head.names);
  }

  /** Adds one piece: its owners with their RRsets, or entries of the name set (no allocation per name). */
  add(piece: ZonePiece): void {
    const names = { chars: new Uint16Array(piece.chars), starts: new Uint32Array(piece.starts) };
    if (!piece.data || !piece.offsets) {
      this.#names.add(names);
      return;
    }
    // Owner batches line up with chunks: batch k of the owners table is chunk k.
    this.#owners.add(names);
    this.#chunks.push(new Uint8Array(piece.data));
    this.#offsets.push(new Float64Array(piece.offsets));
  }

  zone(): Zone {
    const { records: _records, names: _names, owners: _owners, ...rest } = this.#head;
    return { ...rest, nodes: new LazyNodes(this.#owners, this.#chunks, this.#offsets), names: new NameSet(this.#names) };
  }
}
