/** What other folders use from pool/: the model, effective state, selection and its trace. */
export * from './model.ts';
export { effectiveState, effectiveWeight, isUsable, UNKNOWN_STATE, type MemberStateInputs } from './effective.ts';
export { isLive } from './live.ts';
export { MAX_EXPIRY_MS, parseExpiry } from './expiry.ts';
export { composeWeight, exclusionOf, type Exclusion, type MemberWeight, type WeightFactor, type WeightFactorName, type WeightReason } from './weight.ts';
export type { ViewDecision } from './decision.ts';
export { contains, familyBits, formatAddress, formatPrefix, matchView, parseAddress, parsePrefix, PRIVACY_PREFIX, truncate, type ClientAddress, type ViewMatch } from './views.ts';
export type { Decision, DegradedReason, MemberDecision, MemberReason, Outcome, Rule, SelectionMode, TierDecision, TierRecord } from './decision.ts';
export { planTiers, type StateLookup, type TierPlan } from './tiers.ts';
export { rotateSlice, selectMembers, WEIGHTED_VARIANTS, type DrawOptions, type SelectOptions, type Selection } from './select.ts';
export { selectHost, type MemberHost, type HostSelection } from './host.ts';
export { selectMx, type MxEntry, type MxSelection } from './mx.ts';
export { seededRandom, ringPhase } from './random.ts';
export { describeDecision, degradedText, ruleText } from './describe.ts';
export { factorLine, formatTrace, type MemberTrace, type SelectionTrace, type TierTrace, type WeightFactorTrace } from './trace.ts';
export { armFor, assignArm, checkSplit, clientSubnet, defaultSplit, hash32, hashPoint, parseSplit, type ArmDecision, type ExperimentRun } from './experiment.ts';
