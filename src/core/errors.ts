/**
 * One error hierarchy for the whole SDK. Every error the SDK throws extends {@link NemoVideoError},
 * except an abort, which rethrows the signal's reason untouched.
 *
 * Dual-package hazard: an app can load both the ESM and the CJS build (or two copies of the
 * package), which gives two copies of every class. `instanceof` still works across them because
 * each class checks a brand (`Symbol.for`) and the list of class names the error was built with,
 * instead of prototype identity alone.
 * @module
 */
import type { ChatResult } from './types.js';

const kindsKey = Symbol.for('nemovideo.error.kinds');

/** Details shared by every error; all optional. */
export interface ErrorDetails {
  /** HTTP status, when a response was received. */
  status?: number | undefined;
  /** The server's request id, when a response header carried one. */
  requestId?: string | undefined;
  /** The session the failed call was made in. */
  sessionId?: string | undefined;
  /** The original error, for debugging. */
  cause?: unknown;
}

/** The base class of every error thrown by the SDK. */
export class NemoVideoError extends Error {
  /** The class name, stable under minification (every class's is set at the end of this module). */
  declare static readonly kind: string;
  // Fields are `declare`d (no class-field emit) and set in the constructor, in this order.
  /** API error code (`1001`, `2001`…), or the HTTP status when the body had none; `undefined` for client-side errors. */
  declare readonly code: number | undefined;
  /** HTTP status, when a response was received. */
  declare readonly status: number | undefined;
  /** The server's request id (`X-Request-Id`), when present. */
  declare readonly requestId: string | undefined;
  /** The session the failed call belonged to, so the caller can resume in it. */
  declare readonly sessionId: string | undefined;
  /** Whether repeating the same call later may succeed. */
  declare readonly retryable: boolean;

  constructor(message: string, code?: number, details: ErrorDetails = {}) {
    // `Error` reads only `cause` from its options; an undefined cause is not set at all.
    super(message, details.cause === undefined ? undefined : details);
    this.code = code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.sessionId = details.sessionId;
    this.retryable = false;
    // The class names from `new.target` up to this class (a subclass without its own `kind` adds none).
    const kinds: string[] = [];
    for (let c = new.target as unknown as { kind?: string }; c.kind; c = Object.getPrototypeOf(c)) {
      if (!kinds.includes(c.kind)) kinds.push(c.kind);
    }
    Object.defineProperties(this, { [kindsKey]: { value: kinds }, name: { value: kinds[0], writable: true, configurable: true } });
  }

