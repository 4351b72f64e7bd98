/**
 * `nemovideo emulator [--port]`: the in-memory backend over HTTP on 127.0.0.1, until Ctrl-C.
 * @module
 */
import { startEmulatorCore } from '../../testing/emulator/index.js';
import { fastEmulatorOptions } from '../../testing/emulator/fast.js';
import type { Context } from '../context.js';
import { exitCodes } from '../errors.js';

/** Options of `emulator`. */
export interface EmulatorCommandOptions {
  port: number;
  /** The quick timings of `--emulator` instead of the emulator's defaults. */
  fast?: boolean | undefined;
  seed?: string | undefined;
}

/** Runs `emulator` until the run's signal aborts (Ctrl-C), then closes it; resolves with 0. */
export async function emulatorCommand(ctx: Context, options: EmulatorCommandOptions): Promise<number> {
  const { ui, signal, io } = ctx;
  // It also accepts the run's NEMO_TOKEN, so commands configured by the environment work against it.
  const running = await startEmulatorCore(
    {
      port: options.port,
      ...(options.fast ? fastEmulatorOptions : {}),
      seed: options.seed ?? io.env.NEMO_EMULATOR_SEED,
      log: (line) => ui.note(ui.style.dim(line)),
    },
    io.env,
  );
  try {
    ui.json({ result: { url: running.url } });
    ui.print(`NemoVideo emulator listening on ${ui.style.bold(running.url)}`);
    ui.note(`Try: NEMO_API_URL=${running.url} nemovideo generate "a 30-second video about a coffee brand launch" --out coffee.mp4`);
    ui.note('Ctrl-C stops it.');
    await new Promise<void>((resolve) => {
      if (!signal || signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await running.close();
  }
  ui.note('Emulator stopped.');
  return exitCodes.ok;
}
