import type { GenerateOptions } from '../../generate.js';
import type { EmulatorOptions } from './types.js';

/**
 * Emulator speeds for demos: a whole `generate()` takes a few seconds (the CLI's `--emulator`
 * and `nemovideo emulator --fast`, `nemovideo-mcp --emulator`). Pair it with
 * {@link fastEmulatorPolling}.
 */
export const fastEmulatorOptions: EmulatorOptions = {
  replyMs: 100,
  generationMs: 1000,
  editMs: 300,
  secondStageMs: 300,
  renderTimeMs: 1500,
  heartbeatEveryMs: 250,
};

/**
 * `generate()` polling that matches {@link fastEmulatorOptions}: settle reads further apart than
 * the second stage (music, title), so the job settles on the finished draft.
 */
export const fastEmulatorPolling = {
  settle: { intervalMs: 500, maxPolls: 60 },
  render: { intervalMs: 200, maxPolls: 150 },
  recovery: { firstDelayMs: 200, intervalMs: 300 },
} satisfies Pick<GenerateOptions, 'settle' | 'render' | 'recovery'>;
