import type { ResourceRecord } from '../zone/index.ts';

/** RCODEs (RFC 1035 §4.1.1, RFC 6891 §9 for BADVERS, which needs an OPT to carry its high bits). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

/** The one question of a query (RFC 1035 §4.1.2). `name` keeps the client's letter case, no trailing dot. */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/**
 * What the resolver decided for one question: everything except header bits that belong to the
 * wire layer (ID, RD copy, TC, OPT). Record owners are canonical (lower case); the encoder writes
 * the question's own spelling where an owner equals the question name (0x20, RFC 1034 §4.3.1).
 */
export interface Resolution {
  rcode: number;
  aa: boolean;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /**
   * How many distinct orderings (rotations) this answer has; 1 for static data. The answer cache
   * prebuilds that many wire answers and cycles through them.
   */
  variants: number;
  /**
   * Ids of the balanced members whose addresses or hosts this answer carries (for answer shares
   * and per-member metrics); absent for static data.
   */
  members?: readonly string[];
  /**
   * RFC 7871 §7.2.1: when set, the reply echoes the query's ECS option with this SCOPE
   * PREFIX-LENGTH (0: the answer does not depend on the subnet). Absent: no ECS option in the reply.
   */
  ecsScope?: number;
  /** Experiments whose arm chose this answer's members (for the per-arm counters); absent: none. */
  arms?: readonly string[];
}
