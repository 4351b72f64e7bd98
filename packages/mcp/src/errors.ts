/**
 * SDK errors as MCP tool results: `isError: true` and one sentence of guidance, with the ids
 * needed to resume. Never a stack trace, never a token.
 * @module
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  AgentError,
  APIConnectionError,
  AuthenticationError,
  ExportBlockedError,
  FileTooLargeError,
  InsufficientCreditsError,
  InvalidArgumentError,
  NothingToExportError,
  PermissionDeniedError,
  RateLimitError,
  RenderFailedError,
  RenderTimeoutError,
  SessionNotFoundError,
  StreamInterruptedError,
  StreamTimeoutError,
  UnsupportedFileTypeError,
  isNemoVideoError,
} from 'nemovideo';
import { redactSecrets } from './redact.js';

/** A refusal of the MCP server itself (bad input, a path outside the roots), phrased as guidance. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

/** What is known when an error ends a tool call. */
export interface ErrorContext {
  sessionId?: string | undefined;
  renderId?: string | undefined;
  /** The web app, for links when the error carries none. */
  webURL?: string | undefined;
  /** The claim link of the session, when known. */
  claimUrl?: string | undefined;
}

/** Whether an error is the abort of a cancelled request. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return (error as Error | undefined)?.name === 'AbortError';
}

/** One sentence (or two) telling the model what happened and what to do next. */
export function guidance(error: unknown, context: ErrorContext = {}): string {
  const sessionId = context.sessionId ?? (isNemoVideoError(error) ? error.sessionId : undefined);
  const renderId = context.renderId ?? (error as { renderId?: string } | undefined)?.renderId;
  const inSession = sessionId ? ` (session ${sessionId})` : '';
  const message = error instanceof Error ? error.message : String(error);
  let text: string;
  if (error instanceof ToolInputError) text = message;
  else if (error instanceof InsufficientCreditsError) {
    const link = error.bindUrl ?? context.claimUrl ?? context.webURL;
    text = `Out of credits${inSession}: ${error.bindUrl ? 'register (free) to get more' : 'top up'} at ${link}, then try again; nothing was charged for this call.`;
  } else if (error instanceof ExportBlockedError) {
    const link = error.bindUrl ?? context.claimUrl ?? context.webURL;
    text = `This plan may not export videos (a plan limit, not credits): register at ${link} to unlock export; the draft is kept${inSession} and export_video works once registered.`;
  } else if (error instanceof SessionNotFoundError) {
    text = `${sessionId ? `Session ${sessionId}` : 'The session'} does not exist or has expired: call create_video without session_id to start a new one.`;
  } else if (error instanceof AuthenticationError) {
    text = 'NemoVideo refused the token: if NEMO_TOKEN is set in the server config, check it there (never paste it into the chat); otherwise restart the server for a new anonymous identity.';
  } else if (error instanceof PermissionDeniedError) {
    text = `This identity may not do that (${message}): sign in at ${context.webURL ?? 'the NemoVideo web app'} or use a token with the needed scope.`;
  } else if (error instanceof RateLimitError) {
    text = `NemoVideo is rate limiting: wait ${Math.ceil(error.retryAfterMs / 1000)} s, then call again${inSession}.`;
  } else if (error instanceof RenderTimeoutError) {
    text = `Render ${error.renderId} is still running${inSession}: call export_video with session_id ${sessionId} and render_id ${error.renderId} to keep waiting (nothing is submitted again).`;
  } else if (error instanceof RenderFailedError) {
    text = `Render ${error.renderId} failed${inSession}: call export_video again to submit a new render (export is free).`;
  } else if (error instanceof NothingToExportError) {
    text = `Session ${sessionId} has nothing to export yet: its timeline is empty; ask for the video with create_video (session_id ${sessionId}) first.`;
  } else if (error instanceof StreamInterruptedError || error instanceof StreamTimeoutError) {
    text = `The agent's stream was cut and the timeline has not changed yet${inSession}; the message was NOT re-sent (that would pay twice): call get_video_status in a minute to see what the agent did.`;
  } else if (error instanceof AgentError) {
    text = `The agent failed${inSession}: ${message} Try again with a rephrased instruction (edit_video).`;
  } else if (error instanceof UnsupportedFileTypeError) {
    text = `${message} Accepted: ${error.supportedFormats.join(', ')}.`;
  } else if (error instanceof FileTooLargeError) {
    text = `${message} Files must be at most ${Math.round(error.maxBytes / 1e6)} MB each.`;
  } else if (error instanceof InvalidArgumentError) {
    text = message;
  } else if (error instanceof APIConnectionError) {
    text = `Could not reach NemoVideo (${message})${inSession}: check the network, then call get_video_status before trying again, so nothing is paid twice.`;
  } else if (isNemoVideoError(error)) {
    text = `${message}${inSession && !message.includes(sessionId ?? '\0') ? inSession : ''}`;
  } else {
    text = `Unexpected error: ${message}${inSession}.`;
  }
  if (renderId && !text.includes(renderId)) text += ` Render id: ${renderId}.`;
  return redactSecrets(text.replace(/\s+/g, ' ').trim());
}

/** A tool error result with guidance. */
export function toolError(error: unknown, context: ErrorContext = {}): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: guidance(error, context) }] };
}

/** The guidance for a cancelled job: nothing re-sent, and the ids to resume with. */
export function cancelledText(tool: string, context: ErrorContext): string {
  const ids = [context.sessionId && `session_id ${context.sessionId}`, context.renderId && `render_id ${context.renderId}`].filter(Boolean).join(', ');
  const resume = context.renderId ? 'export_video' : 'get_video_status';
  return `${tool} was cancelled; nothing was re-sent.${ids ? ` Resume with ${resume} (${ids}).` : ''}`;
}
