/**
 * The client: resolves options (env through `globalThis.process?.env`), owns the transport and
 * the token manager, and wires the resources.
 * @module
 */
import { TokenManager } from './core/auth.js';
import { readEnv, detectPlatform } from './core/env.js';
import { InvalidArgumentError } from './core/errors.js';
import { createLogger, type LogLevel, type Logger } from './core/logger.js';
import { redactText } from './core/redact.js';
import { MemoryTokenStore, type TokenStore } from './core/token-store.js';
import { Transport, type Attribution } from './core/transport.js';
import { generate, type GenerateOptions, type GenerateResult } from './generate.js';
import { Auth } from './resources/auth.js';
import { Chat } from './resources/chat.js';
import { Credits } from './resources/credits.js';
import { Render } from './resources/render.js';
import { Uploads } from './resources/uploads.js';
import { Sessions } from './resources/sessions.js';
import { State } from './resources/state.js';
import { VERSION } from './version.js';

/** Options of {@link NemoVideo}; every one has a default. */
export interface ClientOptions {
  /** Bearer token (`nmv_usr_…`). Default: env `NEMO_TOKEN`, else the token store's, else an anonymous token on first need. A token you supply is never swapped. */
  token?: string | undefined;
  /** Client id for anonymous tokens. Default: env `NEMO_CLIENT_ID`, else the store's, else a random UUID saved to the store. */
  clientId?: string | undefined;
  /** API base. Default: env `NEMO_API_URL`, else `https://mega-api-prod.nemovideo.ai`. */
  baseURL?: string | undefined;
  /** Web app base, for claim and registration links. Default: env `NEMO_WEB_URL`, else `https://nemovideo.com`. */
  webURL?: string | undefined;
  /** Attribution headers; unset fields keep their defaults. */
  attribution?: Partial<Attribution> | undefined;
  /** Where the client id and acquired tokens are kept. Default: a {@link MemoryTokenStore}. */
  tokenStore?: TokenStore | undefined;
  /** Per-request timeout in ms, covering headers and body. Default 60 000. Streams and uploads have their own limits. */
  timeout?: number | undefined;
  /** Retries of idempotent calls on network errors, 408 and 5xx. Default 2. */
  maxRetries?: number | undefined;
  /** The `fetch` to use. Default: `globalThis.fetch`, read at each call. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Where log lines go. Default: `console` once a `logLevel` is set. */
  logger?: Logger | undefined;
  /** What to log. Default: nothing; `'debug'` logs every request (method, path, status, ms). */
  logLevel?: LogLevel | undefined;
}

const defaultBaseURL = 'https://mega-api-prod.nemovideo.ai';
const defaultWebURL = 'https://nemovideo.com';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * The NemoVideo API client.
 *
 * @example
 * ```ts
 * import { NemoVideo } from 'nemovideo';
 *
 * const nemo = new NemoVideo(); // anonymous token on first need
 * const { sessionId } = await nemo.sessions.create({ language: 'en' });
 * const { available } = await nemo.credits.balance();
 * ```
 */
export class NemoVideo {
  /** Anonymous tokens and claim links. */
  readonly auth: Auth;
  /** Sessions. */
  readonly sessions: Sessions;
  /** Credit balance. */
  readonly credits: Credits;
  /** Session state and drafts. */
  readonly state: State;
  /** Chat with the agent (SSE) and recovery through state. */
  readonly chat: Chat;
  /** Upload files or URLs into a session. */
  readonly uploads: Uploads;
  /** Render (export) drafts and download the video. */
  readonly render: Render;
  /** The resolved API base. */
  readonly baseURL: string;
  /** The resolved web base. */
  readonly webURL: string;
  /** @internal */
  readonly transport: Transport;
  readonly #tokens: TokenManager;

  constructor(options: ClientOptions = {}) {
    const timeout = options.timeout ?? 60_000;
    const maxRetries = options.maxRetries ?? 2;
    if (!Number.isFinite(timeout) || timeout <= 0) throw new InvalidArgumentError(`timeout must be a positive number of ms, got ${timeout}.`);
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new InvalidArgumentError(`maxRetries must be a non-negative integer, got ${maxRetries}.`);
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new InvalidArgumentError('fetch must be a function.');
    const token = options.token ?? readEnv('NEMO_TOKEN');
    if (token !== undefined && (typeof token !== 'string' || token.trim() === '')) throw new InvalidArgumentError('token must be a non-empty string.');
    this.baseURL = checkURL(options.baseURL ?? readEnv('NEMO_API_URL') ?? defaultBaseURL, 'baseURL');
    this.webURL = checkURL(options.webURL ?? readEnv('NEMO_WEB_URL') ?? defaultWebURL, 'webURL');
    const logger = createLogger(options.logger, options.logLevel);
    const attribution: Attribution = {
      source: options.attribution?.source ?? 'video-generator-generator',
      version: options.attribution?.version ?? VERSION,
      platform: options.attribution?.platform ?? detectPlatform(),
    };
    this.#tokens = new TokenManager({
      token,
      clientId: options.clientId ?? readEnv('NEMO_CLIENT_ID'),
      store: options.tokenStore ?? new MemoryTokenStore(),
      logger,
      acquire: async (clientId) => {
        const t = await this.auth.anonymousToken({ clientId });
        return { token: t.token, userId: t.userId, expiresAt: t.expiresAt ?? new Date(Date.now() + 7 * 86_400_000).toISOString() };
      },
    });
    this.transport = new Transport({
      baseURL: this.baseURL,
      webURL: this.webURL,
      timeout,
      maxRetries,
      fetch: options.fetch,
      attribution,
      logger,
      tokens: this.#tokens,
    });
    this.auth = new Auth(this.transport, () => this.#tokens.clientId());
    this.sessions = new Sessions(this.transport);
    this.credits = new Credits(this.transport);
    this.state = new State(this.transport);
    const readState = this.state.latest.bind(this.state);
    this.chat = new Chat(this.transport, readState);
    this.uploads = new Uploads(this.transport);
    this.render = new Render(this.transport, readState);
  }

  /**
   * Runs the whole job: creates a session (or uses `sessionId`), sends the prompt, follows the
   * stream, falls back to state when the answer is silent or the stream was cut (never
   * re-sending), waits for the draft to be exportable and stable, exports, and returns the
   * result with the video URL and a claim link. Every failure carries `sessionId`.
   *
   * @example
   * ```ts
   * const nemo = new NemoVideo();
   * const result = await nemo.generate('a 30-second video about a coffee brand launch', {
   *   onProgress: (p) => console.log(p.phase),
   * });
   * console.log(result.summary, result.url);
   * ```
   */
  generate(prompt: string, options?: GenerateOptions): Promise<GenerateResult> {
    return generate(this, prompt, options);
  }

  /** A log-safe view of the client: URLs and a redacted token. */
  toJSON(): Record<string, unknown> {
    return { baseURL: this.baseURL, webURL: this.webURL, auth: this.#tokens.toJSON() };
  }

  /** Node's `util.inspect` shows the log-safe view. */
  [inspectSymbol](): string {
    return `NemoVideo ${JSON.stringify(this.toJSON())}`;
  }
}

function checkURL(value: string, name: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    return value.replace(/\/+$/, '');
  } catch {
    throw new InvalidArgumentError(`${name} must be an http(s) URL, got ${redactText(JSON.stringify(value))}.`);
  }
}

