/**
 * The one transport core: a single ky instance per client whose hooks add auth and attribution,
 * unwrap the `{code, data}` envelope, apply the retry rules and map every failure to a typed
 * error. Resources call {@link Transport.request} (JSON) or {@link Transport.stream} (SSE, files).
 * @module
 */
import type { HTTPError, KyInstance, NetworkError, Options } from 'ky';
import { envelopeCode, errorFromResponse, quote } from './error-map.js';
import { redactText } from './redact.js';
import { APIConnectionError, NemoVideoError, ResponseValidationError, TimeoutError } from './errors.js';
import type { TokenManager } from './auth.js';
import type { Logger } from './logger.js';
import { backoffDelay, defaultRateLimitWaitMs, isRetryableHttpStatus, retryAfterMs } from './retry.js';
import type { RequestOptions } from './types.js';

/** Attribution sent on every request (docs/protocol.md › Headers). */
export interface Attribution {
  /** `X-Skill-Source`: the integration's name. */
  source: string;
  /** `X-Skill-Version`: the integration's version. */
  version: string;
  /** `X-Skill-Platform`: `clawhub`, `cursor` or `unknown`. */
  platform: string;
}

/** What the transport is built from; resolved by the client. */
export interface TransportOptions {
  /** API base. */
  baseURL: string;
  /** Web app base (links). */
  webURL: string;
  /** Per-request timeout in ms. */
  timeout: number;
  /** Retries of idempotent calls. */
  maxRetries: number;
  /** The longest `Retry-After` the SDK waits out before a replay; a longer one throws `RateLimitError` at once. */
  maxRetryAfterMs: number;
  /** The user's `fetch`, or `undefined` for `globalThis.fetch` at each call. */
  fetch: typeof globalThis.fetch | undefined;
  /** Attribution headers. */
  attribution: Attribution;
  /** Where log lines go. */
  logger: Logger;
  /** The token lifecycle. */
  tokens: TokenManager;
}

/** One call's shape. JSON calls are `GET` unless they carry a body. */
export interface CallOptions extends RequestOptions {
  method?: 'GET' | 'POST';
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** Safe to repeat on 408/5xx/network errors. Default: true for GET, false otherwise. */
  idempotent?: boolean;
  /** Send the bearer token. Default true. */
  auth?: boolean;
  /** Never retry, not even on 429 or 1001 (streamed uploads cannot be replayed). */
  noRetry?: boolean;
  /** The session the call belongs to, copied onto errors. */
  sessionId?: string | undefined;
  redirect?: RequestInit['redirect'];
  /** Parses a JSON body's text instead of `JSON.parse` (e.g. to keep a field's exact text). */
  parse?: ((text: string) => unknown) | undefined;
  /** Sees the headers of the successful answer (e.g. a poll hint in `Retry-After`). */
  onHeaders?: ((headers: Headers) => void) | undefined;
}

// Per-call state shared by the hooks through ky's `context`.
interface CallState {
  path: string;
  method: string;
  options: CallOptions;
  idempotent: boolean;
  timeoutMs: number;
  token?: string | undefined;
  /** The wait before the next retry when the server set it (Retry-After) or none is due (refresh). */
  delayMs: number | undefined;
  started: number;
  rateLimited: boolean;
  refreshed: boolean;
  retries: number;
}

const contextKey = 'nemovideoCall';
// The call options handed to ky as they are.
const passedThrough = ['json', 'body', 'headers', 'signal', 'redirect'] as const;
const stateOf = (options: { context: Record<string, unknown> }) => options.context[contextKey] as CallState;

// ky's error classes by name, as its own guards do (works across copies of ky).
const isHTTPError = (e: unknown): e is HTTPError => (e as Error | undefined)?.name === 'HTTPError';
const isNetworkError = (e: unknown): e is NetworkError => (e as Error | undefined)?.name === 'NetworkError';
const isTimeoutError = (e: unknown): boolean => (e as Error | undefined)?.name === 'TimeoutError' && !(e instanceof NemoVideoError);

/** The HTTP core shared by all resources of one client. */
export class Transport {
  readonly options: TransportOptions;
  #ky: Promise<KyInstance> | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  // ky is loaded on the first call, not at import: Node builds its fetch machinery when ky loads
  // (about 30 ms, docs/performance.md), which a cold `import('nemovideo')` then does not pay.
  #client(): Promise<KyInstance> {
    return (this.#ky ??= import('ky').then(({ default: ky }) => this.#create(ky)));
  }

