/**
 * Argument checks run before any byte is sent: a bad input is an {@link InvalidArgumentError}.
 * Every id and every base URL goes through here, so each rule lives in one place.
 * @module
 */
import { InvalidArgumentError } from './errors.js';
import { redactText } from './redact.js';

// What no id may be or contain: `.` or `..`; path and query syntax (`/ ? #`), the Windows
// separator, the escape character `%` (a pre-encoded id would be decoded again on the other side),
// control characters, and a UTF-16 surrogate without its pair (`encodeURIComponent` throws an
// untyped URIError on it; with the `u` flag a paired surrogate is one code point and never matches).
const badId = /^\.\.?$|[/?#\\%\p{Cc}\ud800-\udfff]/u;

// Characters a terminal would act on or hide, escaped when a value is quoted.
const unsafeShown = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * Quotes a caller's value for an error message: token-looking parts redacted, cut to `max`
 * characters (`…` after the quote), JSON-escaped, and every control or invisible formatting
 * character shown as a `\uXXXX` escape, so a message never carries a raw control character.
 */
export function quoteValue(value: string, max = 48): string {
  const chars = Array.from(redactText(value));
  // Each UTF-16 unit of a match (a tag character is two) becomes its own `\uXXXX`.
  const quoted = JSON.stringify(chars.slice(0, max).join('')).replace(unsafeShown, (c) =>
    c.replace(/[^]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  return chars.length > max ? `${quoted}…` : quoted;
}

/**
 * Asserts an id (session, task, render, client ids) that can be put in a URL path as it is:
 * a non-empty string, not `.` or `..`, without `/`, `?`, `#`, `\`, `%`, control characters or
 * unpaired surrogates. Every resource checks its ids here before sending anything.
 *
 * @throws {InvalidArgumentError} naming the argument and quoting the value escaped and capped.
 */
export function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw new InvalidArgumentError(`${name} must be a non-empty string, got ${typeof value === 'string' ? quoteValue(value) : typeof value}.`);
  }
  if (badId.test(value)) {
    throw new InvalidArgumentError(
      `${name} is not a valid id: ${quoteValue(value)}. An id is never "." or ".." and has no /, ?, #, \\, % or control characters.`,
    );
  }
  return value;
}

/** Asserts a positive finite number (intervals, limits), or undefined. */
export function optionalPositive(value: unknown, name: string, allowZero = false): number | undefined {
  // NaN fails every comparison.
  if (value !== undefined && !(typeof value === 'number' && (allowZero ? value >= 0 : value > 0) && value < Infinity)) {
    throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}.`);
  }
  return value;
}

/** Encodes one URL path segment (of an id already checked by {@link requireId}). */
export const pathSegment: (value: string) => string = encodeURIComponent;

/**
 * Asserts an API or web base URL and returns it without trailing slashes: an absolute http(s)
 * URL with no user name or password, no query and no fragment (every path is appended to it,
 * and credentials in it would be sent to the server and printed by errors).
 *
 * @throws {InvalidArgumentError} with the URL shown without its credentials or query.
 */
export function requireBaseURL(value: unknown, name: string): string {
  let url: URL | undefined;
  if (typeof value === 'string') {
    try {
      url = new URL(value);
    } catch {
      // Reported below.
    }
  }
  const problem =
    !url || !/^https?:$/.test(url.protocol)
      ? 'must be an absolute http(s) URL'
      : url.username || url.password
        ? 'must not carry a user name or password (pass the token as `token`)'
        : // `url.search` and `url.hash` are empty for a bare `?` or `#`.
          /[?#]/.test(value as string)
          ? 'must not carry a query or a fragment'
          : '';
  // Only a run's first slash may start the match, so a long run of inner slashes costs no backtracking.
  if (!problem) return (value as string).replace(/(?<!\/)\/+$/, '');
  throw new InvalidArgumentError(`${name} ${problem}, got ${typeof value === 'string' ? quoteValue(showURL(value), 120) : typeof value}.`);
}

// A URL as a message may show it: after the scheme, everything before the last `@` ahead of the
// first `?` or `#` (the userinfo, whatever characters it holds) shown as `***@`, everything from
// that `?` or `#` as `?…`, and no `/` just before it or at the end (unless the scheme's `//`).
function showURL(value: string): string {
  return value
    .replace(/^([a-z][a-z\d+.-]*:(\/\/)?)?[^?#]*@/i, '$1***@')
    .replace(/(?<!^[a-z][a-z\d+.-]*:\/)\/?([?#][^]*)?$/i, (_, query?: string) => (query ? '?…' : ''));
}
