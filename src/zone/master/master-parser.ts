import { SourceError } from '../../errors.ts';
import type { SourcedRecord } from '../build.ts';
import { lex, type Entry, type Token } from './lexer.ts';
import { RRType, type Name } from '../model.ts';
import { parseName, parseRData, parseTtl, parseZoneType } from './rdata-parser.ts';

/** Reads an `$INCLUDE`d file. Throws (any Error) when the path is not allowed or cannot be read. */
export type IncludeReader = (relPath: string) => { text: string; file: string };

export interface MasterFileOptions {
  /** The origin before any `$ORIGIN` (canonical, see model.ts). */
  origin: Name;
  /** Shown in errors as `file:line: reason`. */
  file: string;
  /** A `$TTL` in effect before the first line (RFC 2308 §4). */
  defaultTtl?: number;
  /** Without it, `$INCLUDE` is an error. */
  include?: IncludeReader;
}

export interface ParsedMasterFile {
  /** The origin the file names for itself when its first entry is `$ORIGIN` (the loader's zone origin). */
  leadingOrigin: Name | undefined;
  records: SourcedRecord[];
}

const MAX_INCLUDE_DEPTH = 16;

/**
 * Parses RFC 1035 §5 master-file text into records. Pure apart from the `include` callback.
 * Contract: returns records in file order with the line each starts on (and, for records from an
 * `$INCLUDE`d file, that file); throws SourceError(file, line, reason) for the first problem, the
 * line being where the offending entry starts, with every other bad entry of the file in `all`
 * (parsing goes on past a bad entry, so one run reports them all). Does not check zone rules
 * (that is buildZone).
 */
export function parseMasterFile(text: string, opts: MasterFileOptions): SourcedRecord[] {
  return parseZoneText(text, opts).records;
}

/** parseMasterFile, also telling the origin a leading `$ORIGIN` gives the file (the loader uses it). */
export function parseZoneText(text: string, opts: MasterFileOptions): ParsedMasterFile {
  const records: SourcedRecord[] = [];
  const state: State = { origin: opts.origin, owner: undefined, defaultTtl: opts.defaultTtl, lastTtl: undefined };
  let leadingOrigin: Name | undefined;
  const entries = lex(text, opts.file);
  const first = entries[0];
  const problems: SourceError[] = [];
  parseEntries(entries, state, { file: opts.file, include: opts.include, chain: [opts.file] }, records, problems);
  if (problems.length > 0) {
    const [first, ...more] = problems;
    throw new SourceError(first!.file, first!.line, first!.reason, more);
  }
  if (first && !first.ownerOmitted && first.tokens[0]!.text.toUpperCase() === '$ORIGIN') {
    leadingOrigin = parseName(first.tokens[1], opts.origin, '$ORIGIN');
  }
  return { leadingOrigin, records };
}

interface State {
  origin: Name;
  owner: Name | undefined;
  /** From `$TTL` (RFC 2308 §4): wins over the last explicit TTL. */
  defaultTtl: number | undefined;
  /** The last TTL written on a record (RFC 1035 §5.1), used when there is no `$TTL`. */
  lastTtl: number | undefined;
}

interface FileContext {
  file: string;
  include: IncludeReader | undefined;
  /** Files being parsed, outermost first, to refuse include loops. */
  chain: string[];
}

function parseEntries(entries: Entry[], state: State, ctx: FileContext, out: SourcedRecord[], problems: SourceError[]): void {
  for (const entry of entries) {
    try {
      const head = entry.tokens[0]!;
      if (!entry.ownerOmitted && !head.quoted && head.text.startsWith('$')) directive(entry, state, ctx, out, problems);
      else out.push(record(entry, state, ctx.file));
    } catch (error) {
      if (error instanceof SourceError) problems.push(...error.all);
      else problems.push(new SourceError(ctx.file, entry.line, error instanceof Error ? error.message : String(error)));
    }
  }
}

function directive(entry: Entry, state: State, ctx: FileContext, out: SourcedRecord[], problems: SourceError[]): void {
  const [head, ...args] = entry.tokens;
  const name = head!.text.toUpperCase();
  const arity = (min: number, max: number) => {
    if (args.length < min) throw new Error(`missing fields: ${name} needs ${min === max ? min : `${min} or ${max}`} argument${max > 1 ? 's' : ''}`);
    if (args.length > max) throw new Error(`trailing garbage "${args[max]!.text}" after ${name}`);
  };
  switch (name) {
    case '$ORIGIN':
      arity(1, 1);
      state.origin = parseName(args[0], state.origin, '$ORIGIN');
      return;
    case '$TTL':
      arity(1, 1);
      if (args[0]!.quoted) throw new Error(`bad TTL "${args[0]!.text}": not a number`);
      state.defaultTtl = parseTtl(args[0]!.text);
      return;
    case '$INCLUDE':
      arity(1, 2);
      include(args[0]!, args[1], state, ctx, out, problems);
      return;
    default:
      throw new Error(`unsupported directive ${head!.text} (mxlb reads $ORIGIN, $TTL and $INCLUDE)`);
  }
}

