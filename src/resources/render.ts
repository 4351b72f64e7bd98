/**
 * Render jobs (docs/protocol.md › Render): submit a draft, follow the job, fetch the file.
 * @module
 */
import { optionalPositive, pathSegment, requireId } from '../core/args.js';
import {
  APIConnectionError,
  APIError,
  InvalidArgumentError,
  NothingToExportError,
  RenderFailedError,
  RenderTimeoutError,
  ResponseValidationError,
  TimeoutError,
} from '../core/errors.js';
import { isRecord, readSessionState } from '../core/session-state.js';
import { isJson } from '../core/transport.js';
import { nextPollMs, retryAfterMs } from '../core/retry.js';
import { sleep } from '../core/sleep.js';
import type { RequestOptions } from '../core/types.js';
import { loadSchemas, toNumber, validate } from '../core/validate.js';
import { quote, renderSubmitPath } from '../core/error-map.js';
import { redactText } from '../core/redact.js';
import { draftJson, isExportable, type Draft } from '../decoders/draft.js';
import { Resource } from './resource.js';

/** Where a render job is. Unknown wire statuses read as `processing` (the wire value stays on `raw`). */
export type RenderStatus = 'pending' | 'processing' | 'completed' | 'failed';

/** The rendered file. */
export interface RenderOutput {
  url: string;
  /** Seconds. */
  duration?: number | undefined;
  /** Bytes. */
  size?: number | undefined;
}

/** A render job. `id` is the id it was submitted with (`render_…`): keep it to resume later. */
export interface RenderJob {
  id: string;
  status: RenderStatus;
  /** 0-100. */
  progress?: number | undefined;
  output?: RenderOutput | undefined;
  /** How soon the service suggests polling again, in ms, when it said so (`Retry-After`); `wait` follows it unless given `intervalMs`. */
  retryAfterMs?: number | undefined;
  raw: unknown;
}

/** What to render. */
export interface RenderCreateParams {
  sessionId: string;
  /**
   * A decoded {@link Draft} (its `raw` is sent) or the wire draft object, sent with every key it
   * has. A draft read from state goes back exactly as the service sent it.
   */
  draft: Draft | Record<string, unknown>;
  /** Submission id. Default: a new `render_<ms>_<random>`. */
  id?: string | undefined;
  format?: 'mp4' | (string & {}) | undefined;
  quality?: 'high' | (string & {}) | undefined;
}

/** Options of {@link Render.retrieve}. */
export interface RenderRetrieveOptions extends RequestOptions {
  /** The session the job belongs to, copied onto errors. */
  sessionId?: string | undefined;
}