  /** Matches errors from any copy of the package (ESM or CJS build), not only this one. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const kinds = (value as Record<symbol, unknown> | null | undefined)?.[kindsKey];
    return Array.isArray(kinds) ? kinds.includes(this.kind) : super[Symbol.hasInstance](value);
  }

  /** A plain object for logs: message and fields, never a token. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) if (value !== undefined && key !== 'partial') out[key] = value;
    return out;
  }
}

/** Whether `value` is an error thrown by any copy of this SDK (works across realms and builds). */
export function isNemoVideoError(value: unknown): value is NemoVideoError {
  return value instanceof NemoVideoError;
}

/** The server answered with an error that has no more specific class. */
export class APIError extends NemoVideoError {
  /** By default: whether the HTTP status means "the same call may succeed later" (408, 429, 5xx). */
  declare readonly retryable: boolean;
  /** The error body as received (JSON, or text). */
  declare readonly body: unknown;
  constructor(message: string, code: number | undefined, details: ErrorDetails & { body?: unknown; retryable?: boolean } = {}) {
    super(message, code, details);
    this.body = details.body;
    const status = details.status;
    this.retryable = details.retryable ?? (status === 408 || status === 429 || status! >= 500);
  }
}

/** 1001 or HTTP 401: the token is invalid or expired. A token you supplied is never swapped. */
export class AuthenticationError extends APIError {}

/** 1002: the session does not exist or expired; create a new one. */
export class SessionNotFoundError extends APIError {}

/** 2001: not enough credits. For an anonymous user, `bindUrl` is the registration link. */
export class InsufficientCreditsError extends APIError {
  override readonly retryable = false;
  /** Registration link (`<webURL>?bind=<userId>`) when the user is anonymous. */
  declare readonly bindUrl: string | undefined;
  constructor(message: string, code: number | undefined, details: ErrorDetails & { body?: unknown; bindUrl?: string | undefined } = {}) {
    super(message, code, details);
    this.bindUrl = details.bindUrl;
  }
}

/** 4001, or rejected before sending: the file type is not accepted. */
export class UnsupportedFileTypeError extends APIError {
  override readonly retryable = false;
  /** Accepted extensions. */
  declare readonly supportedFormats: readonly string[];
  constructor(message: string, supportedFormats: readonly string[], details?: ErrorDetails & { body?: unknown }) {
    super(message, 4001, details);
    this.supportedFormats = supportedFormats;
  }
}

/** 4002, or rejected before sending: the file exceeds the upload limit. */
export class FileTooLargeError extends APIError {
  override readonly retryable = false;
  /** The limit, in bytes (500 MB). */
  declare readonly maxBytes: number;
  constructor(message: string, maxBytes: number, details?: ErrorDetails & { body?: unknown }) {
    super(message, 4002, details);
    this.maxBytes = maxBytes;
  }
}

/** HTTP 400 on the anonymous-token call: the `X-Client-Id` header was missing. */
export class MissingClientIdError extends APIError {}

/** HTTP 402: the plan may not export (register to unlock), or attribution headers were missing. */
export class ExportBlockedError extends APIError {
  override readonly retryable = false;
  /** Registration link, when known. */
  declare readonly bindUrl: string | undefined;
  constructor(message: string, code: number | undefined, details: ErrorDetails & { body?: unknown; bindUrl?: string | undefined } = {}) {
    super(message, code, details);
    this.bindUrl = details.bindUrl;
  }
}

/** HTTP 403: the token lacks a scope. Not retryable with the same token. */
export class PermissionDeniedError extends APIError {}

/** HTTP 429 after the one retry: wait `retryAfterMs` before trying again. */
export class RateLimitError extends APIError {
  override readonly retryable = true;
  /** How long the server asked to wait. */
  declare readonly retryAfterMs: number;
  /** The rate-limit headers of the response (`retry-after`, `x-ratelimit-*`, `ratelimit-*`). */
  declare readonly rateLimit: Readonly<Record<string, string>>;
  constructor(message: string, retryAfterMs: number, details: ErrorDetails & { body?: unknown; rateLimit?: Record<string, string> } = {}) {
    super(message, 429, details);
    this.retryAfterMs = retryAfterMs;
    this.rateLimit = details.rateLimit ?? {};
  }
}

/** The server could not be reached, or the connection failed before a response. */
export class APIConnectionError extends NemoVideoError {
  override readonly retryable = true;
  constructor(message = 'Could not reach the NemoVideo API. Check the network and `baseURL`.', details?: ErrorDetails) {
    super(message, undefined, details);
  }
}

/** A request (headers and body) took longer than its `timeout`. */
export class TimeoutError extends APIConnectionError {}

/** A chat stream ended badly. `partial` holds what it delivered; the message was not re-sent. */
export class ChatStreamError extends NemoVideoError {
  /** What the stream delivered before it stopped. */
  declare readonly partial: ChatResult;
  constructor(message: string, partial: ChatResult, details?: ErrorDetails) {
    super(message, undefined, details);
    this.partial = partial;
  }
}

/** A chat stream went quiet (only heartbeats, or no byte at all) or ran past `timeoutMs`. Never re-send: recover through state. */
export class StreamTimeoutError extends ChatStreamError {}

/** A chat stream was cut before it ended. The message was not re-sent: recover through state (`chat.recover`). */
export class StreamInterruptedError extends ChatStreamError {}

/** The agent failed inside the stream (a bare `{"error": …}` frame). */
export class AgentError extends ChatStreamError {}

/** A render job did not end well. `renderId` names the job. */
export class RenderError extends NemoVideoError {
  /** The render job this is about. */
  declare readonly renderId: string;
  constructor(message: string, renderId: string, details?: ErrorDetails) {
    super(message, undefined, details);
    this.renderId = renderId;
  }
}

/** A render job ended `failed` (after the one retry with a new id in `render.export`); `renderId` names the last render submitted. */
export class RenderFailedError extends RenderError {}

/** A render job was still running after `maxPolls`. It may still finish: `render.wait(renderId)` resumes it. */
export class RenderTimeoutError extends RenderError {
  override readonly retryable = true;
}

/** The session's draft has no segment yet, so there is nothing to render. */
export class NothingToExportError extends NemoVideoError {}

/** A response did not have the expected shape. `path` names the bad field. */
export class ResponseValidationError extends NemoVideoError {
  /** The path of the first bad field, e.g. `data.session_id`. */
  declare readonly path: string;
  constructor(message: string, path: string, details?: ErrorDetails) {
    super(message, undefined, details);
    this.path = path;
  }
}

/** The input is not a draft at all (not an object). Merely unusual drafts decode without errors. */
export class DraftDecodeError extends NemoVideoError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, undefined, details);
  }
}

/** An argument was invalid; thrown before any request is sent. */
export class InvalidArgumentError extends NemoVideoError {
  constructor(message: string, details?: ErrorDetails) {
    super(message, undefined, details);
  }
}

// Each class's `kind`: its own name, from one list (a shorthand key is the source name, which
// minifiers keep), instead of a static field per class.
for (const [kind, Class] of Object.entries({
  NemoVideoError,
  APIError,
  AuthenticationError,
  SessionNotFoundError,
  InsufficientCreditsError,
  UnsupportedFileTypeError,
  FileTooLargeError,
  MissingClientIdError,
  ExportBlockedError,
  PermissionDeniedError,
  RateLimitError,
  APIConnectionError,
  TimeoutError,
  ChatStreamError,
  StreamTimeoutError,
  StreamInterruptedError,
  AgentError,
  RenderError,
  RenderFailedError,
  RenderTimeoutError,
  NothingToExportError,
  ResponseValidationError,
  DraftDecodeError,
  InvalidArgumentError,
})) {
  (Class as { kind: string }).kind = kind;
}
