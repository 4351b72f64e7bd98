/**
 * Uploads into a session (docs/protocol.md › Upload): local files as a multipart body streamed from
 * its sources (never held in memory), or URLs the backend fetches itself.
 * @module
 */
import { optionalPositive, pathSegment, requireId } from '../core/args.js';
import { maxUploadBytes, supportedExtensions } from '../core/error-map.js';
import { AuthenticationError, FileTooLargeError, InvalidArgumentError, RateLimitError, TimeoutError, UnsupportedFileTypeError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import type { CallOptions } from '../core/transport.js';
import { loadSchemas, toNumber, validate } from '../core/validate.js';
import { Resource } from './resource.js';

/** The bytes of one file: a `Blob` (read lazily), bytes in memory, or a stream (read once). */
export type UploadData = Blob | Uint8Array | ReadableStream<Uint8Array>;

/** A file to upload with its name. `size` is needed for a stream to be checked before sending. */
export interface UploadFile {
  data: UploadData;
  /** File name sent to the server; its extension decides the type. */
  name: string;
  /** MIME type; decides the type when the name has no extension. Default: from the extension. */
  type?: string | undefined;
  /** Size in bytes. Taken from a `Blob` or bytes; for a stream, declared (else counted while sending). */
  size?: number | undefined;
}

/** One upload input: a `File`/`Blob`, or {@link UploadFile}. A `Blob` without a name needs an accepted MIME type. */
export type UploadInput = Blob | UploadFile;

/** What to upload: files or URLs (one of them, in one request). */
export interface UploadCreateParams {
  files?: readonly UploadInput[] | undefined;
  /** http(s) URLs the backend downloads itself. */
  urls?: readonly string[] | undefined;
}

/** Upload progress: file bytes handed to the network so far, and their total when every size is known. */
export interface UploadProgress {
  loaded: number;
  total: number | undefined;
}

/** Options of {@link Uploads.create}. */
export interface UploadCreateOptions {
  /** Cancels the upload; the promise rejects with `signal.reason` and the sources are cancelled. */
  signal?: AbortSignal | undefined;
  /** Called as bytes are sent: at the start, at least every 1 % (or 1 MiB), and at the end. */
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** Limit for the whole call (sending and the answer), in ms. Default: none (the client's `timeout` does not apply). */
  uploadTimeoutMs?: number | undefined;
}

/** A file the backend accepted. */
export interface UploadedFile {
  filename: string;
  /** `video`, `image` or `audio`. */
  fileType: string;
  cdnUrl: string;
  /** Seconds, for video and audio. */
  duration?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
  raw: unknown;
}

/** The answer of an upload. */
export interface UploadResult {
  files: UploadedFile[];
  /** Whether the backend added the files to the session's state. */
  sessionStateApplied: boolean;
  raw: unknown;
}

// Per kind, each accepted extension (docs/protocol.md › Upload) as `ext[:subtype[:alias…]]`: its
// MIME subtype (default: the extension), then subtypes seen in the wild that stand for it too.
const formats = {
  video: 'mp4 mov:quicktime avi:x-msvideo:avi:msvideo webm mkv:x-matroska',
  image: 'jpg:jpeg:jpg:pjpeg jpeg png gif webp',
  audio: 'mp3:mpeg:mp3 wav:wav:x-wav:wave:vnd.wave m4a:mp4:x-m4a:m4a aac:aac:x-aac',
};

// Lookups without a prototype: a name like `a.constructor` finds nothing.
const mimes: Record<string, string> = Object.create(null);
const extensionsOfMime: Record<string, string> = Object.create(null);
for (const [kind, list] of Object.entries(formats)) {
  for (const item of list.split(' ')) {
    const [ext, sub = ext!, ...aliases] = item.split(':');
    mimes[ext!] = `${kind}/${sub}`;
    // The first extension named keeps a shared type (image/jpeg is jpg).
    for (const s of [sub, ...aliases]) extensionsOfMime[`${kind}/${s}`] ??= ext!;
  }
}

/** MIME type of each accepted extension (docs/protocol.md › Upload). */
export const uploadMimeTypes: Readonly<Record<string, string>> = mimes;

const extensionOf = (name: string) => /\.([a-z\d]+)$/i.exec(name)?.[1]!.toLowerCase();

/** The MIME type for a file name's extension, `application/octet-stream` when unknown. */
export function mimeTypeOf(name: string): string {
  return mimes[extensionOf(name)!] ?? 'application/octet-stream';
}

const chunkBytes = 1 << 20;
const ignore = () => {};
// A name or a value as JSON, as messages show them.
const quote: (value: unknown) => string = JSON.stringify;

// What every error of one call carries.
interface Context {
  sessionId: string;
}

// A source as the body reads it: a stream's reader, or the same shape over bytes in memory.
type Reader = Pick<ReadableStreamDefaultReader<Uint8Array>, 'read' | 'cancel'>;

// One file, checked and ready to stream.
interface Part {
  name: string;
  type: string;
  size: number | undefined;
  data: UploadData;
  /** A reader of the source: a new one each time, except for a stream (read once: always the same). */
  open(): Reader;
  /** The first chunk, already read from a stream of unknown size (see {@link peekStreams}). */
  first?: Uint8Array;
}

/** Uploads files and URLs into a session. */
export class Uploads extends Resource {
  /**
   * Uploads files (one multipart request, a part named `files` each) or URLs (one JSON request)
   * into a session. Files and URLs together are rejected: they are separate requests, so make two
   * calls. Types, sizes (500 MB each, and not 0) and URLs are checked before a byte is sent; a
   * stream without a declared `size` is read up to its first bytes before the request starts (an
   * empty one is refused), then counted while sending and stopped past the limit.
   *
   * Not retried on 5xx or network errors: a second submit could add the media twice. After a 429
   * (waiting `Retry-After`) or an expired SDK token, which the server refused, it is sent once
   * more, when every file can be read again (Blob, bytes, `fileFromPath`; not a one-shot stream).
   *
   * @throws {UnsupportedFileTypeError} a type that is not accepted (also the server's 4001).
   * @throws {FileTooLargeError} a file over 500 MB (also the server's 4002).
   * @throws {InvalidArgumentError} no input, files and URLs together, a bad URL or input, an empty file.
   * @throws {TimeoutError} past `uploadTimeoutMs`.
   */
  async create(sessionId: string, params: UploadCreateParams, options: UploadCreateOptions = {}): Promise<UploadResult> {
    requireId(sessionId, 'sessionId');
    const ctx = { sessionId };
    const files = list(params?.files, 'files');
    const urls = list(params?.urls, 'urls');
    if (!files.length === !urls.length) {
      throw new InvalidArgumentError(files.length ? 'Pass files or urls, not both: call uploads.create() once for each.' : 'Nothing to upload: pass files or urls.', ctx);
    }
    const timeoutMs = optionalPositive(options.uploadTimeoutMs, 'uploadTimeoutMs', true);
    const path = `/api/upload-video/nemo_agent/me/${pathSegment(sessionId)}`;
    const checked = urls.map((u) => {
      if (typeof u === 'string' && URL.canParse(u) && /^https?:$/.test(new URL(u).protocol)) return u;
      throw new InvalidArgumentError(`urls must be http(s) URLs, got ${quote(u)}.`, ctx);
    });
    const parts = files.map((input, i) => toPart(input, i, ctx));
    const user = options.signal;
    user?.throwIfAborted();
    // One signal for the whole call: the caller's abort, the upload limit (counted from here) and
    // failures found while streaming. The transport rethrows its reason, so each is its own error.
    const controller = new AbortController();
    const { signal } = controller;
    const abort = (reason: unknown) => controller.abort(reason);
    const onAbort = () => abort(user!.reason);
    user?.addEventListener('abort', onAbort);
    const timer = timeoutMs && setTimeout(() => abort(new TimeoutError(`Upload to session ${sessionId} timed out after ${timeoutMs} ms. Raise \`uploadTimeoutMs\`.`, ctx)), timeoutMs);
    const post = async (call: CallOptions): Promise<UploadResult> => {
      // A POST (the call has a body), not idempotent (the default for POST): never retried on 5xx.
      const raw = await this.transport.request(path, { ...call, signal, sessionId, timeout: 0 });
      const data = validate((await loadSchemas()).uploadSchema, raw, `POST ${path}`, sessionId);
      return {
        files: (data.files ?? []).map((f, i) => ({
          filename: f.filename ?? parts[i]?.name ?? '',
          fileType: f.file_type ?? '',
          cdnUrl: f.cdn_url ?? '',
          duration: toNumber(f.duration),
          width: toNumber(f.width),
          height: toNumber(f.height),
          raw: f,
        })),
        sessionStateApplied: data.session_state_applied ?? false,
        raw,
      };
    };
    // Closes the sources (open files, streams): those of the body being sent once there is one.
    // Whatever fetch does with the body on abort, they are released on abort; and before the call
    // settles, whatever failed: nothing is left open after it.
    let release = (reason: unknown) => cancelAll(parts, reason);
    signal.addEventListener('abort', () => void release(signal.reason));
    const send = () => {
      let call: CallOptions;
      [call, release] = multipart(parts, options.onProgress, abort, ctx);
      return post(call);
    };
    try {
      if (urls.length) return await post({ json: { urls: checked, source_type: 'url' } });
      // A stream of unknown size is read up to its first bytes before the request starts: an
      // empty one is refused with nothing sent. (Where uploads cannot stream, toPart refuses streams.)
      if (streamsUploads()) await peekStreams(parts, signal, ctx);
      try {
        return await send();
      } catch (error) {
        // A 429, or a 1001 after which the SDK renewed its own token, means the server refused the
        // upload: send it once more when every source can be read again (no one-shot stream).
        // A wait longer than `maxRetryAfterMs` is the caller's to decide, as for every other call.
        const { maxRetryAfterMs, tokens } = this.transport.options;
        const wait = error instanceof RateLimitError ? error.retryAfterMs : error instanceof AuthenticationError && !tokens.userSupplied ? 0 : NaN;
        if (!(wait <= maxRetryAfterMs) || parts.some((p) => isStream(p.data))) throw error;
        await release(error);
        await sleep(wait, signal);
        return await send();
      }
    } catch (error) {
      await release(error);
      throw error;
    } finally {
      clearTimeout(timer);
      user?.removeEventListener('abort', onAbort);
    }
  }
}

function list<T>(value: readonly T[] | undefined, name: string): readonly T[] {
  if (value == null) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${name} must be an array, got ${typeof value}.`);
  return value;
}

const isStream = (v: unknown): v is ReadableStream<Uint8Array> => typeof (v as ReadableStream | null)?.getReader === 'function';

function toPart(input: UploadInput, index: number, ctx: Context): Part {
  const where = `files[${index}]`;
  const isBlob = input instanceof Blob;
  const file: Partial<UploadFile> = isBlob ? { data: input, name: (input as Partial<File>).name, type: input.type } : (input ?? {});
  const { data, type } = file;
  const blob = data instanceof Blob;
  const stream = isStream(data);
  const bad = (problem: string) => new InvalidArgumentError(`${where}: ${problem}`, ctx);
  if (!(blob || data instanceof Uint8Array || stream)) throw bad('pass a Blob/File or { data: Blob | Uint8Array | ReadableStream, name }.');
  if (stream && data.locked) throw bad('the stream is already being read.');
  // Browsers cannot stream a request body over HTTP/1.1 (see multipart): Blobs and bytes only.
  if (stream && !streamsUploads()) throw bad('this runtime cannot upload a stream: pass a Blob or File.');
  const size = blob ? data.size : stream ? file.size : data.byteLength;
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) throw bad(`size must be a non-negative integer, got ${String(size)}.`);
  const mimeExt = extensionsOfMime[(type ?? '').split(';')[0]!.trim().toLowerCase()];
  // A bare Blob has no name: name it after its MIME type (checked just below).
  const name = typeof file.name === 'string' && file.name ? file.name : isBlob ? `upload${mimeExt ? `.${mimeExt}` : ''}` : undefined;
  if (name === undefined) throw bad('name must be a non-empty string (its extension gives the type).');
  // Same rule as the backend: the extension decides; without one, the MIME type does.
  const ext = extensionOf(name);
  if (ext !== undefined ? !supportedExtensions.includes(ext) : mimeExt === undefined) {
    throw new UnsupportedFileTypeError(
      `Unsupported file type: ${quote(name)}${type ? ` (${type})` : ''}. Accepted: ${supportedExtensions.join(', ')}.`,
      supportedExtensions,
      ctx,
    );
  }
  if ((size as number) > maxUploadBytes) throw tooLarge(name, ctx, size);
  if (size === 0) throw empty(index, name, ctx);
  let reader: Reader | undefined;
  return {
    name,
    type: type || mimeTypeOf(name),
    size,
    data,
    open: () => (blob ? data.stream().getReader() : stream ? (reader ??= data.getReader()) : bytesReader(data)),
  };
}

// Bytes in memory, handed out in slices (views, not copies) so progress moves.
function bytesReader(bytes: Uint8Array): Reader {
  let offset = 0;
  return {
    read: async () => (offset < bytes.byteLength ? { done: false, value: bytes.subarray(offset, (offset += chunkBytes)) } : { done: true, value: undefined }),
    cancel: async () => {},
  };
}

function tooLarge(name: string, ctx: Context, size?: number): FileTooLargeError {
  const mb = size ? Math.round(size / 1_048_576) : 'over 500';
  return new FileTooLargeError(`File too large: ${quote(name)} is ${mb} MB; the limit is 500 MB. Compress or trim it.`, maxUploadBytes, ctx);
}

const empty = (index: number, name: string, ctx: Context) =>
  new InvalidArgumentError(`files[${index}] (${quote(name)}) is empty: 0 bytes. Nothing was sent; pick the file again.`, ctx);

// Cancels `reader` (of the part being sent) and every stream; resolves once all are closed.
const cancelAll = (parts: Part[], reason: unknown, reader?: Reader): Promise<void> =>
  Promise.all([reader, ...parts.map((p) => isStream(p.data) && p.open())].map((r) => r && r.cancel(reason).catch(ignore))) as Promise<never>;

/**
 * Reads each stream of unknown size up to its first non-empty chunk (kept as the part's `first`),
 * so an empty stream is refused before the request starts. On a failure (an empty stream, an
 * abort, the time limit), the caller cancels every stream; an abort does so at once, which ends
 * a pending read (then the abort's reason is thrown).
 */
async function peekStreams(parts: Part[], signal: AbortSignal, ctx: Context): Promise<void> {
  for (const [i, part] of parts.entries()) {
    if (!isStream(part.data) || part.size !== undefined) continue;
    const reader = part.open();
    let next;
    // A chunk of the wrong kind is left for the body to refuse with its own message.
    do {
      next = await reader.read();
      signal.throwIfAborted();
      if (next.done) throw empty(i, part.name, ctx);
    } while (ArrayBuffer.isView(next.value) && !next.value.byteLength);
    part.first = next.value;
  }
}

/**
 * The multipart body as a pull-based stream: each part's header, then its source read one chunk
 * per pull, then the closing boundary. The body queues nothing itself (highWaterMark 0): a chunk
 * is taken from the source when fetch asks for it, so progress counts the bytes handed to fetch,
 * and memory stays flat whatever the file size. Reading ahead is the source's own: a
 * `fileFromPath` file reads up to 1.5 MiB ahead, so disk reads overlap sending.
 * Returns the call, and a release that cancels the sources (runs once, resolves once they are
 * closed).
 */
function multipart(
  parts: Part[],
  onProgress: UploadCreateOptions['onProgress'],
  fail: (error: unknown) => void,
  ctx: Context,
): [CallOptions, (reason: unknown) => Promise<void>] {
  const encoder = new TextEncoder();
  const boundary = `----nemovideo${Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => (b & 15).toString(16)).join('')}`;
  // RFC 7578 names, escaped as browsers do (WHATWG HTML › multipart/form-data encoding): %22 %0D %0A.
  const heads = parts.map((p, i) =>
    encoder.encode(
      `${i ? '\r\n' : ''}--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${p.name.replace(/["\r\n]/g, encodeURIComponent)}"\r\nContent-Type: ${p.type}\r\n\r\n`,
    ),
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  // The files' total size when every size is known (a sum with an unknown one is NaN; no file is 0).
  const total = parts.reduce((sum, p) => sum + p.size!, 0) || undefined;
  const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  if (total) headers['content-length'] = String(heads.reduce((sum, head) => sum + head.byteLength, total + tail.byteLength));
  // `redirect: 'error'`: following a redirect makes fetch keep a copy of the whole body (docs/performance.md).
  const call = { headers, redirect: 'error', noRetry: true } as const;
  // Progress events at least every 1 % (of an unknown total: every 1 MiB), and at most 1 MiB apart.
  const step = Math.min(chunkBytes, total! / 100 || chunkBytes);
  let loaded = 0;
  let reported = -1;
  const report = (force?: boolean) => {
    if (onProgress && loaded !== reported && (force || loaded - reported >= step)) onProgress({ loaded: (reported = loaded), total });
  };
  report(true);
  if (!streamsUploads()) {
    // Browsers cannot stream a request body over HTTP/1.1 (Chromium needs HTTP/2, Firefox and
    // Safari never do): send one Blob made of the files' own Blobs (toPart refused streams), which
    // the browser reads from disk. Progress: the start, then the end once the server answered;
    // there is no source to release.
    const body = new Blob([...parts.flatMap((p, i) => [heads[i]!, p.data as Blob | Uint8Array<ArrayBuffer>]), tail]);
    return [{ ...call, body, onHeaders: () => ((loaded = total!), report(true)) }, async () => {}];
  }
  let reader: Reader | undefined;
  let reason: unknown;
  let releasing: Promise<void> | undefined;
  const throwIfReleased = () => {
    if (releasing) throw reason;
  };
  const stop = (error: unknown): never => {
    fail(error);
    throw error;
  };
  // Cancels the source being read and every stream; later reads fail. Runs once: every caller
  // gets the same promise.
  const release = (why: unknown) => (releasing ??= ((reason = why), cancelAll(parts, why, reader)));
  async function* chunks() {
    for (const [i, { name, size, first }] of parts.entries()) {
      reader = parts[i]!.open();
      yield heads[i]!;
      let bytes = 0;
      for (let next = first; ; next = undefined) {
        // A source that fails (a file changed on disk, a stream's own error) rejects the upload
        // with its error, not as a failed connection.
        const { done, value } = next !== undefined ? { done: false, value: next } : await reader.read().catch((error: unknown) => (throwIfReleased(), stop(error)));
        throwIfReleased();
        const chunk = done
          ? undefined
          : ArrayBuffer.isView(value)
            ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
            : stop(new InvalidArgumentError(`${quote(name)}: stream chunks must be Uint8Array.`, ctx));
        bytes += chunk?.byteLength ?? 0;
        if (bytes > maxUploadBytes) stop(tooLarge(name, ctx));
        // Past the declared size, or short of it at the end.
        if (size !== undefined && (done ? bytes !== size : bytes > size)) {
          stop(new InvalidArgumentError(`${quote(name)} gave ${bytes} bytes but its declared size is ${size}.`, ctx));
        }
        if (done) break;
        if (chunk!.byteLength) {
          loaded += chunk!.byteLength;
          report();
          yield chunk!;
        }
      }
    }
    report(true);
    yield tail;
  }
  const source = chunks();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await source.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: release,
    },
    { highWaterMark: 0 },
  );
  return [{ ...call, body }, release];
}

let requestStreams: boolean | undefined;

// Whether `fetch` here can send a ReadableStream body: not in browsers (see above), else the
// standard feature test (a streamed body sets no Content-Type, and `duplex` is read).
function streamsUploads(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return (
    !g.document &&
    !g.WorkerGlobalScope &&
    (requestStreams ??= (() => {
      let duplex = false;
      try {
        return !new Request('http://localhost/', { method: 'POST', body: new ReadableStream(), get duplex() { duplex = true; return 'half'; } } as RequestInit).headers.has('content-type') && duplex;
      } catch {
        return false;
      }
    })())
  );
}
