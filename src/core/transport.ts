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

// Per-call state shared by the hooks through ky's `context`. Short keys: property names are
// not shortened by minifiers, and these are read all over this module.
interface CallState {
  /** The path. */
  p: string;
  /** The method. */
  m: string;
  /** The call's options. */
  o: CallOptions;
  /** The timeout in ms (0: none). */
  t: number;
  /** The token sent. */
  k?: string | undefined;
  /** The wait before the next retry when the server set it (Retry-After) or none is due (refresh). */
  d?: number | undefined;
  /** When the current attempt started. */
  s: number;
  /** A 429 was met (only one is waited out). */
  r?: boolean;
  /** The token was renewed (only once). */
  f?: boolean;
  /** Retries spent on 408/5xx/network errors. */
  n: number;
}

// The call options handed to ky as they are.
const passedThrough = ['json', 'body', 'headers', 'signal', 'redirect'] as const;
// The state rides in ky's `context` under `c` (a nested object: ky copies the context shallowly).
const stateOf = (options: { context: Record<string, unknown> }) => options.context.c as CallState;

// ky's error classes by name, as its own guards do (works across copies of ky).
const isHTTPError = (e: unknown): e is HTTPError => (e as Error | undefined)?.name === 'HTTPError';
const isNetworkError = (e: unknown): e is NetworkError => (e as Error | undefined)?.name === 'NetworkError';

/** The HTTP core shared by all resources of one client. */
export class Transport {
  declare readonly options: TransportOptions;
  #ky: Promise<KyInstance> | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  // ky is loaded on the first call, not at import: Node builds its fetch machinery when ky loads
  // (about 30 ms, docs/performance.md), which a cold `import('nemovideo')` then does not pay.
  #client(): Promise<KyInstance> {
    return (this.#ky ??= import('ky').then(({ default: ky }) => {
      const { options } = this;
      const authorize = ({ request, options: o }: { request: Request; options: { context: Record<string, unknown> } }) => this.#authorize(request, stateOf(o));
      // ky throws HTTPError on non-2xx answers by default (`throwHttpErrors`).
      return ky.create({
        baseUrl: options.baseURL.replace(/\/?$/, '/'),
        // Called unbound: a stored `window.fetch` called as a method throws "Illegal invocation"
        // (docs/performance.md). Read `globalThis.fetch` per call so later patches (msw) are honoured.
        fetch: (input, init) => (options.fetch ?? globalThis.fetch)(input, init),
        // X-Skill-Source, X-Skill-Version, X-Skill-Platform.
        headers: Object.fromEntries(Object.entries(options.attribution).map(([key, value]) => [`x-skill-${key}`, value])),
        // No afterResponse hook: ky clones every response for each one, which doubled the cost of
        // a JSON call (bench/request-overhead). Bodies are read once, in `#call`.
        hooks: {
          beforeRequest: [authorize],
          beforeRetry: [authorize],
          beforeError: [({ error, options: o }) => this.#toTypedError(error, stateOf(o))],
        },
      });
    }));
  }

  /** Sends a JSON call and returns the unwrapped `data` (or the top-level answer when there is no envelope). */
  request(path: string, options?: CallOptions): Promise<unknown> {
    return this.#call(path, options);
  }

  /**
   * Sends a call whose successful body is a stream (SSE, a file) and returns the response with
   * its body unread. Error answers are mapped as for {@link request}. No timeout applies after
   * the headers: the caller watches the stream.
   */
  stream(path: string, options?: CallOptions): Promise<Response> {
    return this.#call(path, options, true) as Promise<Response>;
  }

  async #call(p: string, o: CallOptions = {}, streaming?: boolean): Promise<unknown> {
    const m = o.method ?? (o.json !== undefined || o.body !== undefined ? 'POST' : 'GET');
    // `r`, `f` and `d` are set on a failure only.
    const state: CallState = { p, m, o, t: o.timeout ?? this.options.timeout, s: 0, n: 0 };
    for (;;) {
      const response = await this.#send(state);
      if (streaming && !isJson(response)) return response;
      const body = await readBody(response, state);
      // An envelope error in a 2xx answer: replay once after a 1001 refresh, else throw it typed.
      const code = envelopeCode(body);
      if (code !== undefined) {
        if (code === 1001 && (await this.#refresh(state))) continue;
        throw this.#mapResponse(response, body, state);
      }
      // A JSON answer to a streaming call: handed back as a response.
      if (streaming) return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
      if (typeof body !== 'object' || !body) {
        throw new ResponseValidationError(`Expected a JSON object from ${m} ${p}, got ${body === undefined ? 'an empty body' : typeof body}.`, '', {
          status: response.status,
          sessionId: o.sessionId,
        });
      }
      o.onHeaders?.(response.headers);
      return 'code' in body && 'data' in body ? body.data : body;
    }
  }

  async #send(state: CallState): Promise<Response> {
    const { o } = state;
    try {
      o.signal?.throwIfAborted();
      const init: Options = {
        method: state.m,
        timeout: state.t > 0 ? state.t : false,
        context: { c: state },
        retry: {
          // Room for the normal retries plus one 429 wait and one token refresh.
          limit: o.noRetry ? 0 : this.options.maxRetries + 2,
          methods: ['get', 'post'],
          // Full jitter on backoff; a wait the server asked for (Retry-After) is kept exact.
          delay: (attempt) => state.d ?? Math.random() * backoffDelay(attempt),
          // Always true or false, so ky's own status and error rules never apply.
          shouldRetry: ({ error }) => this.#shouldRetry(error, state),
        },
      };
      // Only set keys: an explicit `undefined` would replace the instance's defaults (headers).
      for (const key of passedThrough) if (o[key] !== undefined) (init as Record<string, unknown>)[key] = o[key];
      const response = await (await this.#client())(state.p.replace(/^\//, ''), init);
      this.#log(state, response.status);
      return response;
    } catch (error) {
      // An abort is the caller's: rethrow its reason untouched.
      throw o.signal?.aborted ? o.signal.reason : error;
    }
  }

  // The retry rules (docs/errors.md), for one failed attempt.
  async #shouldRetry(error: Error, state: CallState): Promise<boolean> {
    const status = isHTTPError(error) ? error.response.status : undefined;
    let retry = false;
    state.d = undefined;
    if (status === 429) {
      state.d = retryAfterMs((error as HTTPError).response.headers) ?? defaultRateLimitWaitMs;
      // A wait longer than the ceiling is the caller's to decide: RateLimitError now, with `retryAfterMs`.
      retry = !state.r && state.d <= this.options.maxRetryAfterMs;
      state.r = true;
    } else if (status === 401 || (status && envelopeCode((error as HTTPError).data) === 1001)) {
      retry = await this.#refresh(state);
      state.d = 0;
    } else if ((state.o.idempotent ?? state.m === 'GET') && state.n < this.options.maxRetries) {
      retry = status ? isRetryableHttpStatus(status) : isNetworkError(error);
      if (retry) state.n++;
    }
    this.#log(state, status ?? 'network error', retry ? ` (retrying in ${Math.round(state.d ?? 0) || 'backoff'} ms)` : '');
    return retry;
  }

  // 1001 with a token the SDK acquired: one new token (single flight in TokenManager), one replay.
  async #refresh(state: CallState): Promise<boolean> {
    const { tokens } = this.options;
    if (state.o.auth === false || tokens.userSupplied || state.f) return false;
    state.f = true;
    // A streamed upload cannot be replayed, but the next call must not meet the same dead token.
    const replay = !state.o.noRetry;
    this.options.logger.info(`token expired (1001): acquiring a new anonymous token; ${state.m} ${state.p} ${replay ? 'replayed once' : 'not replayed'}`);
    const renewal = tokens.refresh(state.k);
    await (replay ? renewal : renewal.catch(() => {}));
    return replay;
  }

  #log(state: CallState, status: number | string, note = ''): void {
    this.options.logger.debug(`${state.m} ${state.p} ${status} ${Date.now() - state.s}ms${note}`);
  }

  async #authorize(request: Request, state: CallState): Promise<void> {
    state.s = Date.now();
    if (state.o.auth !== false) request.headers.set('authorization', `Bearer ${(state.k = await this.options.tokens.token())}`);
  }

  #mapResponse(response: Response, body: unknown, state: CallState) {
    const { webURL, tokens } = this.options;
    return errorFromResponse(response.status, body, response.headers, { webURL, userId: tokens.userId, sessionId: state.o.sessionId, path: state.p });
  }

  #toTypedError(error: Error, state: CallState): Error {
    if (error instanceof NemoVideoError) return error;
    if (isHTTPError(error)) return this.#mapResponse(error.response, error.data, state);
    if (error.name === 'TimeoutError') return timedOut(state, '');
    const cause = isNetworkError(error) ? error.cause : error;
    const detail = cause instanceof Error ? `: ${quote(redactText(cause.message))}` : '';
    return new APIConnectionError(`Could not reach ${this.options.baseURL} (${state.m} ${state.p})${detail}. Check the network and \`baseURL\`.`, {
      sessionId: state.o.sessionId,
      cause,
    });
  }
}

