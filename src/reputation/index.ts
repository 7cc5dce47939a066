/** What other folders use from reputation/: DNSBL names, answers and test points (pure), and lookups (edge). */
export { dnsblQueryName, interpretDnsbl, testPointVerdict, type DnsblAnswer, type DnsblErrorWhy, type DnsblListSpec, type DnsblResult } from './dnsbl.ts';
export { lookupDnsbl, checkDnsbl, type DnsblCheck, type DnsblLookupOptions } from './dnsbl-lookup.ts';
export { resolverAddress } from './dnsbl-lookup.ts';
export { DNSBL_DEFAULTS, type DnsblConfig, type DnsblListConfig } from './dnsbl-config.ts';
export {
  initialDnsbl, listedLists, nextUtcMidnight, spendBudget, stepDnsbl, unusableDnsbl, usableAgain, utcDay,
  type DnsblBudget, type DnsblListVerdict, type DnsblState, type DnsblStepSettings, type DnsblTransition,
} from './dnsbl-state.ts';
export { DnsblMonitor, type DnsblChange, type DnsblClock, type DnsblLookupFn, type DnsblMemberVerdict, type DnsblMonitorOptions, type DnsblTarget } from './dnsbl-monitor.ts';
export { DEFAULT_REPUTATION, type RateThreshold, type ReputationSettings } from './settings.ts';
export { RuleTracker, RulesError, actionTarget, matchText, parseDuration, parseRules, ruleMatches, rulesFromList, type ActiveAction, type ResponseRule, type RuleAction, type RuleScope, type RuleTrigger } from './rules.ts';
export { DEFAULT_RULES_YAML } from './default-rules.ts';
export { findingText, reputationStep, stateReason, type DnsblListing, type ProviderReputation, type Finding, type RateView, type ReputationEvidence, type ReputationLevel, type ReputationState } from './model.ts';
