/**
 * Maps a wire error to its class, in one place: the envelope `code` first,
 * then the HTTP status, then {@link APIError}.
 * @module
 */
import {
  APIError,
  AuthenticationError,
  ExportBlockedError,
  FileTooLargeError,
  InsufficientCreditsError,
  MissingClientIdError,
  PermissionDeniedError,
  RateLimitError,
  SessionNotFoundError,
  UnsupportedFileTypeError,
  type ErrorDetails,
} from './errors.js';
import { redactDeep, redactText } from './redact.js';
import { defaultRateLimitWaitMs, rateLimitHeaders, retryAfterMs } from './retry.js';

/** Accepted upload extensions (docs/protocol.md › Upload): video, then image, then audio. */
export const supportedExtensions: readonly string[] = ['mp4', 'mov', 'avi', 'webm', 'mkv', 'jpg', 'jpeg', 'png', 'gif', 'webp', 'mp3', 'wav', 'm4a', 'aac'];

/** The largest upload the backend accepts: 500 MB. */
export const maxUploadBytes = 524_288_000;

/** What the mapper needs to know about the call that failed. */
export interface ErrorContext {
  /** The client's web base, for registration links. */
  webURL: string;
  /** The current user id, when known (an `anon_` id gets the registration link). */
  userId?: string | undefined;
  sessionId?: string | undefined;
  /** Request path, for messages. */
  path?: string | undefined;
}

/** Reads the error code of an answer: envelope `code` ≠ 0, or `undefined` for success. */
export function envelopeCode(body: unknown): number | undefined {
  const code = Number((body as { code?: unknown } | null | undefined)?.code);
  return Number.isFinite(code) && code !== 0 ? code : undefined;
}

/** The most of a server's text that an error message repeats: a proxy page or a runaway message is cut here. */
export const maxQuotedChars = 300;

/**
 * `text` cut to {@link maxQuotedChars} (with `…` when cut, never inside a surrogate pair), for
 * quoting server or agent text in a message. Redact first, then quote: a cut token could escape
 * redaction.
 */
export function quote(text: string): string {
  return text.length > maxQuotedChars ? `${text.slice(0, maxQuotedChars).replace(/[\ud800-\udbff]$/, '')}…` : text;
}

function serverMessage(body: unknown): string | undefined {
  const b = body as Record<string, unknown> | null | undefined;
  const m = typeof body === 'string' ? body : (b?.message ?? b?.msg ?? b?.error ?? b?.detail);
  // A proxy's HTML error page says nothing the status does not: it is not quoted.
  return typeof m === 'string' && m !== '' && !/^\s*</.test(m) ? m : undefined;
}

type Build = (m: string, c: number, d: Details, ctx: ErrorContext, headers: Headers) => APIError;
type Details = ErrorDetails & { body?: unknown; bindUrl?: string | undefined };

/** The render submit path: 402 and 403 there mean the plan may not export. */
export const renderSubmitPath = '/api/render/proxy/lambda';

// `<what> (<code>): <server text>. <next step>`. With `terse`, the server text is left out when it
// only repeats `<what>` (1001, 1002: the message says more than the server).
function say(what: string, c: number, m: string, next = '', terse?: boolean): string {
  return `${what} (${c})${terse && m.toLowerCase().startsWith(what.toLowerCase()) ? '' : `: ${m}`}.${next && ` ${next}`}`;
}

// A builder for a class whose second argument is the code.
const simple =
  (Class: new (message: string, code: number, d: Details) => APIError, what: string, next?: string, terse?: boolean): Build =>
  (m, c, d) =>
    new Class(say(what, c, m, next, terse), c, d);

const exportBlocked: Build = (m, c, d, ctx) =>
  new ExportBlockedError(say('Export blocked', c, m, `The free plan may not export, or attribution headers were missing. Register to unlock: ${d.bindUrl ?? ctx.webURL}`), c, d);
