/**
 * The DNSBL monitor's seams (pure types): what it monitors (`DnsblTarget`, from the served zones),
 * what it reports (`DnsblMemberVerdict`, `DnsblChange`), and what it is given (lookup, clock).
 */
import type { Logger } from '../log.ts';
import type { MemberId } from '../name.ts';
import type { DnsblLookupOptions } from './dnsbl-lookup.ts';
import type { DnsblConfig } from './dnsbl-config.ts';
import type { DnsblListSpec, DnsblResult } from './dnsbl.ts';
import type { DnsblListVerdict, DnsblTransition } from './dnsbl-state.ts';

export interface DnsblTarget {
  memberId: MemberId;
  address: string;
  config: DnsblConfig;
}

export interface DnsblMemberVerdict {
  member: MemberId;
  address: string;
  /** One per configured list, in the configured order. */
  lists: DnsblListVerdict[];
}

export interface DnsblChange extends DnsblTransition {
  member: MemberId;
  address: string;
  list: string;
  verdict: DnsblListVerdict;
}

export type DnsblLookupFn = (address: string, list: DnsblListSpec, options: DnsblLookupOptions) => Promise<DnsblResult>;

/** Time source and timers (the probe scheduler's shape); `unrefClock` in production. */
export interface DnsblClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const unrefClock: DnsblClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DnsblMonitorOptions {
  lookup?: DnsblLookupFn;
  clock?: DnsblClock;
  /** Uniform [0, 1), for jitter and stagger. */
  random?: () => number;
  /** New pairs' first lookups are spread over min(this, interval / 2) ms (default 60 s). */
  staggerMs?: number;
  testPointsEveryMs?: number;
  logger?: Logger;
  /**
   * Cluster mode: whether this instance looks `member` up now (its probe lease holder, so each
   * member is looked up by one instance per interval); others keep their last verdict and try
   * again next interval. Default: every member.
   */
  owns?: (member: string) => boolean;
}

