/**
 * Steps several commands share: following a render with a bar, downloading the video.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RenderJob } from '../../index.js';
import { downloadToFile } from '../../node/index.js';
import type { Context } from '../context.js';
import type { Bar } from '../ui/bars.js';

/** Follows render polls: a bar (or plain lines), a `{"progress"}` line each, the render id remembered for resume hints. */
export function renderFollower(ctx: Context): { update(job: { id?: string | undefined; status?: string | undefined; progress?: number | undefined }): void; stop(): void } {
  let bar: Bar | undefined;
  let announced: string | undefined;
  return {
    update(job) {
      const { ui, ids } = ctx;
      if (job.id) ids.renderId = job.id;
      ui.json({ progress: { phase: 'render', sessionId: ids.sessionId, renderId: job.id, status: job.status, progress: job.progress } });
      if (!job.id) return ui.status('Submitting the render');
      if (announced !== job.id) {
        announced = job.id;
        bar?.stop();
        bar = undefined;
        ui.note(`Render ${job.id}`);
      }
      bar ??= ui.bar('Rendering  ', 'percent');
      const progress = job.status === 'completed' ? 100 : (job.progress ?? 0);
      bar.update(progress);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Downloads a finished render to `out` (folders made as needed) with a bar; returns the absolute path and size. */
export async function downloadVideo(ctx: Context, job: RenderJob, out: string): Promise<{ path: string; bytes: number }> {
  const { ui, nemo, signal, ids } = ctx;
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  const bar = ui.bar('Downloading', 'bytes');
  let lastJson = 0;
  try {
    const result = await downloadToFile(nemo, job, path, {
      signal,
      sessionId: ids.sessionId,
      onProgress: ({ loaded, total }) => {
        bar.update(loaded, total);
        // At most a line per 64 KiB: a JSON consumer wants progress, not a line per chunk.
        if (loaded - lastJson >= 65_536 || loaded === total) {
          lastJson = loaded;
          ui.json({ progress: { phase: 'download', loaded, total } });
        }
      },
    });
    return { path, bytes: result.bytes };
  } finally {
    bar.stop();
  }
}
