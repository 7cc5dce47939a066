/**
 * The one table of RR types mxlb knows by mnemonic (pure, a leaf: no imports). Everything that
 * names a type or reads a type's name goes through `RRType`, `typeName` and `parseType`; zone files
 * add their own rule on top (`parseZoneType` in `master/rdata-parser.ts`: which types a zone may
 * hold and whose presentation form mxlb parses).
 *
 * Codes: RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 8659, RFC 6891, RFC 4034, and the IANA registry
 * "Resource Record (RR) TYPEs" for the rest.
 */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  AAAA: 28,
  LOC: 29,
  SRV: 33,
  NAPTR: 35,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  URI: 256,
  CAA: 257,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(RRType).map(([name, code]) => [code, name]));
const CODES: ReadonlyMap<string, number> = new Map(Object.entries(RRType));

/** The mnemonic of `code`, or its RFC 3597 §5 form `TYPEnnn` when the table has no name for it. */
export function typeName(code: number): string {
  return NAMES.get(code) ?? `TYPE${code}`;
}

/**
 * A type mnemonic from the table (`A`, `aaaa`, `Mx`: case-insensitive) or RFC 3597 `TYPEnnn` with
 * nnn ≤ 65535, surrounding blanks ignored; undefined when it is neither. It says nothing about
 * whether the type may appear in a zone or a query (that is the caller's rule).
 */
export function parseType(text: string): number | undefined {
  const upper = text.trim().toUpperCase();
  const code = CODES.get(upper);
  if (code !== undefined) return code;
  const generic = /^TYPE(\d{1,5})$/.exec(upper);
  if (generic && Number(generic[1]) <= 65535) return Number(generic[1]);
  return undefined;
}
