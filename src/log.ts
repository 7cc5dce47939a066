import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/**
 * Root logger. JSON lines on stdout for machines (`json`); pino-pretty makes them readable for
 * people (`pretty`). Without a format: pretty when stdout is a terminal, else JSON. Modules take
 * `logger.child({ module })` and never log per query above debug. The events: docs/logs.md.
 */
export function createLogger(level: LevelWithSilent = 'info', format?: LogFormat | boolean): Logger {
  const pretty = format === undefined ? process.stdout.isTTY === true : format === true || format === 'pretty';
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: process.stdout.isTTY === true } } });
  }
  return pino({ level });
}

/** A logger that drops everything, for tests and pure-code callers. */
export const silentLogger: Logger = pino({ level: 'silent' });
