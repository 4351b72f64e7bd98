/**
 * Logging: silent by default; `logLevel` chooses what reaches the `logger`. Every line passes
 * through secret redaction.
 * @module
 */
import { redactText } from './redact.js';

/** Log levels, from most to least verbose. `'off'` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

/** Where log lines go: any object with these methods (`console` works). */
export interface Logger {
  /** Every request: method, path, status, ms. */
  debug(message: string, ...rest: unknown[]): void;
  /** Retries, token refreshes. */
  info(message: string, ...rest: unknown[]): void;
  /** Recoverable trouble (an unreadable token store). */
  warn(message: string, ...rest: unknown[]): void;
  /** Failures. */
  error(message: string, ...rest: unknown[]): void;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

/** A logger that drops lines below `level` and redacts tokens from the rest. */
export function createLogger(logger: Logger | undefined, level: LogLevel | undefined): Logger {
  const min = rank[level ?? (logger ? 'info' : 'off')] ?? 4; // an unknown level logs nothing, as 'off'
  const target = logger ?? console;
  const at = (l: Exclude<LogLevel, 'off'>) =>
    rank[l] < min ? () => {} : (message: string) => target[l](redactText(`[nemovideo] ${message}`));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
