/**
 * What other folders use from the probe: the check, its contract, the reply parser for tools, probe
 * settings (defaults and merge), the health state machine's types, the scheduler and the history.
 */
export { smtpCheck, createSmtpCheck, type SmtpCheckOptions } from './smtp-check.ts';
export { ReplyParser, ReplyError, parseEhlo, hasCapability, type SmtpReply, type EhloInfo } from './reply.ts';
export type {
  ProbeCheck,
  ProbePhase,
  ProbeResult,
  ProbeTarget,
  ProbeTimeouts,
  PhaseTiming,
  StartTlsMode,
  TlsInfo,
} from './types.ts';
export {
  DEFAULT_PROBE_SETTINGS,
  mergeProbeSettings,
  probeTarget,
  type ProbedMember,
  type ProbeSettings,
  type ProbeSettingsOverride,
} from './settings.ts';
export type { HealthTransition, MemberHealth, ObservedState } from './health.ts';
export { ProbeScheduler, systemClock, type Clock, type ScheduledTarget, type SchedulerOptions } from './scheduler.ts';
export { ProbeHistory, type ProbeSample, type TransitionEvent } from './history.ts';
