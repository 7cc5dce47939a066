/** What other folders use from shaping/: settings, factors and the pure models. */
export * from './model.ts';
export { slowStartFactor, slowStartNextAt, SlowStartTracker, SLOW_START_STEP } from './slow-start.ts';
export { addDays, dayNumber, isTimeZone, localDate, nextMidnight, startOfDay } from './zone-time.ts';
export { WARM_UP_PRESETS } from './presets.ts';
export { dayCap, NEAR_CAP, pauseControl, resumeControl, warmUpStatus, type DailyCount, type WarmUpControl, type WarmUpInputs, type WarmUpStatus } from './warm-up.ts';
export { DailyCounter, MAX_HISTORY_DAYS, type DayTotal } from './daily-count.ts';
export { LatencyTracker, smtpPhaseMs } from './latency.ts';
export { DeliveryDelayTracker, MAX_DELAY_SAMPLES } from './delivery-delay.ts';
export { agentFactor, LoadBook, parseAgentLine, stricter, watermarkFactor, type AgentReply, type LoadReport } from './load.ts';
