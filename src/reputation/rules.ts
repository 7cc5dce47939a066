/**
 * Response rules (pure), in the spirit of KumoMTA's Traffic Shaping Automation and PowerMTA's
 * smtp-pattern-list: a rule matches the SMTP reply text or enhanced status code of an outcome
 * (regex), counts matches per member in a window (`immediate`, or `N/period`), and when triggered
 * acts for a duration: quarantine the member, or scale its weight by a factor.
 *
 * Scope (docs/reputation.md "Rules per provider"): a rule with `provider:` acts on that provider's
 * names only (`provider:` on a balanced name, docs/routing.md) when the member serves such a name,
 * else on the member as a whole; `scope: member` makes it act on the member always, `scope:
 * provider` only ever on the provider's names. A rule without `provider:` acts on the member.
 *
 * Contract: `parseRules(text, source)` reads a YAML rules file and returns rules or throws a
 * `RulesError` naming `source:line` and the field; `ruleMatches(rule, outcome)` is a pure test;
 * `RuleTracker` keeps, per (rule, member), the match times inside the rule's period (bounded) and
 * the actions in force, with the clock passed in on every call (DESIGN principle 5).
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node, type YAMLSeq } from 'yaml';
import type { MemberId } from '../name.ts';
import { PROVIDER_GROUPS, type Outcome, type ProviderGroup } from '../signals/index.ts';

export type RuleAction = { kind: 'quarantine' } | { kind: 'scale'; factor: number };
export type RuleTrigger = { kind: 'immediate' } | { kind: 'threshold'; count: number; periodMs: number };
/** Where a provider rule acts: `member` everywhere, `provider` on the provider's names; absent: see the module comment. */
export type RuleScope = 'member' | 'provider';

export interface ResponseRule {
  name: string;
  /** Only outcomes of this provider group count (recipient domain's group); absent: every provider. */
  provider?: ProviderGroup;
  /** Only with `provider`: force where the action applies (absent: the provider's names when the member serves one). */
  scope?: RuleScope;
  /** Matched against `"<dsn> <reply>"` of deferred, bounced and expired outcomes. */
  match: RegExp;
  trigger: RuleTrigger;
  action: RuleAction;
  durationMs: number;
  /** Where it was written, for messages (`file:line`). */
  source: string;
}

export class RulesError extends Error {
  readonly line: number;
  readonly reason: string;

