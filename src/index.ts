/**
 * `nemovideo`: the universal entry (Node ≥ 22, browsers, Deno, Bun, workers). Named re-exports
 * only; it imports no Node built-in.
 * @module
 */

// Client
export { NemoVideo, type ClientOptions } from './client.js';
export type { Attribution } from './core/transport.js';
export type { Logger, LogLevel } from './core/logger.js';
export type { RequestOptions } from './core/types.js';

// Results
export type { AnonymousToken, ClaimToken, ClaimParams } from './resources/auth.js';
export type { Session, SessionCreateParams } from './resources/sessions.js';
export type { CreditBalance } from './resources/credits.js';
export type { SessionState } from './resources/state.js';
export type {
  ChatEvent,
  ChatTextEvent,
  ChatToolCallEvent,
  ChatToolResultEvent,
  ChatHeartbeatEvent,
  ChatErrorEvent,
  ChatUnknownEvent,
  ChatResult,
} from './core/types.js';

// Errors
export {
  NemoVideoError,
  isNemoVideoError,
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
  StreamTimeoutError,
  StreamInterruptedError,
  AgentError,
  RenderFailedError,
  RenderTimeoutError,
  NothingToExportError,
  ResponseValidationError,
  DraftDecodeError,
  InvalidArgumentError,
  type ErrorDetails,
} from './core/errors.js';
export { redact } from './core/redact.js';

// Token stores
export { MemoryTokenStore, type TokenStore, type StoredCredentials } from './core/token-store.js';
