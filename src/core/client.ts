/**
 * The client core: resolves options (env through `globalThis.process?.env`) and owns the
 * transport and the token lifecycle. It holds no resources, so an app that builds only the
 * resources it uses ships only their code (see {@link NemoVideoCore}).
 * @module
 */
import { optionalPositive, requireBaseURL } from './args.js';
import { TokenManager } from './auth.js';
import { readEnv, detectPlatform } from './env.js';
import { InvalidArgumentError } from './errors.js';
import { createLogger, type LogLevel, type Logger } from './logger.js';
import { inspectSymbol, MemoryTokenStore, type TokenStore } from './token-store.js';
import { defaultMaxRetryAfterMs } from './retry.js';
import { Transport, type Attribution } from './transport.js';
import type { RequestOptions } from './types.js';
import { loadSchemas, toNumber, validate } from './validate.js';
import { VERSION } from '../version.js';

/** Options of {@link NemoVideo} and {@link NemoVideoCore}; every one has a default. */
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
  /**
   * The longest wait a 429's `Retry-After` may ask for before the SDK replays the call once.
   * A longer one throws `RateLimitError` at once (its `retryAfterMs` says how long), so you
   * decide. Default 60 000.
   */
  maxRetryAfterMs?: number | undefined;
  /** The `fetch` to use. Default: `globalThis.fetch`, read at each call. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Where log lines go. Default: `console` once a `logLevel` is set. */
  logger?: Logger | undefined;
  /** What to log. Default: nothing; `'debug'` logs every request (method, path, status, ms). */
  logLevel?: LogLevel | undefined;
}

/** A new anonymous token. Anonymous tokens live 7 days and carry the read, write and upload scopes. */
export interface AnonymousToken {
  token: string;
  userId: string;
  /** ISO-8601 expiry. */
  expiresAt: string | undefined;
  credits: number | undefined;
  raw: unknown;
}

const defaultBaseURL = 'https://mega-api-prod.nemovideo.ai';
const defaultWebURL = 'https://nemovideo.com';

/**
 * The client without its resources: options, token lifecycle and the HTTP core. Build the
 * resources you use on it and a bundler leaves the others out; {@link NemoVideo} is this core
 * with every resource attached. Resources built on one core share its token and its settings.
 *
 * @example
 * ```ts
 * import { NemoVideoCore, Chat, Render } from 'nemovideo';
 *
 * const core = new NemoVideoCore({ token: 'nmv_usr_…' });
 * const chat = new Chat(core);
 * const render = new Render(core);
 * const { text } = await chat.send('sess_1', 'add a title').finalResult();
 * const job = await render.export('sess_1');
 * ```
 */
export class NemoVideoCore {
  // `declare`: the constructor assigns them all, and a declared field emits no code.
  /** The resolved API base. */
  declare readonly baseURL: string;
  /** The resolved web base. */
  declare readonly webURL: string;
  /** @internal */
  declare readonly transport: Transport;
  /** @internal */
  declare readonly tokens: TokenManager;

  constructor(options: ClientOptions = {}) {
    const timeout = optionalPositive(options.timeout, 'timeout (ms)') ?? 60_000;
    const maxRetries = optionalPositive(options.maxRetries, 'maxRetries', true) ?? 2;
    const maxRetryAfterMs = optionalPositive(options.maxRetryAfterMs, 'maxRetryAfterMs', true) ?? defaultMaxRetryAfterMs;
    if (!Number.isInteger(maxRetries)) throw new InvalidArgumentError(`maxRetries must be a whole number, got ${maxRetries}.`);
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new InvalidArgumentError('fetch must be a function.');
    const token = options.token ?? readEnv('NEMO_TOKEN');
    if (token !== undefined && (typeof token !== 'string' || !token.trim())) throw new InvalidArgumentError('token must be a non-empty string.');
    // Checked here, before any request: credentials, a query or another scheme are refused.
    this.baseURL = baseOption(options.baseURL, 'baseURL', 'NEMO_API_URL', defaultBaseURL);
    this.webURL = baseOption(options.webURL, 'webURL', 'NEMO_WEB_URL', defaultWebURL);
    const logger = createLogger(options.logger, options.logLevel);
    const given = options.attribution;
    const attribution: Attribution = {
      source: given?.source ?? 'video-generator-generator',
      version: given?.version ?? VERSION,
      platform: given?.platform ?? detectPlatform(),
    };
    const tokens = (this.tokens = new TokenManager({
      token,
      clientId: options.clientId ?? readEnv('NEMO_CLIENT_ID'),
      store: options.tokenStore ?? new MemoryTokenStore(),
      logger,
      acquire: async (clientId) => {
        const t = await requestAnonymousToken(this.transport, clientId);
        return { ...t, expiresAt: t.expiresAt ?? new Date(Date.now() + 7 * 86_400_000).toISOString() };
      },
    }));
    this.transport = new Transport({
      baseURL: this.baseURL,
      webURL: this.webURL,
      timeout,
      maxRetries,
      maxRetryAfterMs,
      fetch: options.fetch,
      attribution,
      logger,
      tokens,
    });
  }

  /** A log-safe view of the client: URLs and a redacted token. */
  toJSON(): Record<string, unknown> {
    return { baseURL: this.baseURL, webURL: this.webURL, auth: this.tokens.toJSON() };
  }

  /** Node's `util.inspect` shows the log-safe view. */
  [inspectSymbol](): string {
    return `NemoVideo ${JSON.stringify(this.toJSON())}`;
  }
}

/**
 * `POST /api/auth/anonymous-token` for a client id: sends `X-Client-Id`, no bearer token; not
 * retried on 5xx (a POST is not idempotent unless it says so). The
 * core calls it to acquire tokens; `auth.anonymousToken` is its public face.
 * @internal
 */
export async function requestAnonymousToken(transport: Transport, clientId: string, options?: RequestOptions): Promise<AnonymousToken> {
  const path = '/api/auth/anonymous-token';
  const raw = await transport.request(path, { ...options, method: 'POST', auth: false, headers: { 'x-client-id': clientId } });
  const data = validate((await loadSchemas()).anonymousTokenSchema, raw, `POST ${path}`);
  return { token: data.token, userId: data.user_id, expiresAt: data.expires_at ?? undefined, credits: toNumber(data.credits), raw };
}

// A base URL from its option, else its env variable, else the default; the message names where it came from.
function baseOption(value: string | undefined, name: string, envName: string, fallback: string): string {
  if (value !== undefined) return requireBaseURL(value, name);
  const fromEnv = readEnv(envName);
  return fromEnv !== undefined ? requireBaseURL(fromEnv, `${name} (env ${envName})`) : fallback;
}
