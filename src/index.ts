/**
 * `nemovideo`: the universal entry (Node ≥ 22, browsers, Deno, Bun, workers). Named re-exports
 * only; it imports no Node built-in.
 * @module
 */

// Client
export { NemoVideo } from './client.js';
export { NemoVideoCore, type ClientOptions, type AnonymousToken } from './core/client.js';
export type { Attribution, Transport, TransportOptions, CallOptions } from './core/transport.js';
export type { TokenManager, TokenManagerOptions, AcquiredToken } from './core/auth.js';

// Resources: `NemoVideo` has them all; build only those you use on a `NemoVideoCore`
export type { Resource } from './resources/resource.js';
export { Auth } from './resources/auth.js';
export { Sessions } from './resources/sessions.js';
export { Credits } from './resources/credits.js';
export { State } from './resources/state.js';
export { Chat } from './resources/chat.js';
export { Uploads } from './resources/uploads.js';
export { Render } from './resources/render.js';
export type { Logger, LogLevel } from './core/logger.js';
export type { RequestOptions } from './core/types.js';

// Results
export type { ClaimToken, ClaimParams } from './resources/auth.js';
export type { Session, SessionCreateParams } from './resources/sessions.js';
export type { CreditBalance } from './resources/credits.js';
export type { SessionState } from './core/session-state.js';
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

export type {
  UploadData,
  UploadFile,
  UploadInput,
  UploadCreateParams,
  UploadCreateOptions,
  UploadProgress,
  UploadedFile,
  UploadResult,
} from './resources/uploads.js';
export type {
  RenderStatus,
  RenderOutput,
  RenderJob,
  RenderCreateParams,
  RenderRetrieveOptions,
  RenderWaitOptions,
  RenderExportOptions,
  RenderDownloadOptions,
} from './resources/render.js';
export type { ChatStream, ChatStreamOptions } from './resources/chat-stream.js';
export type { ChatSendOptions, ChatRecoverOptions, ChatRecovery } from './resources/chat.js';
export type { GenerateOptions, GenerateResult, GenerateProgress, GeneratePolling } from './generate.js';
export { pollEvery } from './generate.js';

// Draft decoders and intent helpers (pure; importable without the client)
export { decodeDraft, isExportable } from './decoders/draft.js';
export type { Draft, Track, Segment, TrackType, RawDraft, RawTrack, RawSegment } from './decoders/draft.js';
export { summarizeTimeline, trackKind, type TrackKind } from './decoders/timeline.js';
export { diffTimelines, describeChanges } from './decoders/diff.js';
export type { TimelineChange, TrackChange, SegmentPresenceChange, SegmentEdit } from './decoders/diff.js';
export { routeIntent, type Intent, type RouteIntentOptions } from './decoders/intent.js';
export { translateGuiText, type GuiAction, type GuiTranslation } from './decoders/gui.js';
export { detectLanguage } from './decoders/language.js';

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
  type ErrorDetails,
} from './core/errors.js';
export { redact } from './core/redact.js';

// Token stores
export { MemoryTokenStore, type TokenStore, type StoredCredentials } from './core/token-store.js';
