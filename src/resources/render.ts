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

// Wire statuses by group, the first word of each being the SDK's. Any other word reads as
// `processing` (as do `running`, `rendering`, `in_progress`), so that group needs no list.
const statusGroups = 'pending queued waiting submitted|completed complete succeeded success done finished|failed failure error errored'
  .split('|')
  .map((group) => group.split(' ') as [RenderStatus, ...string[]]);

/** A new submission id, unique per call: `render_<ms>_<random>`. */
export function newRenderId(): string {
  return `render_${Date.now()}_${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => (b + 256).toString(16).slice(1)).join('')}`;
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
    if (!isRecord(params.draft)) throw new InvalidArgumentError("draft must be a decoded Draft or the state's draft object.", { sessionId });
    const output = { format: params.format ?? 'mp4', quality: params.quality ?? 'high' };
    // The draft's own text goes in by hand: re-encoding it would round integers beyond 2^53 and
    // turn `1.0` into `1` (docs/protocol.md › Session state: send it back byte for byte). The
    // placeholder `"draft":0` cannot occur earlier: a `"` inside a JSON string is always escaped.
    const body = JSON.stringify({ id, sessionId, draft: 0, output }).replace('"draft":0', () => `"draft":${draftJson(params.draft)}`);
    // A POST: not idempotent, so never retried on 5xx or network errors.
    const raw = await this.transport.request(renderSubmitPath, { ...options, body, headers: { 'content-type': 'application/json' }, sessionId });
    return toRenderJob(raw, id, `POST ${renderSubmitPath}`, sessionId, 'pending');
  }

  /** Reads a job's status (an id kept from another process works). Retried on network errors, 408 and 5xx. */
  async retrieve(id: string, options: RenderRetrieveOptions = {}): Promise<RenderJob> {
    const path = `${renderSubmitPath}/${pathSegment(requireId(id, 'id'))}`;
    let hint: number | undefined;
    const raw = await this.transport.request(path, { ...options, onHeaders: (h) => (hint = retryAfterMs(h)) });
    return toRenderJob(raw, id, `GET ${path}`, options.sessionId, 'processing', hint);
  }

  /**
   * Polls a job until it completes: now, then every `intervalMs`, at most `maxPolls` times.
   *
   * @throws {RenderFailedError} the job failed (`renderId` names it).
   * @throws {RenderTimeoutError} still running after `maxPolls`; it may still finish: call `wait(renderId)` again.
   */
  async wait(id: string, options: RenderWaitOptions = {}): Promise<RenderJob> {
    // `id` is checked by the first poll, which is immediate.
    const intervalMs = optionalPositive(options.intervalMs, 'intervalMs', true);
    const maxPolls = optionalPositive(options.maxPolls, 'maxPolls') ?? 10;
    if (maxPolls % 1) throw new InvalidArgumentError(`maxPolls must be a positive integer, got ${maxPolls}.`);
    const { signal, sessionId } = options;
    let job: RenderJob | undefined;
    for (let poll = 0; poll < maxPolls; poll++) {
      if (job) await sleep(nextPollMs(intervalMs, job.retryAfterMs, 30_000), signal);
      // Its options are the caller's: signal and sessionId reach the call, the rest is not read.
      job = await this.retrieve(id, options);
      options.onProgress?.(job);
      if (job.status === 'completed') return job;
      if (job.status === 'failed') {
        // The reason: a string, or an object's `message`, under one of these keys.
        const r = Object(job.raw);
        const m = r.error ?? r.errorMessage ?? r.message ?? r.msg ?? r.reason;
        const reason: unknown = m?.message ?? m;
        // The reason is the server's text: redact it like every other server message.
        throw new RenderFailedError(`Render ${id} failed${typeof reason === 'string' && reason ? `: ${quote(redactText(reason))}` : ''}.`, id, { sessionId });
      }
    }
    throw new RenderTimeoutError(`Render ${id} still ${job!.status} after ${maxPolls} polls; it may yet finish: resume with render.wait(${JSON.stringify(id)}).`, id, { sessionId });
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
    // readSessionState checks `sessionId` before any request. The calls below get the caller's
    // options: only `signal` is read from them.
    const { draft } = await readSessionState(this.transport, sessionId, options);
    // isExportable is false for anything that is not a draft, `null` included.
    if (!isExportable(draft)) {
      throw new NothingToExportError(
        `Session ${sessionId} has no segment to export yet: ask the agent to build the video first.`,
        undefined,
        { sessionId },
      );
    }
    let first: string | undefined;
    for (;;) {
      const { id } = await this.create({ sessionId, draft: draft!, format: options.format, quality: options.quality }, options);
      try {
        return await this.wait(id, { ...options, sessionId });
      } catch (error) {
        if (!(error instanceof RenderFailedError)) throw error;
        if (first) throw new RenderFailedError(`Render failed twice (${first}, then ${id}): ${error.message}`, id, { sessionId, cause: error });
        first = id;
      }
    }
  }

  /**
   * Streams the rendered file. Reads `output.url` (retrieving the job first when given an id)
   * without the bearer token, since it is usually a CDN on another origin; when the url is
   * missing or that fetch fails (non-2xx, no body, network, or a page or JSON instead of the
   * video), falls back to `/api/render/proxy/<id>/download` with bearer auth (retried like any GET
   * before its first byte). When that download answers with a link (`{"code":0,"data":{"url":…}}`),
   * the link is fetched once, without the token. The `output.url` fetch is not retried: the
   * fallback is its second chance. Once the bytes flow, a broken connection errors the returned
   * stream (`downloadToFile` then leaves no file). Nothing is left listening on `signal` once the
   * stream ends, fails or is cancelled.
   *
   * @throws {APIError} (or a subclass) when the fallback fails too, or the link answers non-2xx.
   * @throws {ResponseValidationError} when the fallback (or its link) answers an HTML page, text or
   * JSON where the video was expected, or JSON without a link: a body like that is never returned.
   */
  async download(jobOrId: RenderJob | string, options: RenderDownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const { signal, sessionId } = options;
    const { fetch: userFetch, logger, timeout, baseURL } = this.transport.options;

    // GETs `url` (resolved against the API base for a link) through the client's `fetch` and
    // returns the video's bytes. No token and no custom headers go to a third party (custom headers
    // would also force a CORS preflight in browsers). The caller's signal reaches the request
    // through a controller of its own, unhooked from the caller's signal once the body settles; the
    // timeout covers the headers only. Signed URLs carry secrets in the query: messages and logs
    // name the origin and path only. For `output.url`, an answer without a body is an error too.
    const get = async (url: string, label: string, base?: string): Promise<ReadableStream<Uint8Array>> => {
      let target: URL | undefined;
      try {
        target = new URL(url, base);
      } catch {
        // not a URL: rejected below
      }
      if (!/^https?:$/.test(`${target?.protocol}`)) throw new ResponseValidationError(`The ${label} is not an http(s) URL.`, 'data.url', { sessionId });
      signal?.throwIfAborted();
      const where = `${redactText(target!.origin + target!.pathname)} (${label})`;
      const controller = new AbortController();
      const own = controller.signal;
      const onAbort = () => controller.abort(signal!.reason);
      signal?.addEventListener('abort', onAbort);
      const release = () => signal?.removeEventListener('abort', onAbort);
      // The client's `timeout` is always a positive number of ms.
      const timer = setTimeout(() => controller.abort(new TimeoutError(`GET ${where} timed out after ${timeout} ms. Raise \`timeout\` or check the network.`, { sessionId })), timeout);
      const started = Date.now();
      let response: Response;
      try {
        response = await (userFetch ?? globalThis.fetch)(target!.href, { signal: own });
      } catch (error) {
        release();
        // Aborted: the caller's reason, or the TimeoutError.
        throw own.aborted
          ? own.reason
          : new APIConnectionError(`Could not reach ${where}${error instanceof Error ? `: ${redactText(error.message)}` : ''}. Check the network.`, { sessionId, cause: error });
      } finally {
        clearTimeout(timer);
      }
      logger.debug(`GET ${where} ${response.status} ${Date.now() - started}ms`);
      // The body is piped through a stream of ours, and `release` runs once it ends (`flush`), fails
      // or is cancelled (`cancel`, where the runtime calls it; else when the pipe settles, a moment
      // later). An abort errors it with the caller's reason at once, whether or not the `fetch` in
      // use ends its body on abort, and the pipe then cancels the body (closing the connection).
      // (`Transformer.cancel` is in the Streams standard but not yet in TypeScript's DOM types.)
      const out = new TransformStream<Uint8Array, Uint8Array>({
        start: (c) =>
          own.addEventListener('abort', () => {
            release();
            c.error(own.reason);
          }),
        flush: release,
        cancel: release,
      } as Transformer<Uint8Array, Uint8Array>);
      void videoBody(response, where, sessionId, release, !base).pipeTo(out.writable, { signal: own }).then(release, release);
      return out.readable;
    };

    const job = typeof jobOrId === 'string' ? await this.retrieve(jobOrId, options) : jobOrId;
    requireId(job?.id, 'job.id');
    const url = job.output?.url;
    if (url) {
      try {
        return await get(url, 'output.url');
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // Every error `get` throws is the SDK's own, its message redacted and naming no query.
        logger.info(`falling back to the API's download: ${(error as Error).message}`);
      }
    }
    const path = `/api/render/proxy/${pathSegment(job.id)}/download`;
    const from = `GET ${path}`;
    const response = await this.transport.stream(path, options);
    if (!isJson(response)) return videoBody(response, from, sessionId);
    // A JSON answer is a link to the file (an envelope error was already thrown, typed, by the
    // transport): `data.url` of an envelope or `url` at top level, `download_url` read the same way.
    const body = Object(await response.json().catch(() => undefined));
    const data = Object('data' in body ? body.data : body);
    const link: unknown = data.url ?? data.download_url ?? data.downloadUrl;
    if (typeof link !== 'string' || !link) {
      throw new ResponseValidationError(unexpected(from, 'JSON without a link'), 'data.url', { status: response.status, sessionId });
    }
    return get(link, `link from ${from}`, baseURL);
  }
}