  #create(ky: KyInstance): KyInstance {
    const { options } = this;
    const userFetch = options.fetch;
    const authorize = ({ request, options: o }: { request: Request; options: { context: Record<string, unknown> } }) => this.#authorize(request, stateOf(o));
    return ky.create({
      baseUrl: options.baseURL.endsWith('/') ? options.baseURL : `${options.baseURL}/`,
      // Called unbound: a stored `window.fetch` called as a method throws "Illegal invocation"
      // (docs/performance.md). Read `globalThis.fetch` per call so later patches (msw) are honoured.
      fetch: (input, init) => (userFetch ?? globalThis.fetch)(input, init),
      // X-Skill-Source, X-Skill-Version, X-Skill-Platform.
      headers: Object.fromEntries(Object.entries(options.attribution).map(([key, value]) => [`x-skill-${key}`, value])),
      throwHttpErrors: true,
      // No afterResponse hook: ky clones every response for each one, which doubled the cost of
      // a JSON call (bench/request-overhead). Bodies are read once, in `request`.
      hooks: {
        beforeRequest: [authorize],
        beforeRetry: [authorize],
        beforeError: [({ error, options: o }) => this.#toTypedError(error, stateOf(o))],
      },
    });
  }

  /** Sends a JSON call and returns the unwrapped `data` (or the top-level answer when there is no envelope). */
  async request(path: string, options: CallOptions = {}): Promise<unknown> {
    const state = this.#state(path, options);
    for (;;) {
      const response = await this.#send(state);
      const body = await readBody(response, state);
      if (await this.#replayAfterEnvelopeError(response, body, state)) continue;
      if (typeof body !== 'object' || body === null) {
        throw new ResponseValidationError(`Expected a JSON object from ${state.method} ${path}, got ${body === undefined ? 'an empty body' : typeof body}.`, '', {
          status: response.status,
          sessionId: options.sessionId,
        });
      }
      options.onHeaders?.(response.headers);
      return 'code' in body && 'data' in body ? (body as { data: unknown }).data : body;
    }
  }

  /**
   * Sends a call whose successful body is a stream (SSE, a file) and returns the response with
   * its body unread. Error answers are mapped as for {@link request}. No timeout applies after
   * the headers: the caller watches the stream.
   */
  async stream(path: string, options: CallOptions = {}): Promise<Response> {
    const state = this.#state(path, options);
    for (;;) {
      const response = await this.#send(state);
      if (!isJson(response)) return response;
      // A JSON answer to a streaming call carries an envelope (usually an error).
      const body = await readBody(response, state);
      if (await this.#replayAfterEnvelopeError(response, body, state)) continue;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    }
  }

  #state(path: string, options: CallOptions): CallState {
    const method = options.method ?? (options.json !== undefined || options.body !== undefined ? 'POST' : 'GET');
    return {
      path,
      method,
      options,
      idempotent: options.idempotent ?? method === 'GET',
      timeoutMs: options.timeout ?? this.options.timeout,
      started: 0,
      rateLimited: false,
      refreshed: false,
      retries: 0,
      delayMs: undefined,
    };
  }

  async #send(state: CallState): Promise<Response> {
    const { options } = state;
    options.signal?.throwIfAborted();
    try {
      const ky = await this.#client();
      const init: Options = {
        method: state.method,
        timeout: state.timeoutMs > 0 ? state.timeoutMs : false,
        context: { [contextKey]: state },
        retry: {
          // Room for the normal retries plus one 429 wait and one token refresh.
          limit: options.noRetry ? 0 : this.options.maxRetries + 2,
          methods: ['get', 'post'],
          statusCodes: [],
          backoffLimit: Number.POSITIVE_INFINITY,
          delay: (attempt) => state.delayMs ?? backoffDelay(attempt),
          // Full jitter on backoff; a wait the server asked for (Retry-After) is kept exact.
          jitter: (ms) => (state.delayMs === undefined ? Math.random() * ms : ms),
          shouldRetry: ({ error }) => this.#shouldRetry(error, state),
        },
      };
      // Only set keys: an explicit `undefined` would replace the instance's defaults (headers).
      for (const key of passedThrough) if (options[key] !== undefined) (init as Record<string, unknown>)[key] = options[key];
      const response = await ky(state.path.replace(/^\//, ''), init);
      this.#log(state, response.status);
      return response;
    } catch (error) {
      // An abort is the caller's: rethrow its reason untouched.
      if (options.signal?.aborted) throw options.signal.reason;
      throw error;
    }
  }

  // The retry rules (docs/errors.md), for one failed attempt.
  async #shouldRetry(error: Error, state: CallState): Promise<boolean> {
    const status = isHTTPError(error) ? error.response.status : undefined;
    state.delayMs = undefined;
    let retry = false;
    if (status === 429) {
      const waitMs = retryAfterMs((error as HTTPError).response.headers) ?? defaultRateLimitWaitMs;
      // A wait longer than the ceiling is the caller's to decide: RateLimitError now, with `retryAfterMs`.
      retry = !state.rateLimited && waitMs <= this.options.maxRetryAfterMs;
      state.rateLimited = true;
      state.delayMs = waitMs;
    } else if (status === 401 || (status !== undefined && envelopeCode((error as HTTPError).data) === 1001)) {
      retry = await this.#refresh(state);
      state.delayMs = 0;
    } else if (state.idempotent && state.retries < this.options.maxRetries) {
      retry = status === undefined ? isNetworkError(error) : isRetryableHttpStatus(status);
      if (retry) state.retries++;
    }
    this.#log(state, status ?? 'network error', retry ? `retrying in ${Math.round(state.delayMs ?? 0) || 'backoff'} ms` : undefined);
    return retry;
  }

  // 1001 with a token the SDK acquired: one new token (single flight in TokenManager), one replay.
  async #refresh(state: CallState): Promise<boolean> {
    const { tokens, logger } = this.options;
    if (state.options.auth === false || tokens.userSupplied || state.refreshed) return false;
    state.refreshed = true;
    // A streamed upload cannot be replayed, but the next call must not meet the same dead token.
    const replay = !state.options.noRetry;
    const call = `${state.method} ${state.path}`;
    logger.info(`token expired (1001); acquiring a new anonymous token ${replay ? `and replaying ${call} once` : `for the next call (${call} is not replayed)`}`);
    const renewal = tokens.refresh(state.token);
    await (replay ? renewal : renewal.catch(() => {}));
    return replay;
  }

  // An envelope error in a 2xx answer: replay once after a 1001 refresh, else throw it typed.
  async #replayAfterEnvelopeError(response: Response, body: unknown, state: CallState): Promise<boolean> {
    const code = envelopeCode(body);
    if (code === undefined) return false;
    if (code === 1001 && (await this.#refresh(state))) return true;
    throw this.#mapResponse(response.status, body, response.headers, state);
  }

  #log(state: CallState, status: number | string, note?: string): void {
    this.options.logger.debug(`${state.method} ${state.path} ${status} ${Date.now() - state.started}ms${note ? ` (${note})` : ''}`);
  }

  async #authorize(request: Request, state: CallState): Promise<void> {
    state.started = Date.now();
    if (state.options.auth === false) return;
    state.token = await this.options.tokens.token();
    request.headers.set('authorization', `Bearer ${state.token}`);
  }

