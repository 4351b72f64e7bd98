/**
 * Progress bars: cli-progress on a terminal, a plain line per quarter elsewhere.
 * @module
 */
import cliProgress from 'cli-progress';
import { formatBytes } from './style.js';
import type { CliStream } from './types.js';

/** What a bar counts: a percentage (render) or bytes (upload, download). */
export type BarUnit = 'percent' | 'bytes';

/** One progress bar. */
export interface Bar {
  /** Moves the bar; `total` may become known late (bytes). */
  update(value: number, total?: number | undefined): void;
  /** Ends the bar, leaving its last state on screen. */
  stop(): void;
}

const bytesFormat = (value: number) => formatBytes(value);

/** A cli-progress bar on `stream` (a terminal). */
export function terminalBar(stream: CliStream, label: string, unit: BarUnit): Bar {
  let total = unit === 'percent' ? 100 : 0;
  const format =
    unit === 'percent'
      ? `${label} {bar} {percentage}%`
      : `${label} {bar} {percentage}% {done} / {size}`;
  const bar = new cliProgress.SingleBar(
    { format, stream: stream as unknown as NodeJS.WritableStream, hideCursor: true, barsize: 24, clearOnComplete: false, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, size) {
      if (size !== undefined && size > 0) total = size;
      const payload = { done: bytesFormat(value), size: total > 0 ? bytesFormat(total) : '?' };
      if (!started) {
        started = true;
        bar.start(Math.max(total, 1), value, payload);
        return;
      }
      if (total > 0) bar.setTotal(total);
      bar.update(value, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** Plain lines on `stream`: `Rendering 25%`… at each quarter; bytes once at the end. */
export function lineBar(stream: CliStream, padded: string, unit: BarUnit): Bar {
  const label = padded.trim();
  let shown = -1;
  let last: { value: number; total: number | undefined } | undefined;
  return {
    update(value, total) {
      last = { value, total };
      if (unit !== 'percent') return;
      const quarter = Math.floor(Math.min(100, Math.max(0, value)) / 25);
      if (quarter <= shown) return;
      shown = quarter;
      stream.write(`${label} ${quarter * 25}%\n`);
    },
    stop() {
      if (unit === 'bytes' && last) stream.write(`${label} ${formatBytes(last.value)}\n`);
      last = undefined;
    },
  };
}

/** A bar that shows nothing. */
export const silentBar: Bar = { update() {}, stop() {} };
