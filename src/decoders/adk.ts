/**
 * Pure decoding of Google ADK events, as streamed by `/run_sse` (one JSON event per SSE `data`
 * payload; see `test/fixtures/adk-sse/README.md` for captured streams). Nothing here throws:
 * shapes the SDK does not know become `unknown` events.
 * @module
 */
import type { ChatEvent } from '../core/types.js';

/** An ADK event as serialized on the wire (camelCase keys); only the fields the SDK reads. */
export interface RawAdkEvent {
  invocationId?: string;
  author?: string;
  id?: string;
  /** Epoch seconds (Python ADK, float) or milliseconds (JS ADK, integer). */
  timestamp?: number;
  content?: { role?: string; parts?: RawAdkPart[] };
  /** `true` on a live text delta; absent without `"streaming": true`. */
  partial?: boolean;
  errorCode?: string | number;
  errorMessage?: string;
  finishReason?: string;
  [key: string]: unknown;
}

/** One part of an ADK event's content: a text, a function call or a function response. */
export interface RawAdkPart {
  text?: string;
  /** Gemini "thinking" text: not part of the answer. */
  thought?: boolean;
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name?: string; response?: unknown };
  [key: string]: unknown;
}

// Keys that mark an object as an ADK event even when it carries no content (a metadata-only
// event that closes a model turn): such events are ignored, anything else unknown is kept.
const eventKeys = ['invocationId', 'author', 'actions', 'usageMetadata', 'finishReason', 'turnComplete', 'interrupted'];

// The Python server writes `{"error": "<str(e)>"}` without escaping (fixtures README › Python ADK).
// Anchored, and each `\s*` is followed by a literal it cannot match: linear on any text.
const bareErrorPrefix = /^\s*\{\s*"error"\s*:/;

/**
 * Parses one SSE `data` payload of an ADK stream. Returns the parsed JSON; for text that is not
 * JSON, a bare error frame is recovered as `{ error: message }` and anything else is returned
 * as the string itself (which {@link decodeAdkEvent} turns into an `unknown` event).
 */
export function parseAdkData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    if (!bareErrorPrefix.test(data)) return data;
    // Take everything after the key, then drop the quotes and brace that should close it. Plain
    // string code: the regex this replaces (`/"?\s*\}?\s*$/`) took cubic time on a run of spaces.
    let message = data.slice(data.indexOf(':') + 1).trim();
    if (message.startsWith('"')) message = message.slice(1);
    if (message.endsWith('}')) message = message.slice(0, -1).trimEnd();
    if (message.endsWith('"')) message = message.slice(0, -1);
    return { error: message };
  }
}

/**
 * Returns the message of a bare `{"error": …}` frame (the agent failed and the stream ends), or
 * `undefined` when `value` is anything else, such as an ADK event (whose errors use `errorCode`).
 * The text is whole: whoever quotes it redacts it first, then cuts it (`quote`).
 */
export function adkBareErrorMessage(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const frame = value as Record<string, unknown>;
  if (frame.content !== undefined || !('error' in frame) || 'invocationId' in frame || 'errorCode' in frame) return undefined;
  const error = frame.error;
  const nested = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const text = typeof error === 'string' ? error : typeof nested === 'string' ? nested : (JSON.stringify(error) ?? 'Unknown agent error');
  return text;
}

/**
 * Decodes one ADK event into chat events, one per content part, each with `raw` set to the
 * event: text parts give `text` (with `partial` and `author`), `functionCall` gives `tool_call`,
 * `functionResponse` gives `tool_result`, an `errorCode` other than `STOP` gives `error`.
 * Metadata-only events and `errorCode: "STOP"` (a normal, silent end) give nothing. Anything
 * else (a `thought` part, inline data, a payload that is not a JSON object) gives an `unknown` event.
 */
export function decodeAdkEvent(value: unknown): ChatEvent[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ type: 'unknown', raw: value }];
  const event = value as RawAdkEvent;
  const content = event.content ?? undefined;
  const code = event.errorCode ?? undefined;
  const parts = typeof content === 'object' ? content.parts : undefined;
  // Hot path: one part and no error, as nearly every streamed delta is.
  if (code === undefined && Array.isArray(parts) && parts.length === 1) return [decodePart(parts[0], event)];
  const out: ChatEvent[] = [];
  if (Array.isArray(parts)) {
    for (const part of parts) out.push(decodePart(part, event));
  } else if (content !== undefined && (typeof content !== 'object' || parts !== undefined)) {
    // `content` without `parts` is an empty model reply (a silent turn); any other shape is kept.
    out.push({ type: 'unknown', raw: event });
  }
  if (code !== undefined && code !== 'STOP') {
    const message = typeof event.errorMessage === 'string' && event.errorMessage !== '' ? event.errorMessage : `The agent stopped (${String(code)}).`;
    out.push({ type: 'error', code: String(code), message, raw: event });
  }
  if (content === undefined && code === undefined && !isAdkEvent(event)) out.push({ type: 'unknown', raw: event });
  return out;
}

function isAdkEvent(event: RawAdkEvent): boolean {
  for (const key of eventKeys) if (key in event) return true;
  return false;
}

function decodePart(part: RawAdkPart | null | undefined, event: RawAdkEvent): ChatEvent {
  if (typeof part !== 'object' || part === null) return { type: 'unknown', raw: event };
  if (typeof part.text === 'string' && part.thought !== true) {
    return { type: 'text', text: part.text, partial: event.partial === true, author: stringOr(event.author), raw: event };
  }
  const call = part.functionCall;
  if (typeof call === 'object' && call !== null && typeof call.name === 'string') {
    const args = typeof call.args === 'object' && call.args !== null ? call.args : {};
    return { type: 'tool_call', id: stringOr(call.id), name: call.name, args, raw: event };
  }
  const result = part.functionResponse;
  if (typeof result === 'object' && result !== null && typeof result.name === 'string') {
    return { type: 'tool_result', id: stringOr(result.id), name: result.name, response: result.response, raw: event };
  }
  return { type: 'unknown', raw: event };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Converts an ADK `timestamp` to epoch milliseconds: Python ADK sends float seconds, JS ADK
 * integer milliseconds; a value below 1e11 is read as seconds. Returns `undefined` for a
 * missing or non-numeric value.
 */
export function adkTimestampMs(timestamp: unknown): number | undefined {
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return undefined;
  return timestamp < 1e11 ? Math.round(timestamp * 1000) : timestamp;
}
