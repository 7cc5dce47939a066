import { isIPv4 } from 'node:net';
import type { Node } from 'yaml';
import type { PoolReputation } from '../../pool/index.ts';
import { DNSBL_DEFAULTS, resolverAddress, type DnsblConfig, type DnsblListConfig } from '../../reputation/index.ts';
import { duration, fields, int, items, str, type Entry, type YamlSource } from './yaml-nodes.ts';
import { mergeModel, MODEL_KEYS, readModel, type ModelDraft } from './yaml-reputation-model.ts';

/**
 * The `reputation:` block of a YAML zone (zone defaults) and of a pool (overrides). Only `dnsbl:`
 * is read here; the reputation model's keys (`thresholds`, `rules`, …) are accepted and left to
 * its own parser, so a zone that carries them loads today. A pool's `dnsbl:` keys override the
 * zone's key by key (`lists` as a whole); the result must name a resolver and at least one list.
 */
export const REPUTATION_KEYS = ['dnsbl', 'window', 'min-sample', 'thresholds', 'hold', 'cool-down', 'enforce', 'rules'] as const;
export const DNSBL_KEYS = ['resolver', 'interval', 'recheck', 'timeout', 'confirm', 'clear', 'lists'] as const;
export const DNSBL_LIST_KEYS = ['zone', 'listed', 'daily-budget'] as const;

/** Codes that mean "the list refused to answer" (Spamhaus; RFC 5782 §5): never a listing. */
const REFUSAL_CODES = ['127.0.0.1', '127.255.255.252', '127.255.255.254', '127.255.255.255'];

/** The keys written in one `dnsbl:` block, and where the block is (for errors about the merge). */
export interface DnsblDraft {
  at: Node;
  fields: Partial<DnsblConfig>;
}

export interface ReputationDraft {
  dnsbl?: DnsblDraft;
  /** The reputation model's keys (`yaml-reputation-model.ts`). */
  model?: ModelDraft;
}

export function readReputation(src: YamlSource, node: Node | null, where: string): ReputationDraft {
  const f = fields(src, node, where, REPUTATION_KEYS);
  const entry = f.get('dnsbl');
  const draft: ReputationDraft = entry ? { dnsbl: readDnsbl(src, entry, `${where} dnsbl`) } : {};
  const modelEntries = new Map([...f].filter(([key]) => (MODEL_KEYS as readonly string[]).includes(key)));
  if (modelEntries.size > 0) draft.model = readModel(src, modelEntries, where);
  return draft;
}

function readDnsbl(src: YamlSource, entry: Entry, where: string): DnsblDraft {
  const out: Partial<DnsblConfig> = {};
  const what = (key: string) => `${where} ${key}`;
  for (const [key, e] of fields(src, entry.value, where, DNSBL_KEYS)) {
    switch (key) {
      case 'resolver': {
        const text = str(src, e, what(key)).trim();
        try {
          out.resolver = resolverAddress(text);
        } catch (error) {
          src.fail(e.at, `${what(key)}: ${(error as Error).message} (your own resolver, never a public one)`);
        }
        break;
      }
      case 'interval':
        out.intervalMs = duration(src, e, what(key), DNSBL_DEFAULTS.minIntervalMs, 24 * 3_600_000);
        break;
      case 'recheck':
        out.recheckMs = duration(src, e, what(key), 100, 3_600_000);
        break;
      case 'timeout':
        out.timeoutMs = duration(src, e, what(key), 100, 30_000);
        break;
      case 'confirm':
        out.confirm = int(src, e, what(key), 1, 100);
        break;
      case 'clear':
        out.clear = int(src, e, what(key), 1, 100);
        break;
      case 'lists':
        out.lists = readLists(src, e, what(key));
        break;
    }
  }
  return { at: entry.at, fields: out };
}

function readLists(src: YamlSource, entry: Entry, where: string): DnsblListConfig[] {
  const lists: DnsblListConfig[] = [];
  const seen = new Map<string, number>();
  for (const item of items(src, entry, where)) {
    const f = fields(src, item, `a list of ${where}`, DNSBL_LIST_KEYS);
    const zoneEntry = f.get('zone');
    if (!zoneEntry) src.fail(item, `a list of ${where} has no zone (e.g. "zone: zen.spamhaus.org")`);
    const zone = str(src, zoneEntry, 'list zone').trim().toLowerCase().replace(/\.$/, '');
    // DQS keys and private lists may use any label characters DNS allows; blanks or empty labels never.
    if (!/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)+$/.test(zone) || zone.length > 200) {
      src.fail(zoneEntry.at, `list zone "${zone}" is not a domain name with at least two labels, e.g. zen.spamhaus.org`);
    }
    const twin = seen.get(zone);
    if (twin !== undefined) src.fail(zoneEntry.at, `list ${zone} is already listed (line ${twin})`);
    seen.set(zone, src.line(zoneEntry.at));
    const list: DnsblListConfig = { zone };
    const listed = f.get('listed');
    if (listed) list.listedCodes = readCodes(src, listed, `list ${zone} listed`);
    const budget = f.get('daily-budget');
    if (budget) list.dailyBudget = int(src, budget, `list ${zone} daily-budget`, 10, 100_000_000);
    lists.push(list);
  }
  if (lists.length === 0) src.fail(entry.at, `${where} is empty: name at least one list`);
  return lists;
}

function readCodes(src: YamlSource, entry: Entry, where: string): string[] {
  const codes = items(src, entry, where).map((node) => {
    const text = str(src, { key: where, keyNode: entry.keyNode, value: node, at: node }, where).trim();
    if (!isIPv4(text) || !text.startsWith('127.')) src.fail(node, `${where}: "${text}" is not a return code in 127.0.0.0/8 (RFC 5782 §2.1)`);
    if (REFUSAL_CODES.includes(text)) src.fail(node, `${where}: ${text} means the list refused to answer, never a listing`);
    return text;
  });
  if (codes.length === 0) src.fail(entry.at, `${where} is empty: leave it out to accept any listing code`);
  return codes;
}

/**
 * A pool's reputation: the zone's block with the pool's keys on top. Undefined when neither
 * configures anything; fails (at the pool's block, else the zone's) when the merged DNSBL block
 * lacks a resolver or lists.
 */
export function mergeReputation(src: YamlSource, zone: ReputationDraft, pool: ReputationDraft, where: string): PoolReputation | undefined {
  const model = mergeModel(zone.model, pool.model);
  if (!zone.dnsbl && !pool.dnsbl) return model ? { model } : undefined;
  const at = pool.dnsbl?.at ?? zone.dnsbl!.at;
  const merged = { ...zone.dnsbl?.fields, ...pool.dnsbl?.fields };
  if (merged.resolver === undefined) src.fail(at, `${where} reputation dnsbl has no resolver: name your own, e.g. "resolver: 127.0.0.1:53" (public resolvers are refused by Spamhaus)`);
  if (merged.lists === undefined) src.fail(at, `${where} reputation dnsbl has no lists`);
  const intervalMs = merged.intervalMs ?? DNSBL_DEFAULTS.intervalMs;
  const dnsbl: DnsblConfig = {
    resolver: merged.resolver,
    intervalMs,
    recheckMs: Math.min(merged.recheckMs ?? DNSBL_DEFAULTS.recheckMs, intervalMs),
    timeoutMs: merged.timeoutMs ?? DNSBL_DEFAULTS.timeoutMs,
    confirm: merged.confirm ?? DNSBL_DEFAULTS.confirm,
    clear: merged.clear ?? DNSBL_DEFAULTS.clear,
    lists: merged.lists,
  };
  return model ? { dnsbl, model } : { dnsbl };
}

