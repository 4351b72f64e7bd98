/**
 * Exit codes and the one line a failed run prints. The CLI writes its own sentence per kind of
 * error, from the error's fields (session id, render id, registration link, wait): what happened,
 * then the command to run next, with the ids needed to go on without paying again. The server's
 * own words are kept only where they add something.
 * @module
 */
import {
  AgentError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  DraftDecodeError,
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
  ResponseValidationError,
  SessionNotFoundError,
  StreamInterruptedError,
  StreamTimeoutError,
  TimeoutError,
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

/** How the run was set up, for the next-step hints: where its identity comes from, and whether it ran in process. */
export interface RunSetup {
  /** `--emulator`: sessions and links live only as long as the command. */
  emulated: boolean;
  /** Where the token came from: `--token`, `NEMO_TOKEN`, or the CLI's saved identity (or a new anonymous one). */
  tokenFrom: 'flag' | 'env' | 'saved';
  /** The folder of the saved identity (`credentials.json`, `client_id`). */
  configDir: string;
  /** The API the run talked to. */
  baseURL?: string | undefined;
}

/** A usage error found by the CLI itself (bad flag value, missing file). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `export --resume <id>` named a render this account does not have (the API answered 404). */
export class UnknownRenderError extends Error {
  override name = 'UnknownRenderError';
  constructor(
    /** The render id given to `--resume`. */
    readonly renderId: string,
    /** The session given on the line. */
    readonly sessionId: string,
    cause: unknown,
  ) {
    super(`Render ${renderId} is not known to this account: the id may be mistyped, or the render was submitted with another token.`, { cause });
  }
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
    super(`The video was rendered but could not be saved to ${path}: ${reasonOf(cause)}`, { cause });
    this.code = (cause as { code?: unknown } | null)?.code;
  }
}

// A file-system failure in a few plain words, by its code (`ENOENT`…); undefined for another code.
const fsReasons: Record<string, string> = {
  ENOENT: 'not found',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOSPC: 'no space left on the disk',
  EROFS: 'the disk is read-only',
  EMFILE: 'too many files are open',
};

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A file-system error as one plain sentence about `path` (`File not found: <path>`); undefined when it is not one. */
export function fsSentence(error: unknown, path?: string): string | undefined {
  const code = codeOf(error);
  const reason = code !== undefined ? fsReasons[code] : undefined;
  if (reason === undefined) return undefined;
  const where = path ?? (error as { path?: unknown }).path;
  if (typeof where !== 'string') return `${reason[0]!.toUpperCase()}${reason.slice(1)}.`;
  switch (code) {
    case 'ENOENT':
      return `File not found: ${where}`;
    case 'EACCES':
    case 'EPERM':
      return `Permission denied: ${where}`;
    case 'EISDIR':
      return `${where} is a folder, not a file`;
    case 'ENOTDIR':
      return `${where}: a part of the path is a file, not a folder`;
    default:
      return `${reason[0]!.toUpperCase()}${reason.slice(1)}: ${where}`;
  }
}

// Why saving failed, for the download line: plain words for a file-system code, else the cause's own message.
function reasonOf(cause: unknown): string {
  const code = codeOf(cause);
  if (code !== undefined && fsReasons[code]) return `${fsReasons[code]}.`;
  return cause instanceof Error ? describe(cause, {}).message : String(cause);
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

// An input file that is missing, unreadable or not a file: nothing was sent, the line can be fixed.
const usageFsCodes = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM']);

/** The exit code for an error (1 when it is not one the CLI knows). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof DownloadFailedError) {
    // After a render, a bad file or argument is no usage error: nothing can be fixed by re-typing the line.
    const code = exitCodeOf(error.cause);
    return code === exitCodes.usage ? exitCodes.generic : code;
  }
  for (const [Class, code] of table) if (error instanceof Class) return code;
  if (usageFsCodes.has(String(codeOf(error)))) return exitCodes.usage;
  return exitCodes.generic;
}

/** Whether this is the abort of the run's own signal (Ctrl-C), not a failure. */
export function isInterrupt(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (error === signal.reason || (error as Error | null)?.name === 'AbortError');
}

// Plain string code: a regex like /\s*\n\s*/ backtracks on long runs of spaces.
const oneLine = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');

/** How to keep emulator sessions between commands. */
export const emulatorKeep = 'To keep sessions between commands, run `nemovideo emulator` in another terminal and set NEMO_API_URL to the URL it prints.';

/** The dead end of `--emulator`, said once: where its sessions went and how to keep them. */
export const emulatorGone = `This session lived in the in-process emulator and is gone. ${emulatorKeep}`;

// Connection failures in plain words, by the code found in the cause chain.
const netReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing is listening there',
  ENOTFOUND: 'the host name is not known',
  EAI_AGAIN: 'the host name could not be looked up',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
};

