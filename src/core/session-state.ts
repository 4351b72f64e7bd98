/**
 * Reading a session's latest state (docs/protocol.md › Session state), written once for the state
 * resource, chat recovery and export.
 * @module
 */
import { pathSegment, requireId } from './args.js';
import type { CallOptions, Transport } from './transport.js';
import type { RequestOptions } from './types.js';
import { retryAfterMs } from './retry.js';
import { loadSchemas, validate } from './validate.js';
import { decodeDraft, isRecord, type Draft } from '../decoders/draft.js';

/** A session's latest state. `draft` is decoded (its wire JSON on `draft.raw`); the rest is as received. */
export interface SessionState {
  sessionId: string;
  taskId: string | undefined;
  taskName: string | undefined;
  /** The timeline, or `null` before the agent made one. */
  draft: Draft | null;
  /** Uploaded media. */
  videoInfos: unknown[];
  /** Canvas size and aspect. */
  canvasConfig: Record<string, unknown> | undefined;
  /** AI output. */
  generatedMedia: unknown[];
  videoAnalyses: unknown;
  /**
   * How soon the service suggests reading the state again, in ms, when it said so (`Retry-After`).
   * Polling loops that were given no interval of their own (`generate()`, `chat.recover`) follow it.
   */
  retryAfterMs?: number | undefined;
  raw: unknown;
}

/** `GET /api/state/nemo_agent/me/<session>/latest`, validated and decoded. */
export async function readSessionState(transport: Transport, sessionId: string, options?: RequestOptions): Promise<SessionState> {
  requireId(sessionId, 'sessionId');
  const path = `/api/state/nemo_agent/me/${pathSegment(sessionId)}/latest`;
  // `parse` reads the answer's text so the draft keeps its exact bytes.
  let retryAfter: number | undefined;
  const call: CallOptions = { ...options, sessionId, parse: parseStateAnswer, onHeaders: (h) => (retryAfter = retryAfterMs(h)) };
  const raw = await transport.request(path, call);
  const data = validate((await loadSchemas()).stateSchema, raw, `GET ${path}`, sessionId);
  const state = data.state ?? {};
  const draft = state.draft;
  return {
    sessionId: data.session_id ?? sessionId,
    taskId: data.task_id ?? undefined,
    taskName: data.task_name ?? undefined,
    draft: draft === undefined || draft === null ? null : decodeDraft(draft),
    videoInfos: list(state.video_infos),
    canvasConfig: isRecord(state.canvas_config) ? state.canvas_config : undefined,
    generatedMedia: list(state.generated_media),
    videoAnalyses: state.video_analyses,
    retryAfterMs: retryAfter,
    raw,
  };
}

/**
 * Parses the text of a state answer like `JSON.parse`, except that the draft object (at
 * `data.state.draft`, or `state.draft` without an envelope) is decoded from its own slice of the
 * text, so that render gets it byte for byte (see `draftJson`). Throws `SyntaxError` on invalid JSON.
 */
export function parseStateAnswer(text: string): unknown {
  const body: unknown = JSON.parse(text);
  const path = isRecord(body) && 'code' in body && 'data' in body ? ['data', 'state', 'draft'] : ['state', 'draft'];
  let parent: unknown = body;
  for (const key of path.slice(0, -1)) parent = isRecord(parent) ? parent[key] : undefined;
  if (!isRecord(parent) || !isRecord(parent.draft)) return body;
  // Where the draft's object sits in the (valid) text, from its punctuation, quotes and escapes:
  // each open object or array as [its level, where it starts], a level counting the path keys
  // matched on the way to a value (-1 once off the path). A repeated key counts at its last
  // occurrence, as in `JSON.parse`; that one is the object found above.
  const open: number[][] = [];
  const tokens = /[{}[\]:,"\\]/g;
  let level = 0;
  let key = '';
  let string = -1; // where the string being read starts
  let span: number[] | undefined;
  while (tokens.test(text)) {
    const at = tokens.lastIndex - 1;
    const c = text[at];
    if (c === '\\') tokens.lastIndex++; // skips the escaped character
    else if (c === '"') string < 0 ? (string = at) : ((key = text.slice(string, at + 1)), (string = -1));
    else if (string < 0) {
      if (c === ':') {
        const [l] = open.at(-1)!;
        // Only a key on the path is decoded (`\u0064raft` is `draft` too).
        level = path[l!] !== undefined && JSON.parse(key) === path[l!] ? l! + 1 : -1;
      } else if (c === ',') level = -1;
      else if (c === '{' || c === '[') open.push([level, at]), (level = -1);
      else {
        const [l, start] = open.pop()!;
        if (l === path.length) span = [start!, at + 1];
      }
    }
  }
  if (span) parent.draft = decodeDraft(text.slice(span[0], span[1])).raw;
  return body;
}

/** Whether a JSON value is an object (not an array, not `null`); one helper with the draft decoder's. */
export { isRecord };

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