  constructor(source: string, line: number, reason: string) {
    super(`${source}:${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1h30m` → ms; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!/^(?:\d+[smhd])+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms > 0 ? ms : undefined;
}

/** The text a rule's regex sees: the DSN code and the reply, e.g. `4.7.28 421-4.7.28 … unusual rate …`. */
export function matchText(outcome: Pick<Outcome, 'dsn' | 'reply'>): string {
  return `${outcome.dsn ?? ''} ${outcome.reply ?? ''}`.trim();
}

export function ruleMatches(rule: ResponseRule, outcome: Pick<Outcome, 'status' | 'dsn' | 'reply' | 'provider'>): boolean {
  if (outcome.status === 'sent' || outcome.status === 'complaint') return false;
  if (rule.provider !== undefined && outcome.provider !== rule.provider) return false;
  return rule.match.test(matchText(outcome));
}

function fail(source: string, line: number, message: string): never {
  throw new RulesError(source, line, message);
}

function parseTrigger(text: string, where: () => never): RuleTrigger {
  if (text === 'immediate') return { kind: 'immediate' };
  const m = /^(\d+)\s*\/\s*(\S+)$/.exec(text);
  const periodMs = m ? parseDuration(m[2]!) : undefined;
  if (!m || periodMs === undefined || Number(m[1]) < 1) return where();
  return { kind: 'threshold', count: Number(m[1]), periodMs };
}

function parseAction(text: string, where: () => never): RuleAction {
  if (text === 'quarantine') return { kind: 'quarantine' };
  const m = /^scale\s+(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(text);
  if (!m) return where();
  return { kind: 'scale', factor: Number(m[1]) };
}

/** Reads a rules file: `rules: [{ name, match, provider?, trigger, action, duration }]`. */
export function parseRules(text: string, source: string): ResponseRule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  if (doc.errors.length > 0) fail(source, doc.errors[0]!.linePos?.[0]?.line ?? 1, doc.errors[0]!.message.split('\n')[0]!);
  const root = doc.contents;
  if (!isMap(root)) fail(source, 1, 'expected a mapping with a `rules:` list');
  const list = root.get('rules', true);
  if (!isSeq(list)) fail(source, lineOf(root), '`rules:` must be a list');
  return rulesFromList(list, lineOf, source);
}

/** Rules from a YAML list node (a rules file's `rules:`, or a zone's inline `reputation: rules:`). */
export function rulesFromList(list: YAMLSeq, lineOf: (node: Node | null | undefined) => number, source: string): ResponseRule[] {
  const names = new Set<string>();
  return list.items.map((item) => {
    const line = lineOf(item as Node);
    if (!isMap(item)) fail(source, line, 'a rule must be a mapping');
    const allowed = new Set(['name', 'match', 'provider', 'scope', 'trigger', 'action', 'duration']);
    for (const pair of item.items) {
      const key = String((pair.key as { value?: unknown }).value ?? pair.key);
      if (!allowed.has(key)) fail(source, lineOf(pair.key as Node), `unknown rule key "${key}" (name, match, provider, scope, trigger, action, duration)`);
    }
    const str = (key: string, required: boolean): string | undefined => {
      const value = item.get(key);
      if (value === undefined || value === null) return required ? fail(source, line, `rule needs "${key}"`) : undefined;
      if (typeof value !== 'string' && typeof value !== 'number') fail(source, lineOf(item.get(key, true) as Node), `"${key}" must be a string`);
      return String(value);
    };
    const name = str('name', true)!;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) fail(source, line, `rule name "${name}": lower-case letters, digits and dashes`);
    if (names.has(name)) fail(source, line, `rule "${name}" is defined twice`);
    names.add(name);
    let match: RegExp;
    try {
      match = new RegExp(str('match', true)!, 'i');
    } catch (error) {
      return fail(source, line, `rule "${name}": match is not a valid regular expression: ${(error as Error).message}`);
    }
    const provider = str('provider', false);
    if (provider !== undefined && !(PROVIDER_GROUPS as readonly string[]).includes(provider)) fail(source, line, `rule "${name}": provider must be one of ${PROVIDER_GROUPS.join(', ')}`);
    const scope = str('scope', false);
    if (scope !== undefined && scope !== 'member' && scope !== 'provider') fail(source, line, `rule "${name}": scope must be "member" or "provider"`);
    if (scope !== undefined && provider === undefined) fail(source, line, `rule "${name}": scope needs a provider (a rule without one always acts on the member)`);
    const triggerText = str('trigger', false) ?? 'immediate';
    const trigger = parseTrigger(triggerText, () => fail(source, line, `rule "${name}": trigger "${triggerText}" must be "immediate" or "N/PERIOD" such as 5/1h`));
    const actionText = str('action', true)!;
    const action = parseAction(actionText, () => fail(source, line, `rule "${name}": action "${actionText}" must be "quarantine" or "scale F" with 0 ≤ F ≤ 1`));
    const durationText = str('duration', true)!;
    const durationMs = parseDuration(durationText);
    if (durationMs === undefined) fail(source, line, `rule "${name}": duration "${durationText}" must be like 30m, 2h or 1h30m`);
    const rule: ResponseRule = { name, match, trigger, action, durationMs, source: `${source}:${line}` };
    if (provider !== undefined) rule.provider = provider as ProviderGroup;
    if (scope !== undefined) rule.scope = scope;
    return rule;
  });
}

/** An action in force for a member because a rule triggered. */
export interface ActiveAction {
  rule: string;
  action: RuleAction;
  /** The rule's provider and scope (where the action applies: `actionTarget`). */
  provider?: ProviderGroup;
  scope?: RuleScope;
  /** Matches that triggered it within the period, and the period (0 for immediate). */
  matches: number;
  periodMs: number;
  since: number;
  until: number;
}

/**
 * The provider group whose names `action` acts on, or undefined when it acts on the member as a
 * whole. `served`: the provider groups the member serves a per-provider name for.
 */
export function actionTarget(action: Pick<ActiveAction, 'provider' | 'scope'>, served: ReadonlySet<ProviderGroup>): ProviderGroup | undefined {
  if (action.provider === undefined || action.scope === 'member') return undefined;
  return action.scope === 'provider' || served.has(action.provider) ? action.provider : undefined;
}

/** Most match times kept per (rule, member): a trigger never needs more than its count. */
const MAX_KEPT = 1000;

export class RuleTracker {
  readonly #matches = new Map<string, number[]>();
  readonly #active = new Map<string, ActiveAction>();

  /** Counts `outcome` against every rule; returns the rules that triggered now. */
  record(rules: readonly ResponseRule[], outcome: Outcome, now: number): ActiveAction[] {
    const triggered: ActiveAction[] = [];
    for (const rule of rules) {
      if (!ruleMatches(rule, outcome)) continue;
      const key = `${rule.name}\u0000${outcome.member}`;
      const times = this.#matches.get(key) ?? [];
      times.push(Math.min(outcome.at, now));
      const periodMs = rule.trigger.kind === 'threshold' ? rule.trigger.periodMs : 0;
      while (times.length > 0 && (times.length > MAX_KEPT || times[0]! <= now - periodMs)) times.shift();
      this.#matches.set(key, times);
      const needed = rule.trigger.kind === 'threshold' ? rule.trigger.count : 1;
      const inPeriod = rule.trigger.kind === 'threshold' ? times.length : 1;
      if (inPeriod < needed) continue;
      const previous = this.#active.get(key);
      const active: ActiveAction = { rule: rule.name, action: rule.action, matches: inPeriod, periodMs, since: previous && previous.until > now ? previous.since : now, until: now + rule.durationMs };
      if (rule.provider !== undefined) active.provider = rule.provider;
      if (rule.scope !== undefined) active.scope = rule.scope;
      this.#active.set(key, active);
      triggered.push(active);
    }
    return triggered;
  }

  /** Actions in force for `member` at `now` (expired ones are forgotten). */
  active(member: MemberId, now: number): ActiveAction[] {
    const out: ActiveAction[] = [];
    for (const [key, action] of this.#active) {
      if (action.until <= now) { this.#active.delete(key); continue; }
      if (key.endsWith(`\u0000${member}`)) out.push(action);
    }
    return out;
  }

  /** Drops the state of members no longer configured. */
  retain(members: ReadonlySet<MemberId>): void {
    for (const map of [this.#matches, this.#active] as const) {
      for (const key of [...map.keys()]) if (!members.has(key.slice(key.indexOf('\u0000') + 1))) map.delete(key);
    }
  }
}
