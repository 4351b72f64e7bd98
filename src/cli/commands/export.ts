/**
 * `nemovideo export <session>`: render the session's draft (or `--resume` a render submitted
 * earlier, paying nothing again), then print the link or download it with `--out`.
 * @module
 */
import type { RenderJob } from '../../index.js';
import type { Context } from '../context.js';
import { exitCodes } from '../errors.js';
import { downloadVideo, renderFollower } from './shared.js';

/** Options of `export`. */
export interface ExportCommandOptions {
  out?: string | undefined;
  /** A render id from an earlier run: wait for it instead of submitting a new one. */
  resume?: string | undefined;
}

/** Runs `export`; resolves with the exit code. */
export async function exportCommand(ctx: Context, sessionId: string, options: ExportCommandOptions): Promise<number> {
  const { ui, nemo, ids, timing, signal } = ctx;
  ids.sessionId = sessionId;
  const follower = renderFollower(ctx);
  const onProgress = (job: RenderJob) => follower.update(job);
  let job: RenderJob;
  try {
    if (options.resume !== undefined) {
      ids.renderId = options.resume;
      ui.status(`Following render ${options.resume}`);
      job = await nemo.render.wait(options.resume, { ...timing.render, sessionId, signal, onProgress });
    } else {
      ui.status('Reading the draft');
      job = await nemo.render.export(sessionId, { ...timing.render, signal, onProgress });
    }
  } finally {
    follower.stop();
    ui.stopStatus();
  }
  ids.renderId = job.id;
  const saved = options.out !== undefined ? await downloadVideo(ctx, job, options.out) : undefined;
  const url = job.output?.url;
  ui.json({
    result: { sessionId, renderId: job.id, status: job.status, url, duration: job.output?.duration, size: job.output?.size, out: saved?.path, bytes: saved?.bytes },
  });
  const { style } = ui;
  if (url) ui.print(`${style.bold('Video:')}  ${url}`);
  if (saved) ui.print(`${style.bold('Saved:')}  ${saved.path}`);
  ui.print(`${style.bold('Render:')} ${job.id}`);
  return exitCodes.ok;
}