/**
 * RFC 1035 §5.1: the included file starts with the current origin (or the one given) and the
 * current TTL defaults; when it ends, origin, owner and TTL defaults revert to what they were
 * before the `$INCLUDE` (as BIND does), so an included file cannot change its parent's meaning.
 */
function include(pathToken: Token, originToken: Token | undefined, state: State, ctx: FileContext, out: SourcedRecord[], problems: SourceError[]): void {
  if (!ctx.include) throw new Error('$INCLUDE is not allowed here');
  const origin = originToken ? parseName(originToken, state.origin, '$INCLUDE origin') : state.origin;
  const { text, file } = ctx.include(pathToken.text);
  if (ctx.chain.includes(file)) throw new Error(`$INCLUDE loop: ${[...ctx.chain, file].join(' -> ')}`);
  if (ctx.chain.length >= MAX_INCLUDE_DEPTH) throw new Error(`$INCLUDE nested more than ${MAX_INCLUDE_DEPTH} deep`);
  const saved = { ...state };
  state.origin = origin;
  parseEntries(lex(text, file), state, { file, include: ctx.include, chain: [...ctx.chain, file] }, out, problems);
  Object.assign(state, saved);
}

const CLASSES = new Set(['IN', 'CH', 'CS', 'HS', 'ANY', 'NONE']);

/** `[<owner>] [<TTL>] [<class>] <type> <RDATA>`; TTL and class may come in either order (RFC 1035 §5.1). */
function record(entry: Entry, state: State, file: string): SourcedRecord {
  const tokens = entry.tokens;
  let i = 0;
  if (!entry.ownerOmitted) {
    state.owner = parseName(tokens[0], state.origin, 'owner name');
    i = 1;
  } else if (state.owner === undefined) {
    throw new Error('no owner name: the first record must name its owner (it starts with a blank)');
  }
  const owner = state.owner;
  let ttl: number | undefined;
  let seenClass = false;
  for (let k = 0; k < 2; k += 1) {
    const t = tokens[i];
    if (!t || t.quoted) break;
    if (ttl === undefined && /^\d/.test(t.text)) {
      ttl = parseTtl(t.text);
    } else if (!seenClass && isClass(t.text)) {
      if (t.text.toUpperCase() !== 'IN' && t.text.toUpperCase() !== 'CLASS1') throw new Error(`class ${t.text} is not supported; mxlb serves only IN`);
      seenClass = true;
    } else {
      break;
    }
    i += 1;
  }
  const typeToken = tokens[i];
  if (!typeToken) throw new Error('missing fields: no record type');
  if (typeToken.quoted) throw new Error(`unknown type "${typeToken.text}"`);
  const type = parseZoneType(typeToken.text);
  const rdata = parseRData(type, tokens.slice(i + 1), state.origin);
  if (ttl !== undefined) state.lastTtl = ttl;
  else ttl = omittedTtl(state, rdata.type === RRType.SOA ? (rdata as { minimum: number }).minimum : undefined);
  return { owner, type, ttl, rdata, line: entry.line, file };
}

function isClass(text: string): boolean {
  const upper = text.toUpperCase();
  return CLASSES.has(upper) || /^CLASS\d+$/.test(upper);
}

/**
 * RFC 2308 §4: `$TTL` when set, else the last explicit TTL (RFC 1035 §5.1). With neither, an SOA
 * takes its MINIMUM, as BIND does for zone files older than `$TTL`, and later records follow it.
 */
function omittedTtl(state: State, soaMinimum: number | undefined): number {
  if (state.defaultTtl !== undefined) return state.defaultTtl;
  if (state.lastTtl !== undefined) return state.lastTtl;
  if (soaMinimum !== undefined) {
    const ttl = Math.min(soaMinimum, 2 ** 31 - 1);
    state.lastTtl = ttl;
    return ttl;
  }
  throw new Error('no TTL: give this record a TTL or put a $TTL line before it');
}