// A page, text or JSON is never a video: the answer of a proxy, a login wall or an error page.
const notVideo = /^\s*text\/|[/+](?:json|xml)\b/i;

const unexpected = (where: string, what: string) =>
  `${where} answered ${what}, not the video. Download again; if it persists, export again.`;

// The body of an answer that must be the video: an error status (or, when `required`, no body)
// is an APIError, a page, text or JSON a ResponseValidationError; neither is ever returned.
function videoBody(response: Response, where: string, sessionId: string | undefined, release?: () => void, required?: boolean): ReadableStream<Uint8Array> {
  const { ok, status, body } = response;
  const type = `${response.headers.get('content-type')}`; // "null" when absent: no page either
  const failed = !ok || (required && !body);
  if (failed || notVideo.test(type)) {
    release?.();
    void body?.cancel().catch(() => {});
    const message = unexpected(where, failed ? `HTTP ${status}` : isJson(response) ? 'JSON (a link is followed only once)' : type);
    const details = { status, sessionId };
    throw failed ? new APIError(message, status, details) : new ResponseValidationError(message, '', details);
  }
  return body ?? new Blob().stream();
}

async function toRenderJob(raw: unknown, id: string, where: string, sessionId: string | undefined, fallback: RenderStatus, retryAfterMs?: number): Promise<RenderJob> {
  // A submit may answer with no body at all (`data: null`): the job is then simply pending.
  const data = Object(raw) === raw ? validate((await loadSchemas()).renderJobSchema, raw, where, sessionId) : {};
  const out = data.output;
  const word = data.status?.trim().toLowerCase();
  const status = word !== undefined ? (statusGroups.find((group) => group.includes(word))?.[0] ?? 'processing') : out?.url ? 'completed' : fallback;
  return {
    id,
    status,
    progress: toNumber(data.progress),
    output: out?.url ? { url: out.url, duration: toNumber(out.duration), size: toNumber(out.size) } : undefined,
    retryAfterMs,
    raw,
  };
}
