/**
 * Exit codes and the one line a failed run prints: the error's message plus what the user needs
 * to go on without paying again (the session id, the render id).
 * @module
 */
import {
  AgentError,
  APIConnectionError,
  AuthenticationError,
  ExportBlockedError,
  FileTooLargeError,
  InsufficientCreditsError,
  InvalidArgumentError,
  MissingClientIdError,
  NemoVideoError,
  NothingToExportError,
  PermissionDeniedError,
  RateLimitError,
  RenderFailedError,
  RenderTimeoutError,
  StreamInterruptedError,
  StreamTimeoutError,
  UnsupportedFileTypeError,
} from '../index.js';

/** The exit codes of `nemovideo` (docs/cli.md › Exit codes). */
export const exitCodes = {
  ok: 0,
  /** Any other failure. */
  generic: 1,
  /** Bad arguments, options, or input files (nothing was sent). */
  usage: 2,
  /** The token was refused (1001, 401, 403). */
  auth: 3,
  /** Out of credits (2001), or the plan may not export (402). */
  credits: 4,
  /** The API could not be reached, timed out, or rate-limited the call: try again later. */
  network: 5,
  /** The chat stream was cut or went quiet and the session's state showed no change; nothing was re-sent. */
  stream: 6,
  /** A render failed, is still running, or there was nothing to render. */
  render: 7,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

/** The ids known so far in a run, used for resume hints when an error lacks them. */
export interface RunIds {
  sessionId?: string | undefined;
  renderId?: string | undefined;
}

/** A usage error found by the CLI itself (bad flag value, missing file). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The video could not be downloaded or saved after its render finished (and was paid for): the
 * render id says how to get it again without paying (`nemovideo export <session> --resume <id>`).
 */
export class DownloadFailedError extends Error {
  override name = 'DownloadFailedError';
  /** The cause's code (`EISDIR`, `ENOSPC`…, or the API's), when it has one. */
  readonly code: unknown;

  constructor(
    /** Where the video was to be saved. */
    readonly path: string,
    /** The session of the render. */
    readonly sessionId: string | undefined,
    /** The finished render. */
    readonly renderId: string,
    cause: unknown,
  ) {
    super(`The video was rendered but could not be saved to ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = (cause as { code?: unknown } | null)?.code;
  }
}

// Table, not an if chain: the first class the error is an instance of decides (order matters:
// subclasses before their bases).
const table: [new (...args: never[]) => Error, number][] = [
  [UsageError, exitCodes.usage],
  [InvalidArgumentError, exitCodes.usage],
  [UnsupportedFileTypeError, exitCodes.usage],
  [FileTooLargeError, exitCodes.usage],
  [AuthenticationError, exitCodes.auth],
  [PermissionDeniedError, exitCodes.auth],
  [MissingClientIdError, exitCodes.auth],
  [InsufficientCreditsError, exitCodes.credits],
  [ExportBlockedError, exitCodes.credits],
  [RateLimitError, exitCodes.network],
  [APIConnectionError, exitCodes.network],
  [StreamInterruptedError, exitCodes.stream],
  [StreamTimeoutError, exitCodes.stream],
  [AgentError, exitCodes.stream],
  [RenderFailedError, exitCodes.render],
  [RenderTimeoutError, exitCodes.render],
  [NothingToExportError, exitCodes.render],
];

const usageFsCodes = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** The exit code for an error (1 when it is not one the CLI knows). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof DownloadFailedError) {
    // After a render, a bad file or argument is no usage error: nothing can be fixed by re-typing the line.
    const code = exitCodeOf(error.cause);
    return code === exitCodes.usage ? exitCodes.generic : code;
  }
  for (const [Class, code] of table) if (error instanceof Class) return code;
  if (usageFsCodes.has(String((error as { code?: unknown } | null)?.code))) return exitCodes.usage;
  return exitCodes.generic;
}

/** Whether this is the abort of the run's own signal (Ctrl-C), not a failure. */
export function isInterrupt(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (error === signal.reason || (error as Error | null)?.name === 'AbortError');
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** What to do next, with the ids the user needs (no hint when there is nothing to resume). */
export function resumeHint(error: unknown, ids: RunIds): string | undefined {
  const e = error as { sessionId?: string; renderId?: string };
  const sessionId = e?.sessionId ?? ids.sessionId;
  const renderId = e?.renderId ?? ids.renderId;
  if (error instanceof DownloadFailedError && sessionId) return `Nothing is paid again: nemovideo export ${sessionId} --resume ${renderId} --out <file>`;
  if (error instanceof RenderTimeoutError && sessionId) return `Resume with: nemovideo export ${sessionId} --resume ${renderId}`;
  if (error instanceof RenderFailedError && sessionId) return `Render ${renderId} failed; try again with: nemovideo export ${sessionId}`;
  if (error instanceof NothingToExportError && sessionId) return `Ask the agent first: nemovideo chat ${sessionId} "<message>"`;
  if ((error instanceof StreamInterruptedError || error instanceof StreamTimeoutError || error instanceof AgentError) && sessionId) {
    return `Nothing was re-sent. Look again later: nemovideo state ${sessionId}`;
  }
  if (sessionId) return `Session: ${sessionId}`;
  return undefined;
}

/** The line printed for an interrupt: what was running and how to go on. */
export function interruptLine(ids: RunIds): string {
  const parts = ['Interrupted. Nothing was re-sent.'];
  if (ids.sessionId && ids.renderId) parts.push(`Resume with: nemovideo export ${ids.sessionId} --resume ${ids.renderId}`);
  else if (ids.sessionId) parts.push(`Session ${ids.sessionId}; see what landed: nemovideo state ${ids.sessionId}`);
  return parts.join(' ');
}

/** The single line a failed run prints (no stack): message, then the resume hint. */
export function errorLine(error: unknown, ids: RunIds): string {
  const known = error instanceof NemoVideoError || error instanceof UsageError || error instanceof DownloadFailedError;
  const fs = typeof (error as { code?: unknown } | null)?.code === 'string' && error instanceof Error && !known;
  const message = error instanceof Error ? error.message : String(error);
  const prefix = known || fs ? 'Error' : 'Unexpected error';
  const hint = known || fs ? resumeHint(error, ids) : '(set DEBUG=nemovideo for the stack)';
  return oneLine(`${prefix}: ${message}${hint ? ` ${hint}` : ''}`);
}

/** The `{"error": …}` object of `--json`. */
export function errorJson(error: unknown, ids: RunIds, exitCode: number): Record<string, unknown> {
  const e = (error ?? {}) as { name?: string; message?: string; code?: unknown; sessionId?: string; renderId?: string };
  return {
    error: {
      name: e.name ?? 'Error',
      message: oneLine(e.message ?? String(error)),
      code: e.code,
      sessionId: e.sessionId ?? ids.sessionId,
      renderId: e.renderId ?? ids.renderId,
      exitCode,
      hint: resumeHint(error, ids),
    },
  };
}
