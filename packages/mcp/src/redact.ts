/**
 * Secret redaction for everything the server says: tool results, errors, logs and notifications.
 * @module
 */
import { redact } from 'nemovideo';

// The library's own text redaction is internal; this is the same rule: a token shows as its
// prefix and last four characters.
// Case-insensitive: a token echoed back title-cased ("Nmv_usr_…") is still the token.
const bearerPattern = /\b(nmv_[a-z]+_|Bearer\s+)([A-Za-z0-9._~+/=-]{5,})/gi;
const claimPattern = /\b(clm_)([A-Za-z0-9._~+/=-]{5,})/gi;
const known = new Set<string>();

/** Adds a secret to redact wherever it appears, whatever its shape (e.g. a `NEMO_TOKEN` without the usual prefix). */
export function addSecret(secret: string | undefined): void {
  const value = secret?.trim();
  if (value && value.length >= 8) known.add(value);
}

function redactKnown(text: string): string {
  let out = text;
  for (const secret of known) out = out.replace(new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), redact(secret));
  return out;
}

/** Redacts bearer tokens; claim links stay whole, as they are meant for the user. For tool results. */
export function redactBearer(text: string): string {
  return redactKnown(text).replace(bearerPattern, (_, prefix: string, secret: string) =>
    /^Bearer/i.test(prefix) ? `Bearer ${redact(secret)}` : redact(prefix + secret),
  );
}

/** Redacts bearer and claim tokens. For logs and error messages. */
export function redactSecrets(text: string): string {
  return redactBearer(text).replace(claimPattern, (_, prefix: string, secret: string) => redact(prefix + secret));
}

/** A copy of a JSON value with every bearer token redacted (structured results). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactBearer(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
