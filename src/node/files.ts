/**
 * Files on disk: upload inputs that stream from a path, and downloads written atomically.
 * @module
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import type { Render, RenderJob } from '../resources/render.js';
import { mimeTypeOf, type UploadFile } from '../resources/uploads.js';

/** Options of {@link fileFromPath}. */
export interface FileFromPathOptions {
  /** MIME type. Default: from the extension (`application/octet-stream` when unknown). */
  type?: string | undefined;
  /** Name sent to the server. Default: the path's base name. */
  name?: string | undefined;
}

/**
 * Makes an upload input from a file on disk: a file-backed `Blob` with its name, size and type.
 * The file is never read into memory: its `stream()` reads it from disk while it is sent, 512 KiB
 * at a time and at most 1.5 MiB ahead of the consumer, so reading overlaps sending. It can be
 * uploaded more than once. As with any file-backed `Blob`, reading it fails (`NotReadableError`)
 * once the file has been changed since.
 *
 * @throws {InvalidArgumentError} the path is not a regular file.
 * @throws the `fs` error (`ENOENT`, `EACCES`…) when it cannot be read.
 */
export async function fileFromPath(path: string, options: FileFromPathOptions = {}): Promise<UploadFile> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path must be a non-empty string.');
  const info = await stat(path);
  if (!info.isFile()) throw new InvalidArgumentError(`${path} is not a file.`);
  const name = options.name ?? basename(path);
  const type = options.type ?? mimeTypeOf(name);
  const data = await openAsBlob(path, { type });
  // stream() reads ahead in batches (below), so reading overlaps sending; the Blob's own stream
  // does not keep up with a plain fs read stream. slice(), text() and the rest stay the Blob's.
  Object.defineProperty(data, 'stream', { value: () => fileStream(path, data.size, info.mtimeMs), configurable: true, writable: true });
  return { data, name, type, size: data.size };
}

// 64 KiB chunks, as fs streams use: small allocations, reused once collected (1 MiB chunks grew
// RSS by about 20 MB more in bench/upload-memory.bench.ts). They are read 8 at a time with one
// readv: one system call and one await per 512 KiB, not per chunk.
const chunkBytes = 64 * 1024;
const chunksPerRead = 8;
const readAheadBytes = 1024 * 1024;

const changed = () => new DOMException('The blob could not be read: the file changed after fileFromPath.', 'NotReadableError');

/**
 * The `size` bytes of a file as a stream of fresh 64 KiB buffers (never reused: the consumer may
 * still hold the earlier ones), read 512 KiB at a time while less than 1 MiB waits unread. The file
 * is opened at the first pull and closed at the end, on an error or on cancel. Like the Blob's own
 * stream, it fails when the file no longer has the size and modification time it had when the
 * Blob was made, or ends early.
 */
function fileStream(path: string, size: number, mtimeMs: number): ReadableStream<Uint8Array> {
  let file: FileHandle | undefined;
  let position = 0;
  let closed = false;
  const close = async () => {
    closed = true;
    const handle = file;
    file = undefined;
    await handle?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (file === undefined) {
            file = await open(path, 'r');
            if (closed) return void (await close());
            const now = await file.stat();
            if (now.size !== size || now.mtimeMs !== mtimeMs) throw changed();
          }
          const buffers: Buffer[] = [];
          for (let at = position; at < size && buffers.length < chunksPerRead; at += chunkBytes) {
            buffers.push(Buffer.allocUnsafeSlow(Math.min(chunkBytes, size - at)));
          }
          const { bytesRead } = position < size ? await file.readv(buffers, position) : { bytesRead: 0 };
          if (closed) return;
          if (bytesRead === 0 && position < size) throw changed();
          // A short read hands over what came, and the next pull goes on from there.
          let left = bytesRead;
          for (const buffer of buffers) {
            if (left === 0) break;
            controller.enqueue(left < buffer.byteLength ? buffer.subarray(0, left) : buffer);
            left -= Math.min(left, buffer.byteLength);
          }
          position += bytesRead;
          if (position === size) {
            await close();
            controller.close();
          }
        } catch (error) {
          await close().catch(() => {});
          throw error;
        }
      },
      cancel: close,
    },
    { highWaterMark: readAheadBytes, size: (chunk) => chunk.byteLength },
  );
}

/** Progress of {@link downloadToFile}: bytes written, and the total when the job reports a size. */
export interface DownloadProgress {
  loaded: number;
  total: number | undefined;
}

/** Options of {@link downloadToFile}. */
export interface DownloadToFileOptions {
  /** Called after every chunk written. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** The session the job belongs to, copied onto errors. */
  sessionId?: string | undefined;
}

/** What {@link downloadToFile} wrote. */
export interface DownloadToFileResult {
  path: string;
  bytes: number;
  job: RenderJob;
}

/**
 * Downloads a rendered video to `path` through `client.render.download` (the output URL, else
 * the API's download). It writes a temporary file in the same folder and renames it only once
 * complete, so `path` never holds a partial file. The temporary file is created before the
 * download starts: when it cannot be (a missing folder, a parent that is a file, no permission)
 * the `fs` error is thrown and no connection is opened. On any later failure (or abort) the
 * download is cancelled, the temporary file removed and the error rethrown (an abort rethrows
 * `signal.reason`). Not retried.
 *
 * @throws the `fs` error (`ENOENT`, `ENOTDIR`, `EACCES`…) when the temporary file cannot be created.
 * @throws {ResponseValidationError} when a page, text or JSON came where the video was expected
 * (see `render.download`); nothing is written to `path`.
 * @example
 * ```ts
 * const job = await nemo.render.export(sessionId);
 * await downloadToFile(nemo, job, 'video.mp4', { onProgress: ({ loaded, total }) => bar(loaded, total) });
 * ```
 */
export async function downloadToFile(
  client: { render: Pick<Render, 'retrieve' | 'download'> },
  jobOrId: RenderJob | string,
  path: string,
  options: DownloadToFileOptions = {},
): Promise<DownloadToFileResult> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path must be a non-empty string.');
  const { signal, sessionId, onProgress } = options;
  const job = typeof jobOrId === 'string' ? await client.render.retrieve(jobOrId, { signal, sessionId }) : jobOrId;
  const total = job.output?.size;
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  signal?.throwIfAborted();
  // The file first: a download opened for a file that cannot exist would hold its connection.
  const file = await open(temp, 'wx');
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let loaded = 0;
  let closed = false;
  try {
    reader = (await client.render.download(job, { signal, sessionId })).getReader();
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      // A write may be partial: go on until the whole chunk is on disk.
      for (let offset = 0; offset < value.byteLength; ) offset += (await file.write(value, offset)).bytesWritten;
      loaded += value.byteLength;
      onProgress?.({ loaded, total });
    }
    signal?.throwIfAborted();
    await file.sync();
    await file.close();
    closed = true;
    await rename(temp, path);
    return { path, bytes: loaded, job };
  } catch (error) {
    await reader?.cancel(error).catch(() => {});
    if (!closed) await file.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw signal?.aborted ? signal.reason : error;
  }
}
