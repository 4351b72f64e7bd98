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
export const supportedExtensions: readonly string[] = 'mp4 mov avi webm mkv jpg jpeg png gif webp mp3 wav m4a aac'.split(' ');

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

type Details = ErrorDetails & { body?: unknown; bindUrl?: string | undefined; rateLimit?: Record<string, string> };

/** The render submit path: 402 and 403 there mean the plan may not export. */
export const renderSubmitPath = '/api/render/proxy/lambda';

// What an answer becomes: the class, what happened, the next step, the class's second argument
// (the code when absent) and whether the message is terse (see below).
type Kind = [Class: new (message: string, arg: never, details: Details) => APIError, what: string, next?: string, arg?: unknown, terse?: 1];

/**
 * Builds the typed error for a failed answer. `body` is the parsed JSON (or text) of the
 * response; the envelope code wins over the HTTP status.
 */
export function errorFromResponse(status: number, body: unknown, headers: Headers, ctx: ErrorContext): APIError {
  const code = envelopeCode(body) ?? status;
  const b = body as Record<string, unknown> | null | undefined;
  const m = typeof body === 'string' ? body : (b?.message ?? b?.msg ?? b?.error ?? b?.detail);
  // The server's text, unless empty or a proxy's HTML error page (which says nothing the status does not).
  // Messages are composed as `<server message>. <what to do>`: drop the server's own final periods
  // and blanks (the text is cut to 300 characters first, so the pattern's backtracking stays small).
  // Redacted before it is cut, so a cut never leaves part of a token unredacted.
  const message = quote(redactText(typeof m === 'string' && /^(?!\s*<)[^]/.test(m) ? m : status >= 400 ? `HTTP ${status}` : `code ${code}`)).replace(/[.\0- ]+$/, '');
  const bindUrl = ctx.userId?.startsWith('anon_') ? `${ctx.webURL.replace(/\/$/, '')}?bind=${encodeURIComponent(ctx.userId)}` : undefined;
  const waitMs = retryAfterMs(headers) ?? defaultRateLimitWaitMs;
  const auth: Kind = [AuthenticationError, 'Token invalid or expired', 'Set a valid NEMO_TOKEN, or let the SDK get an anonymous token.', , 1];
  const session: Kind = [
    SessionNotFoundError,
    'Session not found',
    'It expired after idle time, or another identity (token or client id) created it: create a new session, or reuse that identity (NEMO_TOKEN, NEMO_CLIENT_ID or a FileTokenStore).',
    ,
    1,
  ];
  const exportBlocked: Kind = [ExportBlockedError, 'Export blocked', `The free plan may not export, or attribution headers were missing. Register to unlock: ${bindUrl ?? ctx.webURL}`];
  // By envelope code, then by HTTP status (a 402, 403 or 429 carried as the envelope code of a 200 means what the status means).
  const kinds: Record<number, Kind> = {
    1001: auth,
    1002: session,
    2001: [InsufficientCreditsError, 'Out of credits', bindUrl ? `Register to get more: ${bindUrl}` : `Top up your credits at ${ctx.webURL}.`],
    4001: [UnsupportedFileTypeError, 'Unsupported file type', `Accepted: ${supportedExtensions.join(', ')}.`, supportedExtensions],
    4002: [FileTooLargeError, 'File too large', 'The limit is 500 MB: compress or trim the file.', maxUploadBytes],
    400: ctx.path?.includes('anonymous-token') ? [MissingClientIdError, 'X-Client-Id missing', 'Pass a clientId (any UUID) to the client.'] : [APIError, 'Bad request'],
    401: auth,
    402: exportBlocked,
    // docs/protocol.md › Error codes: a 403 on render submit is the plan refusing export, like 402.
    403: ctx.path === renderSubmitPath ? exportBlocked : [PermissionDeniedError, 'Permission denied', 'The token lacks the scope for this call.'],
    404: /session not found/i.test(message) ? session : [APIError, 'Not found'],
    429: [RateLimitError, 'Rate limited', `Retry in ${Math.ceil(waitMs / 1000)} s.`, waitMs],
  };
  const [Class, what, next, arg = code, terse] = kinds[code] ?? kinds[status] ?? [APIError, 'NemoVideo API error'];
  // `<what> (<code>): <server text>. <next step>`. When terse, the server text is left out if it
  // only repeats `<what>` (1001, 1002: the message says more than the server; their `what` has no
  // regex syntax).
  return new Class(`${what} (${code})${terse && RegExp(`^${what}`, 'i').test(message) ? '' : `: ${message}`}.${next ? ` ${next}` : ''}`, arg as never, {
    status,
    requestId: headers.get('x-request-id') ?? headers.get('request-id') ?? headers.get('x-trace-id') ?? undefined,
    sessionId: ctx.sessionId,
    body: redactDeep(body),
    // Read only by the classes that carry them: the registration link of an anonymous user
    // (`<webURL>?bind=<userId>`; 2001, 402) and the rate-limit headers (429).
    bindUrl,
    rateLimit: rateLimitHeaders(headers),
  });
}