const authentication = simple(AuthenticationError, 'Token invalid or expired', 'Set a valid NEMO_TOKEN, or let the SDK get an anonymous token.', true);
const sessionNotFound = simple(
  SessionNotFoundError,
  'Session not found',
  'It expired after idle time, or another identity (token or client id) created it: create a new session, or reuse that identity (NEMO_TOKEN, NEMO_CLIENT_ID or a FileTokenStore).',
  true,
);
const missingClientId = simple(MissingClientIdError, 'X-Client-Id missing', 'Pass a clientId (any UUID) to the client.');
const badRequest = simple(APIError, 'Bad request');
const permissionDenied = simple(PermissionDeniedError, 'Permission denied', 'The token lacks the scope for this call.');
const notFound = simple(APIError, 'Not found');

// By envelope code, then by HTTP status (a 402, 403 or 429 carried as the envelope code of a 200 means what the status means).
const builders: Record<number, Build> = {
  1001: authentication,
  1002: sessionNotFound,
  2001: (m, c, d, ctx) =>
    new InsufficientCreditsError(say('Out of credits', c, m, d.bindUrl ? `Register to get more: ${d.bindUrl}` : `Top up your credits at ${ctx.webURL}.`), c, d),
  4001: (m, c, d) => new UnsupportedFileTypeError(say('Unsupported file type', c, m, `Accepted: ${supportedExtensions.join(', ')}.`), supportedExtensions, d),
  4002: (m, c, d) => new FileTooLargeError(say('File too large', c, m, 'The limit is 500 MB: compress or trim the file.'), maxUploadBytes, d),
  400: (...a) => (a[3].path?.includes('anonymous-token') ? missingClientId : badRequest)(...a),
  401: authentication,
  402: exportBlocked,
  // docs/protocol.md › Error codes: a 403 on render submit is the plan refusing export, like 402.
  403: (...a) => (a[3].path === renderSubmitPath ? exportBlocked : permissionDenied)(...a),
  404: (...a) => (/session not found/i.test(a[0]) ? sessionNotFound : notFound)(...a),
  429: (m, c, d, _ctx, headers) => {
    const waitMs = retryAfterMs(headers) ?? defaultRateLimitWaitMs;
    return new RateLimitError(say('Rate limited', c, m, `Retry in ${Math.ceil(waitMs / 1000)} s.`), waitMs, { ...d, rateLimit: rateLimitHeaders(headers) });
  },
};

/**
 * Builds the typed error for a failed answer. `body` is the parsed JSON (or text) of the
 * response; the envelope code wins over the HTTP status.
 */
export function errorFromResponse(status: number, body: unknown, headers: Headers, ctx: ErrorContext): APIError {
  const code = envelopeCode(body) ?? status;
  // Messages are composed as `<server message>. <what to do>`: drop the server's own final periods
  // and blanks (the text is cut to 300 characters first, so the pattern's backtracking stays small).
  // Redacted before it is cut, so a cut never leaves part of a token unredacted.
  const message = quote(redactText(serverMessage(body) ?? (status >= 400 ? `HTTP ${status}` : `code ${code}`))).replace(/[.\0- ]+$/, '');
  const details: Details = {
    status,
    requestId: headers.get('x-request-id') ?? headers.get('request-id') ?? headers.get('x-trace-id') ?? undefined,
    sessionId: ctx.sessionId,
    body: redactDeep(body),
    // The registration link (`<webURL>?bind=<userId>`) of an anonymous user, read by the classes
    // that carry it (2001, 402); the others ignore it.
    bindUrl: ctx.userId?.startsWith('anon_') ? `${ctx.webURL.replace(/\/$/, '')}?bind=${encodeURIComponent(ctx.userId)}` : undefined,
  };
  return (builders[code] ?? builders[status] ?? simple(APIError, 'NemoVideo API error'))(message, code, details, ctx, headers);
}
