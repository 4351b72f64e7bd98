/**
 * Where the SDK keeps the client id and the token it acquired.
 * @module
 */
import { redact } from './redact.js';

/** What a {@link TokenStore} keeps. `expiresAt` is an ISO-8601 date. */
export interface StoredCredentials {
  clientId: string;
  token?: string | undefined;
  userId?: string | undefined;
  expiresAt?: string | undefined;
}

/** Persists credentials between runs. `get` must not throw for a missing or unreadable store: answer `undefined`. */
export interface TokenStore {
  /** Reads the credentials; `undefined` when there are none (or the store is unreadable). */
  get(): Promise<StoredCredentials | undefined>;
  /** Saves the credentials. */
  set(credentials: StoredCredentials): Promise<void>;
  /** Forgets the token. */
  clear(): Promise<void>;
}

/** Node's `util.inspect` hook. @internal */
export const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** Keeps credentials in memory for the life of the process: the default store. */
export class MemoryTokenStore implements TokenStore {
  #credentials: StoredCredentials | undefined;

  constructor(initial?: StoredCredentials) {
    this.#credentials = initial && { ...initial };
  }

  /** Returns a copy of the credentials, if any. */
  async get(): Promise<StoredCredentials | undefined> {
    return this.#credentials && { ...this.#credentials };
  }

  /** Replaces the credentials. */
  async set(credentials: StoredCredentials): Promise<void> {
    this.#credentials = { ...credentials };
  }

  /** Forgets the credentials. */
  async clear(): Promise<void> {
    this.#credentials = undefined;
  }

  /** A log-safe view: the token redacted. */
  toJSON(): Record<string, unknown> {
    return redactCredentials(this.#credentials);
  }

  /** Node's `util.inspect` shows the log-safe view. */
  [inspectSymbol](): string {
    return `MemoryTokenStore ${JSON.stringify(this.toJSON())}`;
  }
}

/** A copy of credentials with the token redacted, for `toJSON`/`inspect`. */
export function redactCredentials(c: StoredCredentials | undefined): Record<string, unknown> {
  return c ? { ...c, token: c.token === undefined ? undefined : redact(c.token) } : {};
}

/** Whether stored credentials hold a token that is still valid at `now` (default: now). */
export function hasUsableToken(c: StoredCredentials | undefined, now?: number): c is StoredCredentials & { token: string } {
  // No expiry, or one that does not parse (NaN), counts as valid.
  return !!c?.token && (!c.expiresAt || !(Date.parse(c.expiresAt) <= (now ?? Date.now()) + 60_000));
}
