/** What other folders use from pool/: the model, effective state, selection and its trace. */
export * from './model.ts';
export { effectiveState, effectiveWeight, isUsable, UNKNOWN_STATE, type MemberStateInputs } from './effective.ts';
export { isLive } from './live.ts';
export { mergeProbeSettings, probeTarget, type ProbeSettingsOverride } from './settings.ts';
export {
  selectMembers,
  variantCount,
  WEIGHTED_VARIANTS,
  type SelectOptions,
  type Selection,
  type StateLookup,
} from './select.ts';
export { selectHost, hostVariantCount, type MemberHost, type HostSelection } from './host.ts';
export { selectMx, mxVariantCount, type MxEntry, type MxSelection } from './mx.ts';
export {
  formatTrace,
  type MemberTrace,
  type SelectionTrace,
  type TierTrace,
  type TierDecision,
  type Outcome,
} from './trace.ts';
