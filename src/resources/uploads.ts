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

/** MIME type of each accepted extension (docs/protocol.md › Upload). */
export const uploadMimeTypes: Readonly<Record<string, string>> = {
  mp4: 'video/mp4', mov: 'video/quicktime', avi: 'video/x-msvideo', webm: 'video/webm', mkv: 'video/x-matroska',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
  mp3: 'audio/mpeg', wav: 'audio/wav', m4a: 'audio/mp4', aac: 'audio/aac',
};

// MIME aliases seen in the wild, each mapped to an accepted extension.
const mimeAliases: Readonly<Record<string, string>> = {
  'video/avi': 'avi', 'video/msvideo': 'avi', 'audio/mp3': 'mp3', 'audio/x-wav': 'wav', 'audio/wave': 'wav',
  'audio/vnd.wave': 'wav', 'audio/x-m4a': 'm4a', 'audio/m4a': 'm4a', 'audio/x-aac': 'aac', 'image/jpg': 'jpg', 'image/pjpeg': 'jpg',
};

const extensionOf = (name: string) => /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();

/** The MIME type for a file name's extension, `application/octet-stream` when unknown. */
export function mimeTypeOf(name: string): string {
  const ext = extensionOf(name);
  return (ext !== undefined && uploadMimeTypes[ext]) || 'application/octet-stream';
}

// The accepted extension a MIME type stands for, if any.
function extensionOfMime(mime: string | undefined): string | undefined {
  const m = (mime ?? '').split(';')[0]!.trim().toLowerCase();
  return mimeAliases[m] ?? Object.keys(uploadMimeTypes).find((ext) => uploadMimeTypes[ext] === m);
}

const chunkBytes = 1 << 20;

// A request body and its hooks: release the sources on failure; report the end when sent.
interface Body {
  call: CallOptions;
  /** Cancels the sources; resolves once they are released (files closed). */
  release?: (reason: unknown) => Promise<void>;
  sent?: () => void;
}

// The upload's time limit (`uploadTimeoutMs`), counted from the start of the call.
interface Limit {
  timeoutMs: number;
  deadline: number | undefined;
}

const timedOut = (limit: Limit, sessionId: string) =>
  new TimeoutError(`Upload to session ${sessionId} timed out after ${limit.timeoutMs} ms. Raise \`uploadTimeoutMs\`.`, { sessionId });