const timedOut = (state: CallState, when: string) =>
  new TimeoutError(`${state.m} ${state.p} timed out after ${state.t} ms${when}. Raise \`timeout\` or check the network.`, { sessionId: state.o.sessionId });

/** Whether a response says its body is JSON (`application/json`, `…+json`). */
export function isJson(response: Response): boolean {
  return /[/+]json\b/i.test(response.headers.get('content-type') ?? '');
}

// Reads a body within what is left of the call's timeout, so a server that trickles its body past
// the deadline fails with TimeoutError instead of hanging. It reads through its own reader so the
// deadline can cancel it: that closes the connection (a body locked by `text()` cannot be).
// A body that is not JSON comes back as its text, which the caller reports (validation error, or
// API error with the text); an empty one as `undefined`.
async function readBody(response: Response, state: CallState): Promise<unknown> {
  const { o } = state;
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  const decoder = new TextDecoder();
  let timedOutReading = false;
  // A deadline already past fires at once (never a negative wait: Node warns about those).
  const timer =
    state.t > 0
      ? setTimeout(
          () => {
            timedOutReading = true;
            void reader.cancel().catch(() => {});
          },
          Math.max(0, state.t - (Date.now() - state.s)),
        )
      : undefined;
  let text = '';
  try {
    for (let chunk; !(chunk = await reader.read()).done; ) text += decoder.decode(chunk.value, { stream: true });
    text += decoder.decode();
  } catch (error) {
    if (o.signal?.aborted) throw o.signal.reason;
    if (!timedOutReading) {
      throw new APIConnectionError(`${state.m} ${state.p}: the connection closed mid-answer. Try again.`, { sessionId: o.sessionId, cause: error });
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOutReading) throw timedOut(state, ' reading the answer');
  if (text) {
    try {
      return (o.parse ?? JSON.parse)(text);
    } catch {
      return text;
    }
  }
}
