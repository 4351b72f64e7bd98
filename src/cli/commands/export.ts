/**
 * `nemovideo export <session>`: render the session's draft (or `--resume` a render submitted
 * earlier, paying nothing again), then print the link or download it with `--out`.
 * @module
 */
import { APIError, SessionNotFoundError, type RenderJob } from '../../index.js';
import type { Context } from '../context.js';
import { exitCodes, UnknownRenderError } from '../errors.js';
import { checkId, checkOut, downloadVideo, renderFollower } from './shared.js';

/** Options of `export`. */
export interface ExportCommandOptions {
  out?: string | undefined;
  /** A render id from an earlier run: wait for it instead of submitting a new one. */
  resume?: string | undefined;
}

/** Runs `export`; resolves with the exit code. */
export async function exportCommand(ctx: Context, sessionId: string, options: ExportCommandOptions): Promise<number> {
  const { ui, nemo, ids, timing, signal } = ctx;
  // Everything the line says is checked before a request: a render is never paid for a file that cannot be written.
  checkId(sessionId, '<session>');
  const resume = options.resume !== undefined ? checkId(options.resume, '--resume') : undefined;
  const out = options.out !== undefined ? await checkOut(options.out) : undefined;
  ids.sessionId = sessionId;
  const follower = renderFollower(ctx);
  const onProgress = (job: RenderJob) => follower.update(job);
  let job: RenderJob;
  try {
    if (resume !== undefined) {
      ids.renderId = resume;
      ui.status(`Following render ${resume}`);
      job = await nemo.render.wait(resume, { ...timing.render, sessionId, signal, onProgress }).catch((error: unknown) => {
        // The service answers 404 for a render id this account does not have (mistyped, or another token's).
        if (error instanceof APIError && !(error instanceof SessionNotFoundError) && (error.status === 404 || error.code === 404)) {
          throw new UnknownRenderError(resume, sessionId, error);
        }
        throw error;
      });
    } else {
      ui.status('Reading the draft');
      job = await nemo.render.export(sessionId, { ...timing.render, signal, onProgress });
    }
  } finally {
    follower.stop();
    ui.stopStatus();
  }
  ids.renderId = job.id;
  const saved = out !== undefined ? await downloadVideo(ctx, job, out) : undefined;
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
