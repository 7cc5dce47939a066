import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { DEFAULT_RULES_YAML, matchText, parseRules, ruleMatches, type ResponseRule } from '../reputation/index.ts';
import { classifyDomain, PROVIDER_GROUPS, type ProviderGroup } from '../signals/index.ts';
import type { Output } from './probe.ts';

/**
 * `mxlb reputation match "REPLY TEXT"`: which response rules an SMTP reply would match (the
 * shipped rules, or `--rules FILE`), and what each does when its trigger is reached. Exit 0 when
 * at least one rule matches, 1 when none does, 2 for usage errors (a rules file that does not
 * parse is reported with file:line). `mxlb reputation rules` prints the shipped rules file.
 */
export interface MatchArgs {
  reply: string;
  dsn?: string;
  provider?: string;
  domain?: string;
  rules?: string;
  json: boolean;
}

function loadRules(file: string | undefined): ResponseRule[] {
  try {
    return file === undefined ? parseRules(DEFAULT_RULES_YAML, 'default rules') : parseRules(readFileSync(file, 'utf8'), file);
  } catch (error) {
    throw new MxlbError('usage', error instanceof Error ? error.message : String(error));
  }
}

function describe(rule: ResponseRule): string {
  const trigger = rule.trigger.kind === 'immediate' ? 'at the first match' : `after ${rule.trigger.count} matches in ${rule.trigger.periodMs / 60_000} min`;
  const action = rule.action.kind === 'quarantine' ? 'quarantine the member' : `scale its weight by ${rule.action.factor}`;
  // Where it acts (docs/reputation.md "Rules per provider").
  const where = rule.provider === undefined || rule.scope === 'member' ? '' : rule.scope === 'provider' ? ` in ${rule.provider}'s names` : ` in ${rule.provider}'s names (everywhere when it serves none)`;
  return `${rule.name} (${rule.source}${rule.provider ? `, ${rule.provider} only` : ''}): ${action}${where} for ${rule.durationMs / 60_000} min, ${trigger}`;
}

export function runMatch(args: MatchArgs, out: Output = process.stdout): number {
  const rules = loadRules(args.rules);
  if (args.provider !== undefined && !(PROVIDER_GROUPS as readonly string[]).includes(args.provider)) {
    throw new MxlbError('usage', `--provider must be one of ${PROVIDER_GROUPS.join(', ')}`);
  }
  const dsn = args.dsn ?? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(args.reply)?.[1];
  const provider: ProviderGroup = (args.provider as ProviderGroup | undefined) ?? (args.domain ? classifyDomain(args.domain) : 'other');
  const outcome = { status: 'deferred' as const, reply: args.reply, provider, ...(dsn ? { dsn } : {}) };
  // A provider rule is tried as if the reply came from that provider when none was named.
  const matched = rules.filter((rule) => ruleMatches(rule, args.provider || args.domain ? outcome : { ...outcome, provider: rule.provider ?? provider }));
  if (args.json) {
    out.write(`${JSON.stringify({ text: matchText(outcome), provider: args.provider ?? args.domain ?? null, matched: matched.map((r) => ({ name: r.name, source: r.source, provider: r.provider ?? null, trigger: r.trigger, action: r.action, durationMs: r.durationMs })) }, null, 2)}\n`);
  } else if (matched.length === 0) {
    out.write(`no rule matches "${matchText(outcome)}" (${rules.length} rules tried)\n`);
  } else {
    out.write(`matched "${matchText(outcome)}":\n${matched.map((r) => `  ${describe(r)}\n`).join('')}`);
  }
  return matched.length > 0 ? 0 : 1;
}

export const reputationMatchCommand: CommandModule<object, MatchArgs> = {
  command: 'match <reply>',
  describe: 'Test an SMTP reply against the response rules (the shipped ones, or --rules FILE)',
  builder: (y) =>
    y
      .positional('reply', { type: 'string', demandOption: true, describe: 'the reply text, e.g. "421-4.7.28 … unusual rate …"' })
      .option('dsn', { type: 'string', describe: 'enhanced status code (default: the first X.Y.Z in the reply)' })
      .option('provider', { type: 'string', describe: `provider group (${PROVIDER_GROUPS.join(', ')}); default: as each rule asks` })
      .option('domain', { type: 'string', describe: 'recipient domain, to take its provider group' })
      .option('rules', { type: 'string', describe: 'a rules file (docs/reputation.md) instead of the shipped rules' })
      .option('json', { type: 'boolean', default: false }) as never,
  handler: (args) => {
    process.exitCode = runMatch(args);
  },
};

export const reputationRulesCommand: CommandModule = {
  command: 'rules',
  describe: 'Print the shipped response rules (a starting point for your own rules file)',
  handler: () => {
    process.stdout.write(DEFAULT_RULES_YAML.endsWith('\n') ? DEFAULT_RULES_YAML : `${DEFAULT_RULES_YAML}\n`);
  },
};
