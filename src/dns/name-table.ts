/**
 * Names kept as UTF-16 code units in typed arrays, found through an open-addressing hash table of
 * Int32 slots. Why: the answering worker receives a large zone (200,000 owners) while it answers;
 * as strings in a Map every owner is a surviving heap object, and the worker's young-generation
 * collections copied them all during the hand-over (scavenges of 20–40 ms measured with
 * --trace-gc: stalls of every answer). Here the index is a few flat buffers outside the heap,
 * built by the control plane and transferred, then inserted on the worker without allocating.
 *
 * Contract: `encodeNames` (control plane) → `NameTable.add` (worker, one piece per turn);
 * `find(name)` is the id of an added name equal to `name` (code unit for code unit) or -1;
 * ids count from 0 in the order names were added.
 */

/** A batch of names: code units end to end, and where each name starts (one entry more than names). */
export interface EncodedNames {
  chars: Uint16Array;
  starts: Uint32Array;
}

export function encodeNames(names: readonly string[]): EncodedNames {
  let total = 0;
  for (const name of names) total += name.length;
  const chars = new Uint16Array(total);
  const starts = new Uint32Array(names.length + 1);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    starts[i] = at;
    for (let c = 0; c < name.length; c++) chars[at + c] = name.charCodeAt(c);
    at += name.length;
  }
  starts[names.length] = at;
  return { chars, starts };
}

/** FNV-1a over code units; the same for a string and for its encoded copy. */
function hashString(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashUnits(chars: Uint16Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ chars[i]!, 0x01000193);
  return h >>> 0;
}

export class NameTable {
  /** Slot → id + 1 (0: empty). At most half full. */
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #batches: EncodedNames[] = [];
  /** Per id: its batch and its position there. */
  readonly #batchOf: Uint16Array | Uint32Array;
  readonly #indexOf: Uint32Array;
  #size = 0;

  /** `capacity`: how many names will be added at most (the zone head says). */
  constructor(capacity: number) {
    let length = 16;
    while (length < capacity * 2) length *= 2;
    this.#slots = new Int32Array(length);
    this.#mask = length - 1;
    this.#batchOf = new Uint32Array(Math.max(1, capacity));
    this.#indexOf = new Uint32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a batch; names already present keep their first id (a zone has no duplicates). */
  add(batch: EncodedNames): void {
    const number = this.#batches.length;
    this.#batches.push(batch);
    const { chars, starts } = batch;
    for (let i = 0; i + 1 < starts.length; i++) {
      if (this.#size >= this.#indexOf.length) throw new RangeError('more names than the table was sized for');
      const from = starts[i]!;
      const to = starts[i + 1]!;
      let slot = hashUnits(chars, from, to) & this.#mask;
      let duplicate = false;
      for (;;) {
        const held = this.#slots[slot]!;
        if (held === 0) break;
        if (this.#equalsUnits(held - 1, chars, from, to)) {
          duplicate = true;
          break;
        }
        slot = (slot + 1) & this.#mask;
      }
      if (duplicate) continue;
      const id = this.#size++;
      this.#batchOf[id] = number;
      this.#indexOf[id] = i;
      this.#slots[slot] = id + 1;
    }
  }

  find(name: string): number {
    let slot = hashString(name) & this.#mask;
    for (;;) {
      const held = this.#slots[slot]!;
      if (held === 0) return -1;
      if (this.#equalsString(held - 1, name)) return held - 1;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** The name of `id` as a string (allocates: not for the query path). */
  nameOf(id: number): string {
    const { chars, starts } = this.#batches[this.#batchOf[id]!]!;
    const i = this.#indexOf[id]!;
    return String.fromCharCode.apply(null, chars.subarray(starts[i]!, starts[i + 1]!) as unknown as number[]);
  }

  /** Which batch `id` came in, and its position there. */
  where(id: number): [batch: number, index: number] {
    return [this.#batchOf[id]!, this.#indexOf[id]!];
  }

  *names(): Generator<string> {
    for (let id = 0; id < this.#size; id++) yield this.nameOf(id);
  }

  #equalsString(id: number, name: string): boolean {
    const { chars, starts } = this.#batches[this.#batchOf[id]!]!;
    const i = this.#indexOf[id]!;
    const from = starts[i]!;
    if (starts[i + 1]! - from !== name.length) return false;
    for (let c = 0; c < name.length; c++) if (chars[from + c] !== name.charCodeAt(c)) return false;
    return true;
  }

  #equalsUnits(id: number, other: Uint16Array, from: number, to: number): boolean {
    const { chars, starts } = this.#batches[this.#batchOf[id]!]!;
    const i = this.#indexOf[id]!;
    const start = starts[i]!;
    if (starts[i + 1]! - start !== to - from) return false;
    for (let c = 0; c < to - from; c++) if (chars[start + c] !== other[from + c]) return false;
    return true;
  }
}

/** A ReadonlySet view of a NameTable (the zone's `names`: owners and empty non-terminals). */
export class NameSet implements ReadonlySet<string> {
  constructor(private readonly table: NameTable) {}

  get size(): number {
    return this.table.size;
  }

  has(name: string): boolean {
    return this.table.find(name) >= 0;
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const name of this.table.names()) callback(name, name, this);
  }

  *keys(): SetIterator<string> {
    yield* this.table.names();
  }

  values(): SetIterator<string> {
    return this.keys();
  }

  *entries(): SetIterator<[string, string]> {
    for (const name of this.table.names()) yield [name, name];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.keys();
  }
}