// The first code in an error's cause chain (`fetch failed` → `ECONNREFUSED`).
function deepCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e) ?? (e as { errors?: unknown[] }).errors?.map(codeOf).find(Boolean);
    if (code) return code;
  }
  return undefined;
}

// The innermost message of a cause chain (`fetch failed` → `bad port`).
function deepMessage(error: unknown): string | undefined {
  let message: string | undefined;
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e.message) message = e.message;
  return message === undefined ? undefined : oneLine(message).slice(0, 200);
}

/** What a failure says: what happened, and the next step (a command, when there is one). */
export interface Described {
  message: string;
  hint?: string | undefined;
}

// The server's own words from an API error's body, when it sent any (already redacted by the SDK).
function serverDetail(error: unknown): string | undefined {
  const body = (error as { body?: unknown } | null)?.body;
  const b = body as Record<string, unknown> | null | undefined;
  const text = typeof body === 'string' ? body : typeof b === 'object' && b !== null ? (b.message ?? b.msg ?? b.error ?? b.detail) : undefined;
  if (typeof text !== 'string' || text.trim() === '' || text.trimStart().startsWith('<')) return undefined;
  const cut = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return cut.trim().replace(/[.\s]+$/, '');
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))} s`;

// Where the run's identity came from, in the words of the 1001 and 1002 hints.
function identityHint(setup: Partial<RunSetup>): string {
  switch (setup.tokenFrom) {
    case 'flag':
      return 'This run used the --token you gave: pass the token that made the session.';
    case 'env':
      return 'This run used NEMO_TOKEN: set it to the token that made the session.';
    default: {
      const where = setup.configDir ?? '~/.config/nemovideo';
      return `This CLI keeps its identity in ${where}, so its commands share sessions; for a session made by another program, set NEMO_TOKEN and NEMO_CLIENT_ID to the ones it used.`;
    }
  }
}

/**
 * The CLI's sentence for an error and what to do next, from the error's fields (never the SDK's
 * advice, which names SDK methods).
 */
export function describe(error: unknown, ids: RunIds & Partial<RunSetup>): Described {
  const e = (error ?? {}) as { sessionId?: string; renderId?: string; message?: string };
  const sessionId = e.sessionId ?? ids.sessionId;
  const session = sessionId ? `session ${sessionId}` : 'the session';
  const emulated = ids.emulated === true;
  // A command naming the session is a dead end after --emulator: say where the session went instead.
  const next = (command: string) => (emulated ? emulatorGone : command);
  const fs = fsSentence(error);

  if (error instanceof UsageError || error instanceof InvalidArgumentError || error instanceof UnsupportedFileTypeError || error instanceof FileTooLargeError) {
    return { message: e.message ?? String(error) };
  }
  if (error instanceof UnknownRenderError) {
    if (emulated) return { message: `Render ${error.renderId} is not in this run's emulator: each --emulator run starts empty.`, hint: emulatorKeep };
    return { message: error.message, hint: `Check the id (a run that timed out or was interrupted prints it), or start a new render: nemovideo export ${error.sessionId}` };
  }
  if (error instanceof DownloadFailedError) {
    return { message: error.message, hint: sessionId ? next(`Nothing is paid again: nemovideo export ${sessionId} --resume ${error.renderId} --out <file>`) : undefined };
  }
  if (error instanceof SessionNotFoundError) {
    if (emulated) {
      return {
        message: `${sessionId ? `Session ${sessionId}` : 'The session'} is not in this run's emulator: each --emulator run starts empty, and its sessions are gone when it ends.`,
        hint: emulatorKeep,
      };
    }
    return {
      message: `${sessionId ? `Session ${sessionId}` : 'The session'} was not found: it expired after being idle, or it was made by another user (another token or client id).`,
      hint: `${identityHint(ids)} To start again: nemovideo generate "<prompt>"`,
    };
  }
  if (error instanceof AuthenticationError) {
    const hint =
      ids.tokenFrom === 'flag'
        ? 'Check the --token value, or leave it out to use the saved token (or a new anonymous one).'
        : ids.tokenFrom === 'env'
          ? 'Check NEMO_TOKEN, or unset it to use the saved token (or a new anonymous one).'
          : `A new anonymous token was refused too: delete ${ids.configDir ?? '~/.config/nemovideo'}/credentials.json and try again, or set NEMO_TOKEN.`;
    return { message: 'The token was refused: it is invalid or has expired.', hint };
  }
  if (error instanceof PermissionDeniedError) {
    return { message: `The token may not do this (403)${serverDetail(error) ? `: ${serverDetail(error)}` : ''}.`, hint: 'Use the token of an account that may (NEMO_TOKEN or --token).' };
  }
  if (error instanceof MissingClientIdError) {
    return { message: 'The API asked for a client id and got none.', hint: 'Set NEMO_CLIENT_ID to any UUID (e.g. from `uuidgen`) and try again.' };
  }
  if (error instanceof InsufficientCreditsError) {
    return {
      message: 'Out of credits: this account has too few credits for this.',
      hint: error.bindUrl ? `Register to get more: ${error.bindUrl}` : 'Top up on nemovideo.com; `nemovideo credits` shows the balance.',
    };
  }
  if (error instanceof ExportBlockedError) {
    const keep = sessionId && !emulated ? ` The timeline is kept in session ${sessionId}: export it once registered with: nemovideo export ${sessionId}` : '';
    return {
      message: "Export blocked: this account's plan may not export videos (the free plan may not).",
      hint: `${error.bindUrl ? `Register to unlock it: ${error.bindUrl}.` : 'Register on nemovideo.com to unlock it.'}${keep}`,
    };
  }
  if (error instanceof RateLimitError) {
    return { message: 'The API is rate-limiting this account: too many calls in a short time.', hint: `Try again in ${seconds(error.retryAfterMs)}.${sessionId && !emulated ? ` Session: ${sessionId}` : ''}` };
  }
  if (error instanceof TimeoutError) {
    return { message: 'The API took too long to answer.', hint: `Check the network and try again.${sessionId && !emulated ? ` Session: ${sessionId}` : ''}` };
  }
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const code = deepCode(cause);
    const deepest = deepMessage(cause);
    const why = code ? ` (${netReasons[code] ?? code})` : deepest && deepest !== 'fetch failed' ? ` (${deepest})` : '';
    return {
      message: `Could not reach the NemoVideo API${ids.baseURL && !emulated ? ` at ${ids.baseURL}` : ''}${why}.`,
      hint: `Check the network, and NEMO_API_URL or --base-url if you set one, then try again.${sessionId && !emulated ? ` Session: ${sessionId}` : ''}`,
    };
  }
  if (error instanceof AgentError) {
    // The agent's own words are the only news here: keep them, without the SDK's lead-in.
    const detail = (e.message ?? '').replace(/^The agent failed:?\s*/i, '').replace(/[.\s]+$/, '');
    return {
      message: `The agent failed${detail ? `: ${detail}` : ''}. Nothing was re-sent.`,
      hint: sessionId ? next(`See what landed in ${session}: nemovideo state ${sessionId}`) : undefined,
    };
  }
  if (error instanceof StreamInterruptedError || error instanceof StreamTimeoutError) {
    const what = error instanceof StreamTimeoutError ? "The agent's answer went quiet" : "The agent's answer was cut off";
    return {
      message: `${what}, and ${session}'s timeline did not change. Nothing was re-sent.`,
      hint: sessionId ? next(`Look again in a minute: nemovideo state ${sessionId}`) : undefined,
    };
  }
  if (error instanceof RenderTimeoutError) {
    return {
      message: `Render ${error.renderId} is still running: the wait ran out before it finished.`,
      hint: sessionId ? next(`Follow it without paying again: nemovideo export ${sessionId} --resume ${error.renderId}`) : undefined,
    };
  }
  if (error instanceof RenderFailedError) {
    return { message: `The render failed${/twice/.test(e.message ?? '') ? ' twice' : ''} (last render ${error.renderId}).`, hint: sessionId ? next(`Try again: nemovideo export ${sessionId}`) : undefined };
  }
  if (error instanceof NothingToExportError) {
    return { message: `${sessionId ? `Session ${sessionId}` : 'The session'} has nothing to render yet: its timeline is empty.`, hint: sessionId ? next(`Ask the agent first: nemovideo chat ${sessionId} "<message>"`) : undefined };
  }
  if (error instanceof ResponseValidationError || error instanceof DraftDecodeError) {
    return { message: `The API sent an answer this version does not understand (${oneLine(e.message ?? '')})`, hint: 'Update nemovideo (npm install -g nemovideo@latest) and try again.' };
  }
  if (error instanceof APIError) {
    const status = (error as { status?: number }).status;
    const detail = serverDetail(error);
    return {
      message: `The API refused the call (${error.code ?? status ?? 'no code'})${detail ? `: ${detail}` : ''}.`,
      hint: sessionId && !emulated ? `Session: ${sessionId}` : undefined,
    };
  }
  if (fs !== undefined) return { message: fs };
  return { message: e.message ?? String(error), hint: sessionId && !emulated ? `Session: ${sessionId}` : undefined };
}