// One file, checked and ready to stream.
interface Part {
  name: string;
  type: string;
  size: number | undefined;
  data: UploadData;
  open(): ReadableStream<Uint8Array>;
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
    const files = list(params?.files, 'files');
    const urls = list(params?.urls, 'urls');
    if (files.length > 0 && urls.length > 0) {
      throw new InvalidArgumentError('Pass files or urls, not both: they are separate requests. Call uploads.create() once for each.', { sessionId });
    }
    if (files.length === 0 && urls.length === 0) throw new InvalidArgumentError('Nothing to upload: pass at least one file or URL.', { sessionId });
    const timeoutMs = optionalPositive(options.uploadTimeoutMs, 'uploadTimeoutMs', true) ?? 0;
    const limit = { timeoutMs, deadline: timeoutMs > 0 ? Date.now() + timeoutMs : undefined };
    const path = `/api/upload-video/nemo_agent/me/${pathSegment(sessionId)}`;
    options.signal?.throwIfAborted();
    if (urls.length > 0) {
      const checked = urls.map((u) => checkUrl(u, sessionId));
      return this.#send(path, sessionId, options, limit, () => ({ call: { json: { urls: checked, source_type: 'url' } } }), []);
    }
    const checked = files.map((input, i) => toPart(input, i, sessionId));
    // A stream of unknown size is read up to its first bytes before the request starts: an
    // empty one is refused with nothing sent. (Where uploads cannot stream, multipart refuses streams.)
    const parts = streamsUploads() ? await peekStreams(checked, options.signal, limit, sessionId) : checked;
    const send = () => this.#send(path, sessionId, options, limit, (fail) => multipart(parts, options.onProgress, fail, sessionId), parts.map((p) => p.name));
    try {
      return await send();
    } catch (error) {
      // A 429, or a 1001 after which the SDK renewed its own token, means the server refused the
      // upload: send it once more when every source can be read again (no one-shot stream).
      // A wait longer than `maxRetryAfterMs` is the caller's to decide, as for every other call.
      const refused =
        (error instanceof RateLimitError && error.retryAfterMs <= this.transport.options.maxRetryAfterMs) ||
        (error instanceof AuthenticationError && !this.transport.options.tokens.userSupplied);
      if (!refused || parts.some((p) => isStream(p.data))) throw error;
      if (error instanceof RateLimitError) await sleep(error.retryAfterMs, options.signal);
      return send();
    }
  }

  async #send(
    path: string,
    sessionId: string,
    options: UploadCreateOptions,
    limit: Limit,
    build: (fail: (error: unknown) => void) => Body,
    names: string[],
  ): Promise<UploadResult> {
    // One signal for the caller's abort, the upload limit and failures found while streaming:
    // the transport rethrows its reason, so each surfaces as its own error.
    const controller = new AbortController();
    const { call, release, sent } = build((error) => controller.abort(error));
    // Whatever fetch does with the body on abort, the sources (open files) are released here.
    controller.signal.addEventListener('abort', () => void release?.(controller.signal.reason), { once: true });
    const user = options.signal;
    const onAbort = () => controller.abort(user?.reason);
    user?.addEventListener('abort', onAbort, { once: true });
    const timer = limit.deadline !== undefined ? setTimeout(() => controller.abort(timedOut(limit, sessionId)), Math.max(0, limit.deadline - Date.now())) : undefined;
    try {
      const raw = await this.transport.request(path, {
        ...call,
        method: 'POST',
        signal: controller.signal,
        sessionId,
        timeout: 0,
        idempotent: false,
      });
      sent?.();
      const data = validate((await loadSchemas()).uploadSchema, raw, `POST ${path}`, sessionId);
      return {
        files: (data.files ?? []).map((f, i) => ({
          filename: f.filename ?? names[i] ?? '',
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
    } catch (error) {
      // The sources (open files) are closed before the call settles: nothing is left open after it.
      await release?.(error);
      throw error;
    } finally {
      clearTimeout(timer);
      user?.removeEventListener('abort', onAbort);
    }
  }
}

function list<T>(value: readonly T[] | undefined, name: string): readonly T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${name} must be an array, got ${typeof value}.`);
  return value;
}

function checkUrl(value: unknown, sessionId: string): string {
  if (typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
  throw new InvalidArgumentError(`Upload URLs must be http(s) URLs, got ${JSON.stringify(value)}.`, { sessionId });
}

const isStream = (v: unknown): v is ReadableStream<Uint8Array> => typeof (v as ReadableStream | null)?.getReader === 'function';

function toPart(input: UploadInput, index: number, sessionId: string): Part {
  const where = `files[${index}]`;
  const isBlob = input instanceof Blob;
  const file: Partial<UploadFile> = isBlob ? { data: input, name: (input as Partial<File>).name, type: input.type } : (input ?? {});
  const { data } = file;
  if (!(data instanceof Blob || data instanceof Uint8Array || isStream(data))) {
    throw new InvalidArgumentError(`${where}: pass a Blob/File or { data: Blob | Uint8Array | ReadableStream, name }.`, { sessionId });
  }
  if (isStream(data) && data.locked) throw new InvalidArgumentError(`${where}: the stream is already being read.`, { sessionId });
  const declared = data instanceof Blob ? data.size : data instanceof Uint8Array ? data.byteLength : file.size;
  if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) {
    throw new InvalidArgumentError(`${where}: size must be a non-negative integer, got ${String(declared)}.`, { sessionId });
  }
  const mimeExt = extensionOfMime(file.type);
  // A bare Blob has no name: name it after its MIME type (checked just below).
  const name = typeof file.name === 'string' && file.name !== '' ? file.name : isBlob ? `upload${mimeExt ? `.${mimeExt}` : ''}` : undefined;
  if (name === undefined) throw new InvalidArgumentError(`${where}: name must be a non-empty string (its extension gives the type).`, { sessionId });
  // Same rule as the backend: the extension decides; without one, the MIME type does.
  const ext = extensionOf(name);
  if (ext !== undefined ? !supportedExtensions.includes(ext) : mimeExt === undefined) {
    throw new UnsupportedFileTypeError(
      `Unsupported file type: ${JSON.stringify(name)}${file.type ? ` (${file.type})` : ''}. Accepted: ${supportedExtensions.join(', ')}.`,
      supportedExtensions,
      { sessionId },
    );
  }
  if (declared !== undefined && declared > maxUploadBytes) throw tooLarge(name, declared, sessionId);
  if (declared === 0) throw empty(where, name, sessionId);
  const type = file.type || mimeTypeOf(name);
  const open = () => (data instanceof Blob ? data.stream() : data instanceof Uint8Array ? bytesStream(data) : data);
  return { name, type, size: declared, data, open };
}

function tooLarge(name: string, size: number | undefined, sessionId: string): FileTooLargeError {
  const mb = (n: number) => `${Math.round(n / 1_048_576)} MB`;
  const what = size === undefined ? `over ${mb(maxUploadBytes)}` : `${mb(size)}`;
  return new FileTooLargeError(`File too large: ${JSON.stringify(name)} is ${what}; the limit is 500 MB. Compress or trim it.`, maxUploadBytes, { sessionId });
}

function empty(where: string, name: string, sessionId: string): InvalidArgumentError {
  return new InvalidArgumentError(`${where} (${JSON.stringify(name)}) is empty: 0 bytes. Nothing was sent; pick the file again.`, { sessionId });
}

/**
 * Reads each stream of unknown size up to its first non-empty chunk, so an empty stream is
 * refused before the request starts; the part then streams that chunk and the rest. On any
 * failure (an empty stream, an abort, the time limit) every stream read so far is cancelled.
 */
async function peekStreams(parts: Part[], signal: AbortSignal | undefined, limit: Limit, sessionId: string): Promise<Part[]> {
  if (!parts.some((p) => isStream(p.data) && p.size === undefined)) return parts;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = limit.deadline !== undefined ? setTimeout(() => controller.abort(timedOut(limit, sessionId)), Math.max(0, limit.deadline - Date.now())) : undefined;
  const peeked: Part[] = [];
  try {
    for (const [i, part] of parts.entries()) {
      peeked.push(isStream(part.data) && part.size === undefined ? await peek(part, `files[${i}]`, controller.signal, sessionId) : part);
    }
    return peeked;
  } catch (error) {
    for (const part of parts.slice(peeked.length + 1)) if (isStream(part.data)) await part.data.cancel(error).catch(() => {});
    for (const part of peeked) if (isStream(part.data)) await part.open().cancel(error).catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

// One stream's first non-empty chunk, put back in front of the rest.
async function peek(part: Part, where: string, signal: AbortSignal, sessionId: string): Promise<Part> {
  const reader = (part.data as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) throw empty(where, part.name, sessionId);
      // A chunk of the wrong kind is left for the body to refuse with its own message.
      if (!ArrayBuffer.isView(value) || value.byteLength > 0) {
        const stream = prepend(value, reader);
        return { ...part, open: () => stream };
      }
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// `first`, then what `reader` has left; cancelling it cancels the source.
function prepend(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  let head: Uint8Array | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (head !== undefined) {
          controller.enqueue(head);
          head = undefined;
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

// Bytes already in memory, handed out in slices (views, not copies) so progress moves.
function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, (offset += chunkBytes)));
    },
  });
}

// RFC 7578 names, escaped as browsers do (WHATWG HTML › multipart/form-data encoding).
const quote = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

function randomBoundary(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return `----nemovideo${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The multipart body as a pull-based stream: each part's header, then its source read one chunk
 * per pull, then the closing boundary. The body queues nothing itself (highWaterMark 0): a chunk
 * is taken from the source when fetch asks for it, so progress counts the bytes handed to fetch,
 * and memory stays flat whatever the file size. Reading ahead is the source's own: a
 * `fileFromPath` file reads up to 1.5 MiB ahead, so disk reads overlap sending.
 */
function multipart(parts: Part[], onProgress: UploadCreateOptions['onProgress'], fail: (error: unknown) => void, sessionId: string): Body {
  const encoder = new TextEncoder();
  const boundary = randomBoundary();
  const heads = parts.map((p, i) =>
    encoder.encode(`${i > 0 ? '\r\n' : ''}--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${quote(p.name)}"\r\nContent-Type: ${p.type}\r\n\r\n`),
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const sizes = parts.map((p) => p.size);
  const total = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, s) => a + s!, 0) : undefined;
  const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  if (total !== undefined) headers['content-length'] = String(total + heads.reduce((a, h) => a + h.byteLength, 0) + tail.byteLength);
  // `redirect: 'error'`: following a redirect makes fetch keep a copy of the whole body (docs/performance.md).
  const call = { headers, redirect: 'error', noRetry: true } as const;
  if (!streamsUploads()) {
    // Browsers cannot stream a request body over HTTP/1.1 (Chromium needs HTTP/2, Firefox and
    // Safari never do): send one Blob made of the files' own Blobs, which the browser reads from disk.
    if (parts.some((p) => isStream(p.data))) throw new InvalidArgumentError('This runtime cannot stream an upload: pass the file as a Blob or File.', { sessionId });
    onProgress?.({ loaded: 0, total });
    const body = new Blob([...parts.flatMap((p, i) => [heads[i]!, p.data as Blob | Uint8Array<ArrayBuffer>]), tail]);
    return { call: { ...call, body }, sent: () => onProgress?.({ loaded: total!, total }) };
  }
  const step = total === undefined ? chunkBytes : Math.max(1, Math.min(chunkBytes, Math.floor(total / 100)));
  let loaded = 0;
  let reported = -1;
  const report = (force: boolean) => {
    if (!onProgress || (!force && loaded - reported < step) || loaded === reported) return;
    reported = loaded;
    onProgress({ loaded, total });
  };
  let index = -1;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let partBytes = 0;
  let released: { reason: unknown } | undefined;
  const throwIfReleased = () => {
    if (released) throw released.reason;
  };
  const stop = (error: unknown): never => {
    fail(error);
    throw error;
  };
  // Cancels the source being read and every one not reached yet; later pulls fail. Runs once:
  // every caller gets the same promise.
  let releasing: Promise<void> | undefined;
  const release = (reason: unknown): Promise<void> =>
    (releasing ??= (async () => {
      released = { reason };
      const current = reader;
      reader = undefined;
      await current?.cancel(reason).catch(() => {});
      for (const part of parts.slice(index + 1)) await part.open().cancel(reason).catch(() => {});
    })());
  const body = new ReadableStream<Uint8Array>({
    start() {
      report(true);
    },
    async pull(controller) {
      for (;;) {
        throwIfReleased();
        if (reader === undefined) {
          index++;
          const part = parts[index];
          if (part === undefined) {
            controller.enqueue(tail);
            controller.close();
            return report(true);
          }
          reader = part.open().getReader();
          partBytes = 0;
          return controller.enqueue(heads[index]!);
        }
        const part = parts[index]!;
        // A source that fails (a file changed on disk, a stream's own error) rejects the upload
        // with its error, not as a failed connection.
        const { done, value } = await reader.read().catch((error: unknown) => (throwIfReleased(), stop(error)));
        throwIfReleased();
        if (done) {
          reader = undefined;
          if (part.size !== undefined && partBytes !== part.size) {
            stop(new InvalidArgumentError(`${JSON.stringify(part.name)} gave ${partBytes} bytes but its declared size is ${part.size}.`, { sessionId }));
          }
          continue;
        }
        const chunk: Uint8Array = ArrayBuffer.isView(value)
          ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
          : stop(new InvalidArgumentError(`${JSON.stringify(part.name)}: stream chunks must be Uint8Array.`, { sessionId }));
        if (chunk.byteLength === 0) continue;
        partBytes += chunk.byteLength;
        if (partBytes > maxUploadBytes) stop(tooLarge(part.name, undefined, sessionId));
        if (part.size !== undefined && partBytes > part.size) {
          stop(new InvalidArgumentError(`${JSON.stringify(part.name)} gave more bytes than its declared size ${part.size}.`, { sessionId }));
        }
        loaded += chunk.byteLength;
        controller.enqueue(chunk);
        return report(false);
      }
    },
    cancel: release,
  }, { highWaterMark: 0 });
  return { call: { ...call, body }, release };
}

let requestStreams: boolean | undefined;

// Whether `fetch` here can send a ReadableStream body: not in browsers (see above), else the
// standard feature test (a streamed body sets no Content-Type, and `duplex` is read).
function streamsUploads(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  if (g.document !== undefined || g.WorkerGlobalScope !== undefined) return false;
  if (requestStreams === undefined) {
    let duplex = false;
    try {
      const probe = new Request('http://localhost/', { method: 'POST', body: new ReadableStream(), get duplex() { duplex = true; return 'half'; } } as RequestInit);
      requestStreams = duplex && !probe.headers.has('content-type');
    } catch {
      requestStreams = false;
    }
  }
  return requestStreams;
}
