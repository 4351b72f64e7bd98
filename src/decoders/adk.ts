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

const isAdkEvent = (value: object): boolean => eventKeys.some((key) => key in value);
// Every object JSON.parse makes (arrays too) is an Object of this realm.
const isObject = (value: unknown): value is Record<string, unknown> => value instanceof Object;
const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Parses one SSE `data` payload of an ADK stream. Returns the parsed JSON; for text that is not
 * JSON, a bare error frame is recovered as `{ error: message }` and anything else is returned
 * as the string itself (which {@link decodeAdkEvent} turns into an `unknown` event).
 */
export function parseAdkData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    // Take everything after the key, then drop the quotes and brace that should close it. Each
    // regex is anchored to one end and matches one character: linear. (The single regex this
    // replaced, `/"?\s*\}?\s*$/`, took cubic time on a run of spaces.)
    return bareErrorPrefix.test(data)
      ? { error: data.slice(data.indexOf(':') + 1).trim().replace(/^"/, '').replace(/\}$/, '').trimEnd().replace(/"$/, '') }
      : data;
  }
}

/**
 * Returns the message of a bare `{"error": …}` frame (the agent failed and the stream ends), or
 * `undefined` when `value` is anything else, such as an ADK event (whose errors use `errorCode`;
 * any key of an ADK event, or `content`, marks one).
 * The text is whole: whoever quotes it redacts it first, then cuts it (`quote`).
 */
export function adkBareErrorMessage(value: unknown): string | undefined {
  if (!isObject(value) || value.content !== undefined || !('error' in value) || 'errorCode' in value || isAdkEvent(value)) return;
  const error = value.error;
  const nested = isObject(error) ? error.message : undefined;
  // Any other JSON value is shown as JSON.
  return typeof error === 'string' ? error : typeof nested === 'string' ? nested : JSON.stringify(error);
}

/**
 * Decodes one ADK event into chat events, one per content part, each with `raw` set to the
 * event: text parts give `text` (with `partial` and `author`), `functionCall` gives `tool_call`,
 * `functionResponse` gives `tool_result`, an `errorCode` other than `STOP` gives `error`.
 * Metadata-only events and `errorCode: "STOP"` (a normal, silent end) give nothing. Anything
 * else (a `thought` part, inline data, a payload that is not a JSON object) gives an `unknown` event.
 */
export function decodeAdkEvent(value: unknown): ChatEvent[] {
  const unknown = { type: 'unknown', raw: value } as const;
  if (!isObject(value) || Array.isArray(value)) return [unknown];
  // (Casts, not copies: `value` is the event.)
  const { content, errorCode: code, errorMessage: message } = value as RawAdkEvent;
  const parts = content?.parts;
  const out: ChatEvent[] = Array.isArray(parts)
    ? parts.map((part) => decodePart(part, value as RawAdkEvent) ?? { ...unknown })
    : (
          content != null
            ? // `content` without `parts` is an empty model reply (a silent turn); any other shape is kept.
              typeof content !== 'object' || parts !== undefined
            : // No content and no error: a metadata-only event is ignored, anything else is kept.
              code == null && !isAdkEvent(value)
        )
      ? [unknown]
      : [];
  if (code != null && code !== 'STOP') {
    const text = `${code}`; // JSON: never a symbol
    out.push({ type: 'error', code: text, message: (typeof message === 'string' && message) || `The agent stopped (${text}).`, raw: value });
  }
  return out;
}

/** The chat event of one content part; `undefined` for a part of no known shape. */
function decodePart(part: RawAdkPart | null | undefined, raw: RawAdkEvent): ChatEvent | undefined {
  // Destructuring reads undefined from any JSON value that is not an object (`?? {}` covers null).
  const { text, functionCall: call, functionResponse: result } = part ?? {};
  if (typeof text === 'string' && part!.thought !== true) return { type: 'text', text, partial: raw.partial === true, author: stringOr(raw.author), raw };
  // `?.name` reads undefined on any JSON value that is not an object.
  if (typeof call?.name === 'string') return { type: 'tool_call', id: stringOr(call.id), name: call.name, args: isObject(call.args) ? call.args : {}, raw };
  if (typeof result?.name === 'string') return { type: 'tool_result', id: stringOr(result.id), name: result.name, response: result.response, raw };
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
