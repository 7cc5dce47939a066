/**
 * Label values for DNS counters (pure). Query types and rcodes come from the network, so a client
 * could otherwise mint one time series per value (65,536 qtypes): every value maps into a small,
 * fixed set of slots, and unknown ones share the slot `other`. Slots are resolved once per query
 * with a table lookup, and label strings are only built at scrape time.
 */

/** Query types worth their own series (RFC 1035, 3596, 2782, 6844, 4034, 9460, …). */
const NAMED_QTYPES: ReadonlyArray<readonly [number, string]> = [
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [13, 'HINFO'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [35, 'NAPTR'],
  [39, 'DNAME'],
  [43, 'DS'],
  [44, 'SSHFP'],
  [46, 'RRSIG'],
  [47, 'NSEC'],
  [48, 'DNSKEY'],
  [50, 'NSEC3'],
  [52, 'TLSA'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [251, 'IXFR'],
  [252, 'AXFR'],
  [255, 'ANY'],
  [257, 'CAA'],
];

/** Label of each qtype slot; the last slot is `other`. */
export const QTYPE_LABELS: readonly string[] = [...NAMED_QTYPES.map(([, name]) => name), 'other'];

const OTHER_QTYPE = QTYPE_LABELS.length - 1;

/** qtype (0–65535) → slot. 64 KiB, built once. */
const QTYPE_SLOT = (() => {
  const table = new Uint8Array(65536).fill(OTHER_QTYPE);
  NAMED_QTYPES.forEach(([code], slot) => (table[code] = slot));
  return table;
})();

/** The slot of a query type; anything out of range or unnamed is `other`. */
export function qtypeSlot(qtype: number): number {
  return QTYPE_SLOT[qtype & 0xffff] ?? OTHER_QTYPE;
}

/** RFC 1035 §4.1.1, RFC 2136 §2.2 and RFC 6891 §6.1.3 (BADVERS = 16) names. */
const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADVERS',
};

/** Rcodes 0–22 have their own slot; slot 23 is `other` (extended rcodes go up to 4095). */
export const RCODE_SLOTS = 24;

export const RCODE_LABELS: readonly string[] = Array.from({ length: RCODE_SLOTS }, (_, slot) =>
  slot === RCODE_SLOTS - 1 ? 'other' : (RCODE_NAMES[slot] ?? `RCODE${slot}`),
);

export function rcodeSlot(rcode: number): number {
  return rcode >= 0 && rcode < RCODE_SLOTS - 1 ? rcode : RCODE_SLOTS - 1;
}

export const TRANSPORTS = ['udp', 'tcp'] as const;