/** Options of {@link Render.wait}. */
export interface RenderWaitOptions {
  /** Between polls. Default: the service's hint (`Retry-After`) when sooner, else 30 000 (the service's cadence). */
  intervalMs?: number | undefined;
  /** Polls before giving up with `RenderTimeoutError`; the first is immediate. Default 10. */
  maxPolls?: number | undefined;
  /** Called with the job after every poll. */
  onProgress?: ((job: RenderJob) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** The session the job belongs to, copied onto errors. */
  sessionId?: string | undefined;
}

/** Options of {@link Render.export}. */
export interface RenderExportOptions extends Omit<RenderWaitOptions, 'sessionId'> {
  format?: RenderCreateParams['format'];
  quality?: RenderCreateParams['quality'];
}

/** Options of {@link Render.download}. */
export interface RenderDownloadOptions {
  signal?: AbortSignal | undefined;
  /** The session the job belongs to, copied onto errors. */
  sessionId?: string | undefined;
}

const statusWords: Readonly<Record<string, RenderStatus>> = {
  pending: 'pending',
  queued: 'pending',
  waiting: 'pending',
  submitted: 'pending',
  processing: 'processing',
  running: 'processing',
  rendering: 'processing',
  in_progress: 'processing',
  completed: 'completed',
  complete: 'completed',
  succeeded: 'completed',
  success: 'completed',
  done: 'completed',
  finished: 'completed',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  errored: 'failed',
};

/** A new submission id, unique per call: `render_<ms>_<random>`. */
export function newRenderId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return `render_${Date.now()}_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Render jobs: submit a draft, follow it, fetch the file. */
export class Render extends Resource {
  /**
   * Submits one render of a draft, sent with every key it came with. Not retried on 5xx or
   * network errors: a second submit would render twice.
   *
   * @throws {ExportBlockedError} on 402 or 403: the plan may not export (register to unlock).
   */
  async create(params: RenderCreateParams, options: RequestOptions = {}): Promise<RenderJob> {
    const sessionId = requireId(params?.sessionId, 'sessionId');
    const id = params.id === undefined ? newRenderId() : requireId(params.id, 'id');
    if (typeof params.draft !== 'object' || params.draft === null || Array.isArray(params.draft)) {
      throw new InvalidArgumentError('draft must be the session\'s draft: a decoded Draft or the wire draft object.', { sessionId });
    }
    const path = renderSubmitPath;
    const output = { format: params.format ?? 'mp4', quality: params.quality ?? 'high' };
    // Written by hand around the draft's own text: re-encoding it would round integers beyond
    // 2^53 and turn `1.0` into `1` (docs/protocol.md › Session state: send it back byte for byte).
    const body = `{"id":${JSON.stringify(id)},"sessionId":${JSON.stringify(sessionId)},"draft":${draftJson(params.draft)},"output":${JSON.stringify(output)}}`;
    const raw = await this.transport.request(path, { ...options, body, headers: { 'content-type': 'application/json' }, idempotent: false, sessionId });
    return toRenderJob(await loadSchemas(), raw, id, `POST ${path}`, sessionId, 'pending');
  }

  /** Reads a job's status (an id kept from another process works). Retried on network errors, 408 and 5xx. */
  async retrieve(id: string, options: RenderRetrieveOptions = {}): Promise<RenderJob> {
    requireId(id, 'id');
    const path = `/api/render/proxy/lambda/${pathSegment(id)}`;
    let hint: number | undefined;
    const raw = await this.transport.request(path, { ...options, onHeaders: (h) => (hint = retryAfterMs(h)) });
    const job = toRenderJob(await loadSchemas(), raw, id, `GET ${path}`, options.sessionId, 'processing');
    if (hint !== undefined) job.retryAfterMs = hint;
    return job;
  }

  /**
   * Polls a job until it completes: now, then every `intervalMs`, at most `maxPolls` times.
   *
   * @throws {RenderFailedError} the job failed (`renderId` names it).
   * @throws {RenderTimeoutError} still running after `maxPolls`; it may still finish: call `wait(renderId)` again.
   */
  async wait(id: string, options: RenderWaitOptions = {}): Promise<RenderJob> {
    requireId(id, 'id');
    const intervalMs = optionalPositive(options.intervalMs, 'intervalMs', true);
    const maxPolls = optionalPositive(options.maxPolls, 'maxPolls') ?? 10;
    if (!Number.isInteger(maxPolls)) throw new InvalidArgumentError(`maxPolls must be a positive integer, got ${maxPolls}.`);
    const { signal, sessionId } = options;
    let job: RenderJob | undefined;
    for (let poll = 1; poll <= maxPolls; poll++) {
      if (job) await sleep(nextPollMs(intervalMs, job.retryAfterMs, 30_000), signal);
      job = await this.retrieve(id, { signal, sessionId });
      options.onProgress?.(job);
      if (job.status === 'completed') return job;
      if (job.status === 'failed') {
        const reason = failureReason(job.raw);
        // The reason is the server's text: redact it like every other server message.
        throw new RenderFailedError(`Render ${id} failed${reason ? `: ${quote(redactText(reason))}` : ''}.`, id, { sessionId });
      }
    }
    throw new RenderTimeoutError(
      `Render ${id} is still ${job?.status ?? 'running'} after ${maxPolls} polls. It may still finish: resume with render.wait(${JSON.stringify(id)}).`,
      id,
      { sessionId },
    );
  }

  /**
   * Exports a session: reads its state, submits its draft and waits for the file. A failed
   * render is submitted once more with a new id; a `RenderTimeoutError` is not (the job may still
   * finish: resume with `wait(renderId)`).
   *
   * @throws {NothingToExportError} the draft has no segment yet; nothing is submitted.
   * @throws {RenderFailedError} both renders failed; `renderId` names the second.
   * @throws {RenderTimeoutError} the render was still running after `maxPolls`.
   */
  async export(sessionId: string, options: RenderExportOptions = {}): Promise<RenderJob> {
    requireId(sessionId, 'sessionId');
    const { signal, format, quality } = options;
    const state = await readSessionState(this.transport, sessionId, { signal });
    const draft = state.draft;
    if (!draft || !isExportable(draft)) {
      throw new NothingToExportError(
        `Session ${sessionId} has nothing to export yet: its draft has no segment. Ask the agent to build the video first.`,
        undefined,
        { sessionId },
      );
    }
    const first = await this.create({ sessionId, draft, format, quality }, { signal });
    try {
      return await this.wait(first.id, { ...options, sessionId });
    } catch (error) {
      if (!(error instanceof RenderFailedError)) throw error;
      const second = await this.create({ sessionId, draft, format, quality }, { signal });
      try {
        return await this.wait(second.id, { ...options, sessionId });
      } catch (again) {
        if (!(again instanceof RenderFailedError)) throw again;
        throw new RenderFailedError(`Render failed twice (${first.id}, then ${second.id}): ${again.message}`, second.id, { sessionId, cause: again });
      }
    }
  }

  /**
   * Streams the rendered file. Reads `output.url` (retrieving the job first when given an id)
   * without the bearer token, since it is usually a CDN on another origin; when the url is
   * missing or that fetch fails (non-2xx, network, or a page or JSON instead of the video), falls
   * back to `/api/render/proxy/<id>/download` with bearer auth (retried like any GET before its
   * first byte). When that download answers with a link (`{"code":0,"data":{"url":…}}`), the link
   * is fetched once, without the token. The `output.url` fetch is not retried: the fallback is its
   * second chance. Once the bytes flow, a broken connection errors the returned stream
   * (`downloadToFile` then leaves no file). Nothing is left listening on `signal` once the stream
   * ends, fails or is cancelled.
   *
   * @throws {APIError} (or a subclass) when the fallback fails too, or the link answers non-2xx.
   * @throws {ResponseValidationError} when the fallback (or its link) answers an HTML page, text or
   * JSON where the video was expected, or JSON without a link: a body like that is never returned.
   */
  async download(jobOrId: RenderJob | string, options: RenderDownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const { signal, sessionId } = options;
    const job = typeof jobOrId === 'string' ? await this.retrieve(jobOrId, { signal, sessionId }) : jobOrId;
    requireId(job?.id, 'job.id');
    const url = job.output?.url;
    if (url) {
      const body = await this.#fromOutputUrl(url, signal);
      if (body) return body;
    }
    const path = `/api/render/proxy/${pathSegment(job.id)}/download`;
    const response = await this.transport.stream(path, { signal, sessionId });
    if (!isJson(response)) return videoBody(response, `GET ${path}`, sessionId);
    // A JSON answer is a link to the file (an envelope error was already thrown, typed, by the transport).
    const link = linkOf(await response.json().catch(() => undefined));
    if (link === undefined) {
      throw new ResponseValidationError(`GET ${path} answered JSON without a download link where the video was expected. Try again later.`, 'data.url', {
        status: response.status,
        sessionId,
      });
    }
    return this.#followLink(link, `GET ${path}`, signal, sessionId);
  }

  // `output.url`, or `undefined` to fall back to the API's download.
  async #fromOutputUrl(url: string, signal: AbortSignal | undefined): Promise<ReadableStream<Uint8Array> | undefined> {
    const target = httpUrl(url);
    if (!target) return undefined;
    const { logger } = this.transport.options;
    const where = safeWhere(target);
    let fetched: Fetched;
    try {
      fetched = await this.#plainGet(target, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      logger.info(`download from ${where} failed (${(error as Error)?.message ?? String(error)}); falling back to the API's download`);
      return undefined;
    }
    const { response } = fetched;
    const type = contentType(response);
    if (response.ok && response.body && !notVideo.test(type)) return untilSettled(response.body, fetched);
    discard(response, fetched.release);
    logger.info(`download from ${where} answered ${response.status}${notVideo.test(type) ? ` ${type}` : ''}; falling back to the API's download`);
    return undefined;
  }

  // The link a download answered with: fetched once, and it must be the video itself.
  async #followLink(link: string, from: string, signal: AbortSignal | undefined, sessionId: string | undefined): Promise<ReadableStream<Uint8Array>> {
    const target = httpUrl(link, this.transport.options.baseURL);
    if (!target) throw new ResponseValidationError(`${from} answered a download link that is not an http(s) URL.`, 'data.url', { sessionId });
    const where = `the download link ${safeWhere(target)} (from ${from})`;
    const fetched = await this.#plainGet(target, signal, sessionId);
    const { response, release } = fetched;
    if (!response.ok) {
      discard(response, release);
      throw new APIError(`${where} answered HTTP ${response.status}. The link may have expired: download again.`, response.status, {
        status: response.status,
        sessionId,
      });
    }
    if (isJson(response)) {
      discard(response, release);
      throw new ResponseValidationError(`${where} answered JSON again where the video was expected; a download link is followed only once.`, '', {
        status: response.status,
        sessionId,
      });
    }
    return videoBody(response, where, sessionId, fetched);
  }

  // A plain GET through the client's `fetch`: no token and no custom headers go to a third party
  // (custom headers would also force a CORS preflight in browsers). The caller's signal reaches
  // the request through a controller of its own, so that `release` can unhook it from the
  // caller's signal once the body settles; the timeout covers the headers only.
  async #plainGet(url: URL, signal: AbortSignal | undefined, sessionId?: string): Promise<Fetched> {
    const { fetch: userFetch, logger, timeout } = this.transport.options;
    signal?.throwIfAborted();
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);
    const where = safeWhere(url);
    const timedOut = new TimeoutError(`GET ${where} timed out after ${timeout} ms. Raise \`timeout\` or check the network.`, { sessionId });
    const timer = timeout > 0 ? setTimeout(() => controller.abort(timedOut), timeout) : undefined;
    const started = Date.now();
    try {
      const response = await (userFetch ?? globalThis.fetch)(url.href, { signal: controller.signal, redirect: 'follow' });
      logger.debug(`GET ${where} ${response.status} ${Date.now() - started}ms`);
      return { response, release, signal: controller.signal };
    } catch (error) {
      release();
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.reason === timedOut) throw timedOut;
      const detail = error instanceof Error ? `: ${redactText(error.message)}` : '';
      throw new APIConnectionError(`Could not reach ${where}${detail}. Check the network.`, { sessionId, cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

// An answer whose request stays hooked to the caller's signal until `release`. `signal` is the
// request's own: it aborts when the caller's does (or on the header timeout).
interface Fetched {
  response: Response;
  release: () => void;
  signal: AbortSignal;
}

// A page, text or JSON is never a video: the answer of a proxy, a login wall or an error page.
const notVideo = /^\s*text\/|[/+](?:json|xml)\b/i;

const contentType = (response: Response): string => response.headers.get('content-type') ?? '';

// Signed URLs carry secrets in the query: messages and logs name the origin and path only.
const safeWhere = (url: URL): string => redactText(`${url.origin}${url.pathname}`);

function httpUrl(url: string, base?: string): URL | undefined {
  try {
    const u = new URL(url, base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

// `data.url` of an envelope or `url` at top level; `download_url` is read the same way.
function linkOf(body: unknown): string | undefined {
  const data = isRecord(body) && 'data' in body ? body.data : body;
  if (!isRecord(data)) return undefined;
  const link = data.url ?? data.download_url ?? data.downloadUrl;
  return typeof link === 'string' && link !== '' ? link : undefined;
}

function discard(response: Response, release?: () => void): void {
  release?.();
  void response.body?.cancel().catch(() => {});
}

// The body of an answer that must be the video: a page, text or JSON is an error, never returned.
function videoBody(response: Response, where: string, sessionId: string | undefined, fetched?: Fetched): ReadableStream<Uint8Array> {
  const type = contentType(response);
  if (notVideo.test(type)) {
    discard(response, fetched?.release);
    throw new ResponseValidationError(`${where} answered ${type.split(';')[0]!.trim()} where the video was expected. Try again later; if it persists, export again.`, '', {
      status: response.status,
      sessionId,
    });
  }
  const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return fetched ? untilSettled(body, fetched) : body;
}

// Passes a body through, unhooking the fetch from the caller's signal once the body ends, fails
// or is cancelled. An abort errors it with the caller's reason at once, whether or not the
// `fetch` in use ends its body on abort.
function untilSettled(body: ReadableStream<Uint8Array>, fetched: Fetched): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let settled = false;
  const settle = () => {
    settled = true;
    fetched.release();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const { signal } = fetched;
        signal.addEventListener(
          'abort',
          () => {
            if (settled) return;
            settle();
            controller.error(signal.reason);
            void reader.cancel(signal.reason).catch(() => {});
          },
          { once: true },
        );
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (settled) return;
          if (done) {
            settle();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          if (settled) return;
          settle();
          controller.error(error);
        }
      },
      cancel(reason) {
        settle();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function toRenderJob(schemas: Awaited<ReturnType<typeof loadSchemas>>, raw: unknown, id: string, where: string, sessionId: string | undefined, fallback: RenderStatus): RenderJob {
  // A submit may answer with no body at all: the job is then simply pending.
  const data = typeof raw === 'object' && raw !== null ? validate(schemas.renderJobSchema, raw, where, sessionId) : {};
  const out = data.output;
  const url = typeof out?.url === 'string' && out.url !== '' ? out.url : undefined;
  const word = typeof data.status === 'string' ? data.status.trim().toLowerCase() : undefined;
  const status = word !== undefined ? (statusWords[word] ?? 'processing') : url !== undefined ? 'completed' : fallback;
  return {
    id,
    status,
    progress: toNumber(data.progress),
    output: url === undefined ? undefined : { url, duration: toNumber(out?.duration), size: toNumber(out?.size) },
    raw,
  };
}

function failureReason(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const m = r.error ?? r.errorMessage ?? r.message ?? r.msg ?? r.reason;
  if (typeof m === 'string') return m;
  if (typeof m === 'object' && m !== null && typeof (m as { message?: unknown }).message === 'string') return (m as { message: string }).message;
  return undefined;
}
