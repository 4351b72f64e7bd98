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
  // The token in use (the user's, the store's or an acquired one) with its expiry, if any.
  #current: StoredCredentials | undefined;
  #userId: string | undefined;
  #clientId: string | undefined;
  #pending: Promise<string> | undefined;
  // Tokens the service answered 1001: never sent again, not even from the store.
  readonly #dead = new Set<string>();
  #loaded: Promise<StoredCredentials | undefined> | undefined;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    if (options.token !== undefined) this.#current = { clientId: '', token: options.token };
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
    if (!this.#current && !this.#pending) {
      const stored = await this.#load();
      if (!this.#current && !this.#pending && hasUsableToken(stored) && !this.#dead.has(stored.token)) {
        this.#current = stored;
        this.#userId = stored.userId;
      }
    }
    // A call made while a renewal is in flight waits for the new token.
    if (this.#pending) return this.#pending;
    const current = this.#current;
    // An acquired token past its expiry is renewed before use rather than after a 1001 (a
    // token the user supplied has no expiry).
    return !current ? this.#acquireOnce() : hasUsableToken(current) ? current.token : this.refresh(current.token);
  }

  /**
   * Replaces `stale` after a 1001. Concurrent callers share one acquisition (single flight);
   * callers that arrive after it finished get the new token without another request.
   */
  async refresh(stale: string | undefined): Promise<string> {
    // An undefined `stale` in the set is harmless: only tokens are looked up.
    this.#dead.add(stale!);
    if (this.#pending) return this.#pending;
    const token = this.#current?.token;
    if (token && !this.#dead.has(token)) return token;
    this.#current = undefined;
    return this.#acquireOnce();
  }

  /** The client id: the option, `NEMO_CLIENT_ID`, the store's, or a new UUID saved to the store. */
  async clientId(): Promise<string> {
    if (!this.#clientId) {
      const stored = await this.#load();
      this.#clientId ??= stored?.clientId ?? uuid();
      if (!stored?.clientId) await this.#save({ clientId: this.#clientId });
    }
    return this.#clientId;
  }

  /** Records the user id learnt from a response (sessions, anonymous tokens). */
  noteUserId(userId: string | undefined): void {
    if (userId) this.#userId = userId;
  }

  /** A log-safe description. */
  toJSON(): Record<string, unknown> {
    return { token: this.#current && redact(this.#current.token!), userSupplied: this.userSupplied, clientId: this.#clientId };
  }

  #acquireOnce(): Promise<string> {
    return (this.#pending ??= (async () => {
      try {
        const clientId = await this.clientId();
        const { token, userId, expiresAt } = await this.#options.acquire(clientId);
        this.#userId = userId;
        this.#options.logger.debug(`acquired anonymous token ${redact(token)} for ${userId}`);
        await this.#save((this.#current = { clientId, token, userId, expiresAt }));
        return token;
      } finally {
        this.#pending = undefined;
      }
    })());
  }

  // A broken store must never break the client: report it and go on without it.
  #load(): Promise<StoredCredentials | undefined> {
    return (this.#loaded ??= this.#options.store.get().catch((error: unknown) => this.#warn('unreadable, ignoring it', error)));
  }

  async #save(credentials: StoredCredentials): Promise<void> {
    try {
      await this.#options.store.set(credentials);
      this.#loaded = Promise.resolve(credentials);
    } catch (error) {
      this.#warn('not writable, keeping credentials in memory', error);
    }
  }

  #warn(what: string, error: unknown): undefined {
    this.#options.logger.warn(`token store ${what}: ${(error as Error)?.message ?? error}`);
  }
}

// `crypto.randomUUID` exists only in secure contexts (https, localhost); `getRandomValues` everywhere.
// The fallback is a version-4 UUID: each 0/1 a random hex digit, the 8 one of 8, 9, a, b.
function uuid(): string {
  return (
    crypto.randomUUID?.() ??
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16))
  );
}
