/**
 * Argument checks run before any byte is sent: a bad input is an {@link InvalidArgumentError}.
 * Every id and every base URL goes through here, so each rule lives in one place.
 * @module
 */
import { InvalidArgumentError } from './errors.js';
import { redactText } from './redact.js';

// How much of a bad value a message quotes.
const shownChars = 48;

// What no id may contain: path and query syntax (`/ ? #`), the Windows separator, the escape
// character `%` (a pre-encoded id would be decoded again on the other side), control characters.
const badIdChar = /[/?#\\%\p{Cc}]/u;

// A UTF-16 surrogate without its pair: `encodeURIComponent` throws an untyped URIError on it.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Characters a terminal would act on or hide, escaped when a value is quoted.
const unsafeShown = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * Quotes a caller's value for an error message: token-looking parts redacted, cut to `max`
 * characters (`…` after the quote), JSON-escaped, and every control or invisible formatting
 * character shown as a `\uXXXX` escape, so a message never carries a raw control character.
 */
export function quoteValue(value: string, max: number = shownChars): string {
  const chars = Array.from(redactText(value));
  const cut = chars.length > max;
  const quoted = JSON.stringify((cut ? chars.slice(0, max) : chars).join(''));
  const escape = (c: string) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
  return `${quoted.replace(unsafeShown, escape)}${cut ? '…' : ''}`;
}

/**
 * Asserts an id (session, task, render, client ids) that can be put in a URL path as it is:
 * a non-empty string, not `.` or `..`, without `/`, `?`, `#`, `\`, `%`, control characters or
 * unpaired surrogates. Every resource checks its ids here before sending anything.
 *
 * @throws {InvalidArgumentError} naming the argument and quoting the value escaped and capped.
 */
export function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const got = value === '' ? 'an empty string' : typeof value === 'string' ? `only blanks (${quoteValue(value)})` : typeof value;
    throw new InvalidArgumentError(`${name} must be a non-empty string, got ${got}.`);
  }
  if (value === '.' || value === '..' || badIdChar.test(value) || loneSurrogate.test(value)) {
    throw new InvalidArgumentError(
      `${name} is not a valid id: ${quoteValue(value)}. An id is never "." or ".." and has no /, ?, #, \\, % or control characters.`,
    );
  }
  return value;
}

/** Asserts a positive finite number (intervals, limits), or undefined. */
export function optionalPositive(value: unknown, name: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}.`);
  }
  return value;
}

/** Encodes one URL path segment (of an id already checked by {@link requireId}). */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Asserts an API or web base URL and returns it without trailing slashes: an absolute http(s)
 * URL with no user name or password, no query and no fragment (every path is appended to it,
 * and credentials in it would be sent to the server and printed by errors).
 *
 * @throws {InvalidArgumentError} with the URL shown without its credentials or query.
 */
export function requireBaseURL(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError(`${name} must be an http(s) URL, got ${typeof value === 'string' ? 'an empty string' : typeof value}.`);
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const problem =
    url === undefined
      ? 'must be an absolute http(s) URL'
      : url.protocol !== 'http:' && url.protocol !== 'https:'
        ? 'must be an http(s) URL'
        : url.username !== '' || url.password !== ''
          ? 'must not carry a user name or password (pass the token as `token`)'
          : url.search !== '' || url.hash !== '' || /[?#]/.test(value)
            ? 'must not carry a query or a fragment'
            : undefined;
  if (problem === undefined) {
    let end = value.length;
    while (value[end - 1] === '/') end--;
    return value.slice(0, end);
  }
  throw new InvalidArgumentError(`${name} ${problem}, got ${quoteValue(showURL(value, url), 120)}.`);
}

// A URL as a message may show it: no user name or password (`***@`), no query or fragment (`?…`).
function showURL(value: string, url: URL | undefined): string {
  if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) {
    const userinfo = url.username !== '' || url.password !== '' ? '***@' : '';
    const rest = url.search !== '' || url.hash !== '' || /[?#]/.test(value) ? '?…' : '';
    return `${url.protocol}//${userinfo}${url.host}${url.pathname === '/' ? '' : url.pathname}${rest}`;
  }
  // Unparsable or another scheme: drop everything from the first `?` or `#`, then everything
  // before the last `@` (the userinfo, whatever characters it holds).
  const scheme = /^[a-z][a-z\d+.-]*:(\/\/)?/i.exec(value)?.[0] ?? '';
  let rest = value.slice(scheme.length);
  const query = rest.search(/[?#]/);
  const tail = query >= 0 ? '?…' : '';
  if (query >= 0) rest = rest.slice(0, query);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = `***@${rest.slice(at + 1)}`;
  return `${scheme}${rest}${tail}`;
}
