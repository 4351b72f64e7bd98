/**
 * Retry policy as pure functions; the transport applies them
 * through ky's retry options and hooks.
 * @module
 */

/** Default wait after a 429 without `Retry-After` (docs/protocol.md › Error codes). */
export const defaultRateLimitWaitMs = 30_000;

/** The longest server-requested wait the SDK sits out by default (`maxRetryAfterMs`). */
export const defaultMaxRetryAfterMs = 60_000;

/** Base of the exponential backoff, in ms: 0.5 s, 1 s, 2 s… each with full jitter. */
export const backoffBaseMs = 500;

/** Upper bound of one backoff wait. */
export const backoffLimitMs = 8_000;

/** Exponential backoff before retry number `attempt` (1-based), before jitter. */
export function backoffDelay(attempt: number): number {
  return Math.min(backoffLimitMs, backoffBaseMs * 2 ** (attempt - 1));
}

/** Whether a status is worth retrying for an idempotent call: 408 and 5xx. */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || (status >= 500 && status <= 599);
}

/**
 * How long a 429 asks to wait: `Retry-After` in seconds or as an HTTP date, else
 * `X-RateLimit-Retry-After`/`RateLimit-Reset` seconds; `undefined` when no header says.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after') ?? headers.get('x-ratelimit-retry-after') ?? headers.get('ratelimit-reset');
  if (!value?.trim()) return undefined;
  const ms = Number.isFinite(+value) ? +value * 1000 : Date.parse(value) - now;
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

/** The rate-limit headers of a response, for `RateLimitError.rateLimit`. */
export function rateLimitHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if (/^(retry-after$|(x-)?ratelimit)/.test(key)) out[key] = value;
  });
  return out;
}

/**
 * The wait before the next read of a polling loop: the caller's own interval when it set one,
 * else the service's hint (`Retry-After` on the last answer, never under 250 ms) when it is
 * sooner than the default cadence, else the default.
 */
export function nextPollMs(explicit: number | undefined, hintMs: number | undefined, fallbackMs: number): number {
  return explicit ?? (hintMs === undefined ? fallbackMs : Math.min(fallbackMs, Math.max(250, hintMs)));
}
