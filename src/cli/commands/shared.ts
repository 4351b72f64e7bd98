/**
 * Steps several commands share: checking ids and `--out` before anything is sent, following a
 * render with a bar, downloading the video.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { requireId } from '../../core/args.js';
import { InvalidArgumentError, type RenderJob } from '../../index.js';
import { downloadToFile } from '../../node/index.js';
import type { Context } from '../context.js';
import { DownloadFailedError, UsageError } from '../errors.js';
import type { Bar } from '../ui/bars.js';

/**
 * Checks an id from the command line (`<session>`, `--resume`) with the SDK's own rule, before
 * any request: a bad one is a usage error (exit 2) naming the argument, the id shown escaped.
 */
export function checkId(value: string, what: string): string {
  try {
    return requireId(value, what);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Checks `--out` before anything is submitted, so a render is never paid for a file that cannot
 * be written: it must name a file (not a folder, nor end with a separator), its folder is made
 * if missing, and a file can be created there. Resolves with the absolute path.
 */
export async function checkOut(out: string): Promise<string> {
  if (out.trim() === '' || out.endsWith('/') || out.endsWith(sep)) {
    throw new UsageError(`--out ${JSON.stringify(out)} names a folder: give a file name, e.g. --out ${join(out || '.', 'video.mp4')}`);
  }
  const path = resolve(out);
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') throw new UsageError(`--out ${path}: a parent of it is a file, not a folder.`);
    throw new UsageError(`--out ${path} cannot be checked (${error.code ?? error.message}).`);
  });
  if (existing?.isDirectory()) throw new UsageError(`--out ${path} is a folder: give a file name, e.g. --out ${join(path, 'video.mp4')}`);
  if (existing && !existing.isFile()) throw new UsageError(`--out ${path} is not a regular file.`);
  const folder = dirname(path);
  await mkdir(folder, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EEXIST' || error.code === 'ENOTDIR' ? 'a file is in the way' : (error.code ?? error.message);
    throw new UsageError(`--out ${path}: cannot create the folder ${folder} (${why}).`);
  });
  // The download writes a temporary file next to the target, then renames it: try exactly that.
  const probe = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.probe`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    throw new UsageError(`--out ${path}: cannot write in ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  await rm(probe, { force: true }).catch(() => {});
  return path;
}

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

/**
 * Downloads a finished render to `out` (folders made as needed) with a bar; returns the absolute
 * path and size. The render is paid for by then: any failure but an interrupt becomes a
 * {@link DownloadFailedError} carrying the render id, so the error line tells how to resume.
 */
export async function downloadVideo(ctx: Context, job: RenderJob, out: string): Promise<{ path: string; bytes: number }> {
  const { ui, nemo, signal, ids } = ctx;
  const path = resolve(out);
  const bar = ui.bar('Downloading', 'bytes');
  let lastJson = 0;
  try {
    await mkdir(dirname(path), { recursive: true });
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
  } catch (error) {
    if (signal?.aborted) throw error; // Ctrl-C: the interrupt line has the resume hint
    throw new DownloadFailedError(path, ids.sessionId, job.id, error);
  } finally {
    bar.stop();
  }
}
