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

/** Accepted upload formats (docs/protocol.md › Upload), by kind. */
export const supportedFormats = {
  video: ['mp4', 'mov', 'avi', 'webm', 'mkv'],
  image: ['jpg', 'jpeg', 'png', 'gif', 'webp'],
  audio: ['mp3', 'wav', 'm4a', 'aac'],
} as const;

/** Every accepted extension, flat. */
export const supportedExtensions: readonly string[] = Object.values(supportedFormats).flat();

/** The largest upload the backend accepts: 500 MB. */
export const maxUploadBytes = 500 * 1024 * 1024;

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
  if (typeof body !== 'object' || body === null || !('code' in body)) return undefined;
  const code = Number((body as { code: unknown }).code);
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
  if (text.length <= maxQuotedChars) return text;
  const cut = text.slice(0, maxQuotedChars);
  const last = cut.charCodeAt(cut.length - 1);
  return `${last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut}…`;
}

function serverMessage(body: unknown): string | undefined {
  const b = body as Record<string, unknown> | null | undefined;
  const m = typeof body === 'string' ? body : typeof b === 'object' && b !== null ? (b.message ?? b.msg ?? b.error ?? b.detail) : undefined;
  // A proxy's HTML error page says nothing the status does not: it is not quoted.
  return typeof m === 'string' && m !== '' && !m.trimStart().startsWith('<') ? m : undefined;
}

type Build = (msg: string, code: number | undefined, d: Details, ctx: ErrorContext, headers: Headers) => APIError;
type Details = ErrorDetails & { body?: unknown };

/** The registration link for an anonymous user (`<webURL>?bind=<userId>`); `undefined` for a registered one. */
export function bindUrlOf(ctx: Pick<ErrorContext, 'webURL' | 'userId'>): string | undefined {
  return ctx.userId?.startsWith('anon_') ? `${ctx.webURL.replace(/\/$/, '')}?bind=${encodeURIComponent(ctx.userId)}` : undefined;
}

/** The render submit path: 402 and 403 there mean the plan may not export. */
export const renderSubmitPath = '/api/render/proxy/lambda';

function exportBlocked(status: number, m: string, c: number | undefined, d: Details, ctx: ErrorContext): ExportBlockedError {
  const bindUrl = bindUrlOf(ctx);
  return new ExportBlockedError(
    `Export blocked (${status}): ${m}. The free plan may not export, or attribution headers were missing. Register to unlock: ${bindUrl ?? ctx.webURL}`,
    c,
    { ...d, bindUrl },
  );
}

const byCode: Record<number, Build> = {
  1001: (m, c, d) => new AuthenticationError(`Token invalid or expired (1001)${detail(m, 'token invalid or expired')}. Set a valid NEMO_TOKEN, or let the SDK get an anonymous token.`, c, d),
  1002: (m, c, d) =>
    new SessionNotFoundError(
      `Session not found (1002)${detail(m, 'session not found')}. It expired after idle time, or another identity (token or client id) created it: create a new session, or use the identity that created it (NEMO_TOKEN, NEMO_CLIENT_ID or a FileTokenStore).`,
      c,
      d,
    ),
  2001: (m, c, d, ctx) => {
    const bindUrl = bindUrlOf(ctx);
    const next = bindUrl ? `Register to get more: ${bindUrl}` : `Top up your credits at ${ctx.webURL}.`;
    return new InsufficientCreditsError(`Out of credits (2001): ${m}. ${next}`, c, { ...d, bindUrl });
  },
  4001: (m, _c, d) =>
    new UnsupportedFileTypeError(`Unsupported file type (4001): ${m}. Accepted: ${supportedExtensions.join(', ')}.`, supportedExtensions, d),
  4002: (m, _c, d) =>
    new FileTooLargeError(`File too large (4002): ${m}. The limit is 500 MB: compress or trim the file.`, maxUploadBytes, d),
};

const byStatus: Record<number, Build> = {
  400: (m, c, d, ctx) =>
    ctx.path?.includes('anonymous-token')
      ? new MissingClientIdError(`X-Client-Id missing (400): ${m}. Pass a clientId (any UUID) to the client.`, c, d)
      : new APIError(`Bad request (400): ${m}.`, c, d),
  401: (m, c, d) => byCode[1001]!(m, c ?? 401, d, {} as ErrorContext, new Headers()),
  402: (m, c, d, ctx) => exportBlocked(402, m, c, d, ctx),
  // docs/protocol.md › Error codes: a 403 on render submit is the plan refusing export, like 402.
  403: (m, c, d, ctx) =>
    ctx.path === renderSubmitPath
      ? exportBlocked(403, m, c, d, ctx)
      : new PermissionDeniedError(`Permission denied (403): ${m}. The token lacks the scope for this call.`, c, d),
  404: (m, c, d) =>
    /session not found/i.test(m) ? byCode[1002]!(m, c ?? 404, d, {} as ErrorContext, new Headers()) : new APIError(`Not found (404): ${m}.`, c, d),
  429: (m, _c, d, _ctx, headers) => {
    const waitMs = retryAfterMs(headers) ?? defaultRateLimitWaitMs;
    return new RateLimitError(`Rate limited (429): ${m}. Retry in ${Math.ceil(waitMs / 1000)} s.`, waitMs, { ...d, rateLimit: rateLimitHeaders(headers) });
  },
};

/**
 * Builds the typed error for a failed answer. `body` is the parsed JSON (or text) of the
 * response; the envelope code wins over the HTTP status.
 */
export function errorFromResponse(status: number, body: unknown, headers: Headers, ctx: ErrorContext): APIError {
  const code = envelopeCode(body);
  // Messages are composed as `<server message>. <what to do>`: drop the server's own final period.
  // Redacted before it is cut, so a cut never leaves part of a token unredacted.
  const message = trimEnd(quote(redactText(serverMessage(body) ?? (status >= 400 ? `HTTP ${status}` : `code ${code}`))));
  const details: Details = {
    status,
    requestId: headers.get('x-request-id') ?? headers.get('request-id') ?? headers.get('x-trace-id') ?? undefined,
    sessionId: ctx.sessionId,
    body: redactDeep(body),
  };
  // A 402, 403 or 429 carried as the envelope code of a 200 means what the HTTP status means.
  const build = (code !== undefined ? (byCode[code] ?? byStatus[code]) : undefined) ?? byStatus[status];
  if (build) return build(message, code ?? status, details, ctx, headers);
  return new APIError(`NemoVideo API error (${code ?? status}): ${message}.`, code ?? status, details);
}

// Drops trailing periods and spaces in plain string code (a regex here backtracks on long runs of spaces).
function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '.' || text.charCodeAt(end - 1) <= 32)) end--;
  return text.slice(0, end);
}

// `: <server text>`, or nothing when the server only repeats what the message already says.
function detail(m: string, says: string): string {
  return m.toLowerCase().startsWith(says) ? '' : `: ${m}`;
}
