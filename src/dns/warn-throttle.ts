import type { Logger } from '../log.ts';

/**
 * Logs a warning at most once per `intervalMs`, counting what it held back, so a flood of bad
 * packets cannot flood the log. The clock is a parameter (DESIGN principle 5).
 */
export class WarnThrottle {
  private nextAt = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    if (now < this.nextAt) {
      this.suppressed++;
      return;
    }
    this.nextAt = now + this.intervalMs;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }
}
