/** What other folders use from shaping/: settings, factors and the pure models. */
export * from './model.ts';
export { slowStartFactor, slowStartNextAt, SlowStartTracker, SLOW_START_STEP } from './slow-start.ts';
