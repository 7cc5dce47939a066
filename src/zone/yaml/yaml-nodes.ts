import { CST, isMap, isScalar, isSeq, Parser, type LineCounter, type Node, type Scalar, type YAMLError } from 'yaml';
import { SourceError } from '../../errors.ts';

/**
 * Reading a YAML zone's syntax tree with line numbers (pure). Every check throws
 * SourceError(file, line, reason) with the line of the offending value (or of its key when the value
 * is missing), so an operator lands on the line to fix. Unknown keys are errors with a suggestion:
 * a typo such as `degraded_ttl` must not silently fall back to a default.
 */
/** Thrown to leave an entry whose problem was already reported (it names a pool or name that failed). */
export class AlreadyReported extends Error {}

export class YamlSource {
  readonly file: string;
  readonly #lines: LineCounter;
  /** Problems of entries read with `attempt` (each pool, name, MX on its own), in file order. */
  readonly problems: SourceError[] = [];
  /** Pools and balanced names whose entry failed: later references to them are not reported again. */
  readonly failed = new Set<string>();

  constructor(file: string, lines: LineCounter) {
    this.file = file;
    this.#lines = lines;
  }

  /** 1-based line where `node` starts; 1 when the node has no position (an empty document). */
  line(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 1 : this.lineAt(offset);
  }

  lineAt(offset: number): number {
    return this.#lines.linePos(offset).line;
  }

  fail(node: Node | null | undefined, reason: string): never {
    throw new SourceError(this.file, this.line(node), reason);
  }

  /**
   * Reads one entry; a problem in it is recorded (and `key` marked failed) instead of ending the
   * file, so `zone validate` reports the problems of every pool, name and MX at once.
   */
  attempt<T>(key: string, read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof AlreadyReported) && !(error instanceof SourceError)) throw error;
      if (error instanceof SourceError) this.problems.push(...error.all);
      // Left out either way, so what refers to it is not reported again.
      this.failed.add(key);
      return undefined;
    }
  }
}

/**
 * Where a YAML syntax error belongs. The library reports an unclosed quote, `[` or `{` where it gave
 * up (often the end of the file); the operator needs the line where it was opened (as for master
 * files). Other errors stay where the library puts them.
 */
export function syntaxErrorOffset(text: string, error: YAMLError): number {
  const at = error.pos[0];
  let opened: number | undefined;
  const consider = (token: CST.Token | undefined) => {
    if (!token || token.offset > at) return;
    const quoted = token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar';
    if (quoted && error.code === 'MISSING_CHAR' && at <= token.offset + token.source.length) opened = Math.max(opened ?? 0, token.offset);
    if (token.type === 'flow-collection' && !token.end.some((t) => t.type === 'flow-map-end' || t.type === 'flow-seq-end')) {
      opened = Math.max(opened ?? 0, token.offset);
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      consider(item.key ?? undefined);
      consider(item.value);
    });
  }
  return opened ?? at;
}

/** One `key: value` of a map; `value` is null when nothing follows the colon. */
export interface Entry {
  key: string;
  keyNode: Scalar;
  value: Node | null;
  /** The value, or the key when there is no value: where an error about this entry points. */
  at: Node;
}

/** The entries of a map (an empty value counts as an empty map); `allowed` lists the keys it may have. */
export function entries(src: YamlSource, node: Node | null, what: string, allowed?: readonly string[]): Entry[] {
  if (node === null || isNull(node)) return [];
  if (!isMap(node)) src.fail(node, `${what} must be a map of "key: value" lines`);
  const out: Entry[] = [];
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
      src.fail(keyNode ?? node, `${what}: keys must be plain words`);
    }
    const key = String(keyNode.value);
    if (allowed && !allowed.includes(key)) src.fail(keyNode, unknownKey(key, what, allowed));
    const value = (pair.value as Node | null) ?? null;
    out.push({ key, keyNode, value, at: value && !isNull(value) ? value : keyNode });
  }
  return out;
}

/** Entries by key, for sections with a fixed set of keys. */
export function fields(src: YamlSource, node: Node | null, what: string, allowed: readonly string[]): Map<string, Entry> {
  return new Map(entries(src, node, what, allowed).map((e) => [e.key, e]));
}

/** The items of a list (an empty value counts as an empty list). */
export function items(src: YamlSource, entry: Entry, what: string): Node[] {
  const node = entry.value;
  if (node === null || isNull(node)) return [];
  if (!isSeq(node)) src.fail(node, `${what} must be a list ("- item" lines or [a, b])`);
  return node.items as Node[];
}

export function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** The scalar value of an entry; a missing value is an error. */
function scalar(src: YamlSource, entry: Entry, what: string): unknown {
  if (isNull(entry.value)) src.fail(entry.at, `${what} needs a value`);
  if (!isScalar(entry.value)) src.fail(entry.at, `${what} must be a single value, not a list or map`);
  return entry.value.value;
}

export function str(src: YamlSource, entry: Entry, what: string): string {
  const value = scalar(src, entry, what);
  if (typeof value !== 'string' && typeof value !== 'number') src.fail(entry.at, `${what} must be text, not ${String(value)}`);
  return String(value);
}

/** A whole number in min..max; digit strings are accepted too ("2525"). */
export function int(src: YamlSource, entry: Entry, what: string, min: number, max: number): number {
  const value = scalar(src, entry, what);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) src.fail(entry.at, `${what} must be a whole number, not ${JSON.stringify(value)}`);
  if (n < min || n > max) src.fail(entry.at, `${what} ${n} is out of range (${min}–${max})`);
  return n;
}

export function bool(src: YamlSource, entry: Entry, what: string): boolean {
  const value = scalar(src, entry, what);
  if (typeof value !== 'boolean') src.fail(entry.at, `${what} must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

export function oneOf<T extends string>(src: YamlSource, entry: Entry, what: string, values: readonly T[]): T {
  const value = scalar(src, entry, what);
  if (typeof value !== 'string' || !values.includes(value as T)) {
    src.fail(entry.at, `${what} must be ${values.join(', ').replace(/, ([^,]*)$/, ' or $1')}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `1s`, `1.5s`, `2m`, `1h` → milliseconds, in minMs..maxMs. A bare number is an error: 1 what? */
export function duration(src: YamlSource, entry: Entry, what: string, minMs: number, maxMs: number): number {
  const value = scalar(src, entry, what);
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim()) : null;
  if (!match) {
    const hint = typeof value === 'number' ? ` (write a unit: ${value}ms or ${value}s)` : ' (write a number and a unit ms, s, m or h, e.g. 500ms or 2s)';
    src.fail(entry.at, `bad duration ${JSON.stringify(value)} for ${what}${hint}`);
  }
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
  if (ms < minMs || ms > maxMs) src.fail(entry.at, `${what} ${String(value)} is out of range (${formatMs(minMs)}–${formatMs(maxMs)})`);
  return ms;
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function unknownKey(key: string, what: string, allowed: readonly string[]): string {
  const hint = suggest(key, allowed);
  return `unknown key "${key}" in ${what}${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${allowed.join(', ')}`;
}

/** The closest candidate: same letters ignoring case, `-` and `_` (degradedTtl → degraded-ttl), or within edit distance 2. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (squash(candidate) === squash(word)) return candidate;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.min(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/**
 * Edit distance where swapping two neighbouring letters counts as one edit (optimal string
 * alignment), so the common typo `smpt` for `smtp` is one edit away, not two. Inputs are short.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
