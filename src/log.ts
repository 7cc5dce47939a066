import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Root logger. JSON lines on stdout for machines; when stdout is a terminal, pino-pretty makes them
 * readable for people. Modules take `logger.child({ module })` and never log per query above debug.
 */
export function createLogger(level: LevelWithSilent = 'info', pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino({ level });
}

/** A logger that drops everything, for tests and pure-code callers. */
export const silentLogger: Logger = pino({ level: 'silent' });
