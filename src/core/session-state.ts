/**
 * Reading a session's latest state (PROTOCOL.md › Session state), written once for the state
 * resource, chat recovery and export.
 * @module
 */
import { pathSegment, requireId } from './args.js';
import type { Transport } from './transport.js';
import type { RequestOptions } from './types.js';
import { loadSchemas, validate } from './validate.js';
import { decodeDraft, type Draft } from '../decoders/draft.js';

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

/** `GET /api/state/nemo_agent/me/<session>/latest`, validated and decoded. */
export async function readSessionState(transport: Transport, sessionId: string, options?: RequestOptions): Promise<SessionState> {
  requireId(sessionId, 'sessionId');
  const path = `/api/state/nemo_agent/me/${pathSegment(sessionId)}/latest`;
  const raw = await transport.request(path, { ...options, sessionId });
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
