/**
 * The token lifecycle: a token you supply is used as is and
 * never swapped; otherwise the store's unexpired token, else an anonymous token acquired on first
 * need. On 1001 the SDK acquires exactly one new token for every request in flight.
 * @module
 */
import { redact } from './redact.js';
import { hasUsableToken, type StoredCredentials, type TokenStore } from './token-store.js';
import type { Logger } from './logger.js';

/** An anonymous token as the auth resource returns it. */
export interface AcquiredToken {
  token: string;
  userId: string;
  expiresAt: string;
}

/** What the manager needs from its owner. */
export interface TokenManagerOptions {
  token?: string | undefined;
  clientId?: string | undefined;
  store: TokenStore;
  logger: Logger;
  /** Calls `POST /api/auth/anonymous-token` with this client id. */
  acquire: (clientId: string) => Promise<AcquiredToken>;
}

/** Owns the bearer token: where it comes from, when it is renewed. */
export class TokenManager {
  readonly #options: TokenManagerOptions;
  #token: string | undefined;
  #userId: string | undefined;
  #expiresAt: string | undefined;
  #clientId: string | undefined;
  #pending: Promise<string> | undefined;
  // Tokens the service answered 1001: never sent again, not even from the store.
  readonly #dead = new Set<string>();
  #loaded: Promise<StoredCredentials | undefined> | undefined;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    this.#token = options.token;
    this.#clientId = options.clientId;
  }

  /** True when the user supplied the token (option or `NEMO_TOKEN`): it is never swapped. */
  get userSupplied(): boolean {
    return this.#options.token !== undefined;
  }

  /** The user id, once known (anonymous ids start with `anon_`). */
  get userId(): string | undefined {
    return this.#userId;
  }

  /** The token to send now: the renewal in flight, the current one, the store's, or a newly acquired anonymous one. */
  async token(): Promise<string> {
    // A call made while a renewal is in flight waits for the new token.
    if (this.#pending) return this.#pending;
    // An acquired token past its expiry is renewed before use rather than after a 1001.
    if (this.#token && this.#expiresAt !== undefined && !this.userSupplied && !hasUsableToken({ clientId: '', token: this.#token, expiresAt: this.#expiresAt })) {
      return this.refresh(this.#token);
    }
    if (this.#token) return this.#token;
    const stored = await this.#load();
    if (this.#pending) return this.#pending;
    if (this.#token) return this.#token;
    if (hasUsableToken(stored) && !this.#dead.has(stored.token)) {
      this.#token = stored.token;
      this.#userId = stored.userId;
      this.#expiresAt = stored.expiresAt;
      return stored.token;
    }
    return this.#acquireOnce();
  }

  /**
   * Replaces `stale` after a 1001. Concurrent callers share one acquisition (single flight);
   * callers that arrive after it finished get the new token without another request.
   */
  async refresh(stale: string | undefined): Promise<string> {
    if (stale !== undefined) this.#dead.add(stale);
    if (this.#pending) return this.#pending;
    if (this.#token !== undefined && !this.#dead.has(this.#token)) return this.#token;
    this.#token = undefined;
    return this.#acquireOnce();
  }

  /** The client id: the option, `NEMO_CLIENT_ID`, the store's, or a new UUID saved to the store. */
  async clientId(): Promise<string> {
    if (this.#clientId) return this.#clientId;
    const stored = await this.#load();
    this.#clientId ??= stored?.clientId ?? uuid();
    if (!stored?.clientId) await this.#save({ clientId: this.#clientId });
    return this.#clientId;
  }

  /** Records the user id learnt from a response (sessions, anonymous tokens). */
  noteUserId(userId: string | undefined): void {
    if (userId) this.#userId = userId;
  }

  /** A log-safe description. */
  toJSON(): Record<string, unknown> {
    return { token: this.#token ? redact(this.#token) : undefined, userSupplied: this.userSupplied, clientId: this.#clientId };
  }

  #acquireOnce(): Promise<string> {
    this.#pending ??= (async () => {
      try {
        const clientId = await this.clientId();
        const acquired = await this.#options.acquire(clientId);
        this.#token = acquired.token;
        this.#userId = acquired.userId;
        this.#expiresAt = acquired.expiresAt;
        this.#options.logger.debug(`acquired anonymous token ${redact(acquired.token)} for ${acquired.userId}`);
        await this.#save({ clientId, token: acquired.token, userId: acquired.userId, expiresAt: acquired.expiresAt });
        return acquired.token;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }

  // A broken store must never break the client: report it and go on without it.
  #load(): Promise<StoredCredentials | undefined> {
    this.#loaded ??= this.#options.store.get().catch((error: unknown) => {
      this.#options.logger.warn(`token store unreadable, ignoring it: ${(error as Error)?.message ?? error}`);
      return undefined;
    });
    return this.#loaded;
  }

  async #save(credentials: StoredCredentials): Promise<void> {
    try {
      await this.#options.store.set(credentials);
      this.#loaded = Promise.resolve(credentials);
    } catch (error) {
      this.#options.logger.warn(`token store not writable, keeping credentials in memory: ${(error as Error)?.message ?? error}`);
    }
  }
}

// `crypto.randomUUID` exists only in secure contexts (https, localhost); `getRandomValues` everywhere.
function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