/** What to do next, with the ids the user needs (no hint when there is nothing to resume). */
export function resumeHint(error: unknown, ids: RunIds & Partial<RunSetup>): string | undefined {
  return describe(error, ids).hint;
}

/** The line printed for an interrupt: what was running and how to go on. */
export function interruptLine(ids: RunIds & Partial<RunSetup>): string {
  const parts = ['Interrupted. Nothing was re-sent.'];
  if (ids.emulated && ids.sessionId) parts.push(emulatorGone);
  else if (ids.sessionId && ids.renderId) parts.push(`Resume with: nemovideo export ${ids.sessionId} --resume ${ids.renderId}`);
  else if (ids.sessionId) parts.push(`See what landed in session ${ids.sessionId}: nemovideo state ${ids.sessionId}`);
  return parts.join(' ');
}

// Whether the CLI knows this error (its own sentence), or it is a bug worth a stack.
function isKnown(error: unknown): boolean {
  return error instanceof NemoVideoError || error instanceof UsageError || error instanceof DownloadFailedError || error instanceof UnknownRenderError || fsSentence(error) !== undefined;
}

// Ends a message with a full stop (paths excepted: a dot after one would look like part of it).
const sentence = (text: string) => (/[.!?:)"`]$/.test(text) || /\s\S*[/\\]\S*$/.test(text) ? text : `${text}.`);

/** The single line a failed run prints (no stack): what happened, then what to do next. */
export function errorLine(error: unknown, ids: RunIds & Partial<RunSetup>): string {
  if (!isKnown(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return oneLine(`Unexpected error: ${message} (set DEBUG=nemovideo for the stack)`);
  }
  const { message, hint } = describe(error, ids);
  return oneLine(hint ? `Error: ${sentence(message)} ${hint}` : `Error: ${message}`);
}

/** The `{"error": …}` object of `--json`. */
export function errorJson(error: unknown, ids: RunIds & Partial<RunSetup>, exitCode: number): Record<string, unknown> {
  const e = (error ?? {}) as { name?: string; message?: string; code?: unknown; sessionId?: string; renderId?: string; bindUrl?: string; retryAfterMs?: number };
  const known = isKnown(error);
  const described = known ? describe(error, ids) : { message: e.message ?? String(error), hint: undefined };
  return {
    error: {
      name: e.name ?? 'Error',
      message: oneLine(described.message),
      code: e.code,
      sessionId: e.sessionId ?? ids.sessionId,
      renderId: e.renderId ?? ids.renderId,
      bindUrl: e.bindUrl,
      retryAfterMs: e.retryAfterMs,
      // The server's own words (redacted), for programs and bug reports; the line leaves them out when they repeat it.
      detail: error instanceof APIError ? serverDetail(error) : undefined,
      exitCode,
      hint: described.hint,
    },
  };
}
