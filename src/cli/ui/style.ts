/**
 * Colours for human output, on only when the output is a terminal (and `NO_COLOR` is unset).
 * yoctocolors alone decides from the process, not from the stream we write to, so it is gated here.
 * @module
 */
import * as colors from 'yoctocolors';

/** The few styles the CLI uses; each is the identity when colours are off. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain = (text: string) => text;

/** Styles that colour when `enabled`, else leave the text as it is. */
export function createStyle(enabled: boolean): Style {
  if (!enabled) return { bold: plain, dim: plain, green: plain, red: plain, yellow: plain, cyan: plain };
  return { bold: colors.bold, dim: colors.dim, green: colors.green, red: colors.red, yellow: colors.yellow, cyan: colors.cyan };
}

/** `10.2 KB`, `3.4 MB`: bytes for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `45s`, `2m 05s`: an elapsed time for people. */
export function formatElapsed(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}
