/**
 * Session state: the draft and the media of a session (PROTOCOL.md › Session state).
 * @module
 */
import { pathSegment, requireId } from '../core/args.js';
import type { RequestOptions } from '../core/types.js';
import { loadSchemas, validate } from '../core/validate.js';
import { decodeDraft, type Draft } from '../decoders/draft.js';
import { Resource } from './resource.js';

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
  raw: unknown;
}

/** Reads session state. */
export class State extends Resource {
  /** Reads the latest state of a session. Retried on network errors, 408 and 5xx; 1002 → `SessionNotFoundError`. */
  async latest(sessionId: string, options?: RequestOptions): Promise<SessionState> {
    requireId(sessionId, 'sessionId');
    const path = `/api/state/nemo_agent/me/${pathSegment(sessionId)}/latest`;
    const raw = await this.transport.request(path, { ...options, sessionId });
    const data = validate((await loadSchemas()).stateSchema, raw, `GET ${path}`, sessionId);
    const state = data.state ?? {};
    const draft = state.draft;
    return {
      sessionId: data.session_id ?? sessionId,
      taskId: data.task_id ?? undefined,
      taskName: data.task_name ?? undefined,
      draft: draft === undefined || draft === null ? null : decodeDraft(draft),
      videoInfos: Array.isArray(state.video_infos) ? state.video_infos : [],
      canvasConfig: isRecord(state.canvas_config) ? state.canvas_config : undefined,
      generatedMedia: Array.isArray(state.generated_media) ? state.generated_media : [],
      videoAnalyses: state.video_analyses,
      raw,
    };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