  #mapResponse(status: number, body: unknown, headers: Headers, state: CallState) {
    const { webURL, tokens } = this.options;
    return errorFromResponse(status, body, headers, { webURL, userId: tokens.userId, sessionId: state.options.sessionId, path: state.path });
  }

  #toTypedError(error: Error, state: CallState): Error {
    if (error instanceof NemoVideoError) return error;
    const sessionId = state.options.sessionId;
    if (isHTTPError(error)) {
      const { response } = error;
      const body = error.data;
      return this.#mapResponse(response.status, body, response.headers, state);
    }
    if (isTimeoutError(error)) {
      return new TimeoutError(`${state.method} ${state.path} timed out after ${state.timeoutMs} ms. Raise \`timeout\` or check the network.`, { sessionId });
    }
    const cause = isNetworkError(error) ? error.cause : error;
    const detail = cause instanceof Error ? `: ${quote(redactText(cause.message))}` : '';
    return new APIConnectionError(`Could not reach ${this.options.baseURL} (${state.method} ${state.path})${detail}. Check the network and \`baseURL\`.`, {
      sessionId,
      cause,
    });
  }
}

// Not JSON: the text itself, which the caller reports (validation error, or API error with the text).
function parseBody(text: string, parse: (text: string) => unknown = JSON.parse): unknown {
  if (text === '') return undefined;
  try {
    return parse(text);
  } catch {
    return text;
  }
}

/** Whether a response says its body is JSON (`application/json`, `…+json`). */
export function isJson(response: Response): boolean {
  return /[/+]json\b/i.test(response.headers.get('content-type') ?? '');
}

// Reads a body within what is left of the call's timeout, so a server that trickles its body past
// the deadline fails with TimeoutError instead of hanging. It reads through its own reader so the
// deadline can cancel it: that closes the connection (a body locked by `text()` cannot be).
async function readBody(response: Response, state: CallState): Promise<unknown> {
  const body = response.body;
  if (body === null) return undefined;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const left = state.timeoutMs > 0 ? state.timeoutMs - (Date.now() - state.started) : Number.POSITIVE_INFINITY;
  let timedOut = false;
  const timer = Number.isFinite(left)
    ? setTimeout(() => {
        timedOut = true;
        void reader.cancel().catch(() => {});
      }, Math.max(0, left))
    : undefined;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    text += decoder.decode();
  } catch (error) {
    if (state.options.signal?.aborted) throw state.options.signal.reason;
    if (!timedOut) {
      throw new APIConnectionError(`The connection closed while reading the answer to ${state.method} ${state.path}. Try again.`, {
        sessionId: state.options.sessionId,
        cause: error,
      });
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    throw new TimeoutError(`${state.method} ${state.path} timed out after ${state.timeoutMs} ms while reading the answer.`, { sessionId: state.options.sessionId });
  }
  return parseBody(text, state.options.parse);
}
