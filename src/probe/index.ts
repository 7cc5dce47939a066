/** What other folders use from the probe: the check, its contract, and the reply parser for tools. */
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
