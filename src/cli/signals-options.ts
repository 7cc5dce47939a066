import { MxlbError } from '../errors.ts';
import { MAX_OUTCOMES } from '../signals/index.ts';

/** The flags every `mxlb signals` sender shares (follow, arf), as they are checked before anything is read. */
export interface SendingArgs {
  'batch-size': number;
  interval: number;
  'give-up'?: number;
  once: boolean;
}

/** Checks the shared flags (usage errors, exit 2) and settles `--give-up` (60 s with --once, else forever). */
export function sendingOptions(args: SendingArgs): { batchSize: number; giveUp: number } {
  const batchSize = args['batch-size'];
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_OUTCOMES) throw new MxlbError('usage', `--batch-size must be a whole number from 1 to ${MAX_OUTCOMES}`);
  if (!(args.interval > 0 && args.interval <= 3600)) throw new MxlbError('usage', '--interval must be between 0 and 3600 seconds');
  return { batchSize, giveUp: args['give-up'] ?? (args.once ? 60 : 0) };
}
