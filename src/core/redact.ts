/**
 * Secret redaction: what the SDK may show of a token is its prefix and last four characters.
 * @module
 */

const tokenPattern = /\b(nmv_[a-z]+_|clm_|Bearer\s+)([A-Za-z0-9._~+/=-]{5,})/g;

/** Shows a token as its prefix and last four characters (`nmv_usr_…3f9a`), never in full. */
export function redact(token: string | undefined): string {
  // The last four characters are shown only when more than four follow the prefix.
  return token ? token.replace(/^(nmv_[a-z]+_|clm_)?(?:.+(.{4})|.*)$/s, '$1…$2') : '';
}

/** Redacts every token-looking substring of a text (messages, logged bodies). */
export function redactText(text: string): string {
  return text.replace(tokenPattern, (_, prefix: string, secret: string) => (prefix[0] === 'B' ? `Bearer ${redact(secret)}` : redact(prefix + secret)));
}

/** A copy of a JSON value with every token-looking string redacted (error bodies). */
export function redactDeep(value: unknown): unknown {
  // A JSON value (parsed JSON, or text) round-trips exactly; `undefined` (no body) has no JSON text.
  return value === undefined ? value : JSON.parse(JSON.stringify(value), (_, v: unknown) => (typeof v === 'string' ? redactText(v) : v));
}
