/**
 * Provider groups by recipient domain (pure): the mailbox providers whose throttling and blocking
 * a sender must watch separately. A table maps a domain or a parent domain to a group; the longest
 * match wins, anything else is `other`. The default table covers the providers' consumer domains;
 * an operator's table (later: per zone, and by MX suffix) replaces or extends it.
 */
import type { ProviderGroup } from './outcome.ts';

export type ProviderTable = ReadonlyMap<string, ProviderGroup>;

/** Consumer domains of the big mailbox providers. Country variants (yahoo.co.uk, hotmail.fr) are listed with a `*` label. */
const DEFAULTS: Record<Exclude<ProviderGroup, 'other'>, string[]> = {
  gmail: ['gmail.com', 'googlemail.com'],
  microsoft: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com', 'outlook.*', 'hotmail.*', 'live.*', 'hotmail.co.*', 'live.co.*', 'outlook.co.*', 'outlook.com.*', 'hotmail.com.*', 'live.com.*'],
  yahoo: ['yahoo.com', 'ymail.com', 'rocketmail.com', 'aol.com', 'aim.com', 'yahoo.*', 'yahoo.co.*', 'yahoo.com.*', 'aol.*', 'aol.co.*'],
  apple: ['icloud.com', 'me.com', 'mac.com'],
};

export function providerTable(groups: Partial<Record<ProviderGroup, readonly string[]>>): ProviderTable {
  const table = new Map<string, ProviderGroup>();
  for (const [group, domains] of Object.entries(groups) as [ProviderGroup, readonly string[]][]) {
    for (const domain of domains) table.set(domain.toLowerCase().replace(/\.$/, ''), group);
  }
  return table;
}

export const DEFAULT_PROVIDERS: ProviderTable = providerTable(DEFAULTS);

/**
 * The group of a recipient domain: an exact or parent-domain entry (`mail.gmail.com` matches
 * `gmail.com`), or a pattern whose last label is `*` (`yahoo.*` matches `yahoo.de`, `yahoo.co.*`
 * matches `yahoo.co.uk`); `other` when nothing matches.
 */
export function classifyDomain(domain: string | undefined, table: ProviderTable = DEFAULT_PROVIDERS): ProviderGroup {
  if (!domain) return 'other';
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const rest = labels.slice(i);
    const exact = table.get(rest.join('.'));
    if (exact) return exact;
    const wild = table.get([...rest.slice(0, -1), '*'].join('.'));
    if (wild) return wild;
  }
  return 'other';
}

/**
 * MX host suffixes of the providers' receiving servers: a recipient domain hosted by Google
 * Workspace or Microsoft 365 (a company's own domain) is throttled by that provider like its
 * consumer domains, and the MTA's log names the MX it talked to (Postfix `relay=`, KumoMTA
 * `peer_address.name`/`site`).
 */
const MX_SUFFIXES: Record<Exclude<ProviderGroup, 'other'>, string[]> = {
  gmail: ['google.com', 'googlemail.com'],
  microsoft: ['outlook.com', 'hotmail.com', 'outlook.cn'],
  yahoo: ['yahoodns.net', 'yahoo.com', 'aol.com'],
  apple: ['icloud.com', 'me.com'],
};

export const DEFAULT_MX_SUFFIXES: ProviderTable = providerTable(MX_SUFFIXES);

/** The group of the MX host an MTA delivered to (`gmail-smtp-in.l.google.com` → gmail); `other` when none matches. */
export function classifyMx(host: string | undefined, table: ProviderTable = DEFAULT_MX_SUFFIXES): ProviderGroup {
  if (!host) return 'other';
  const name = host.replace(/\[.*$/, '').replace(/:\d+$/, '').toLowerCase().replace(/\.$/, '');
  if (name === '' || name === 'none') return 'other';
  return classifyDomain(name, table);
}
