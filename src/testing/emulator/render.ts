import { authenticate, readJson, requireSession, stringField, type Call, type EmulatorState } from './context.js';
import { mediaBytes, mediaType, type MediaKind } from './media.js';
import { failure, json, ok, pollHint } from './reply.js';
import type { RenderRecord } from './store.js';
import { fileKinds } from './upload.js';

const attribution = ['x-skill-source', 'x-skill-version', 'x-skill-platform'];

function isExportable(draft: unknown): boolean {
  const tracks = (draft as { t?: unknown } | null)?.t;
  return Array.isArray(tracks) && tracks.some((t) => Array.isArray((t as { sg?: unknown })?.sg) && (t as { sg: unknown[] }).sg.length > 0);
}

/** Where a finished render is served: on the emulator's origin for this request (`mediaOrigin`). */
function mediaUrl(origin: string, id: string): string {
  return `${origin}/_emulator/media/${encodeURIComponent(id)}.mp4`;
}

/**
 * `POST /api/render/proxy/lambda`: 402 without the attribution headers (docs/protocol.md › Headers)
 * or for anonymous users when `anonymousExport` is false; 403 for a token without `render`.
 */
export async function submitRender(emu: EmulatorState, call: Call): Promise<Response> {
  const token = authenticate(emu, call);
  const missing = attribution.filter((name) => !call.request.headers.get(name));
  if (missing.length > 0) throw failure(402, 402, `Export rejected: missing attribution headers ${missing.join(', ')}`);
  if (token.anonymous) {
    if (!emu.options.anonymousExport) throw failure(402, 402, 'Free plan may not export: register to unlock export');
  } else if (!token.scopes.includes('*') && !token.scopes.includes('render')) {
    throw failure(403, 403, 'Token lacks the "render" scope');
  }
  const body = await readJson(call);
  const id = stringField(body, 'id');
  // `sessionId` is camelCase here, the protocol's one exception (docs/protocol.md › Endpoints).
  const sessionId = stringField(body, 'sessionId', 'session_id');
  if (!id || !sessionId) throw failure(400, 400, 'Render needs "id" and "sessionId"');
  const session = requireSession(emu, sessionId, token);
  if (!isExportable(body.draft)) throw failure(400, 400, 'Nothing to export: the draft has no track with segments');
  const existing = emu.store.renders.get(id);
  if (existing && existing.userId !== token.userId) throw failure(409, 409, `Render id already used: ${id}`);
  const render = existing ?? emu.store.submitRender(id, session, emu.faults.failRender());
  const draftMs = (body.draft as { d?: unknown }).d;
  if (!existing && typeof draftMs === 'number' && draftMs > 0) render.durationSec = draftMs / 1000;
  return ok({ id, taskId: id, sessionId, status: emu.store.renderStatus(render).status });
}

function ownRender(emu: EmulatorState, call: Call, id: string): RenderRecord {
  const token = authenticate(emu, call, 'read');
  const render = emu.store.renders.get(id);
  if (!render || render.userId !== token.userId) throw failure(404, 404, `Render not found: ${id}`);
  return render;
}

/**
 * `GET /api/render/proxy/lambda/<id>`: the job at top level, no envelope (docs/protocol.md ›
 * Endpoints), with a poll hint: `Retry-After` says when the job will be finished (its queue
 * included), `0` when it is (or will be by the next read).
 */
export function renderStatus(emu: EmulatorState, call: Call, id: string): Response {
  const render = ownRender(emu, call, id);
  const { status, progress } = emu.store.renderStatus(render);
  const body: Record<string, unknown> = { taskId: id, status, progress };
  if (status === 'completed') {
    body.output = { url: mediaUrl(call.origin, id), duration: render.durationSec, size: mediaBytes('video').length };
  }
  if (status === 'failed') body.error = 'Render failed (emulated fault failRenders): submit again with a new id';
  return json(200, body, pollHint(render.endAt));
}

/** A media file response. */
export function serveMedia(kind: MediaKind, method: string, filename?: string): Response {
  const bytes = mediaBytes(kind);
  const headers: Record<string, string> = {
    'content-type': mediaType(kind),
    'content-length': String(bytes.length),
    'cache-control': 'public, max-age=3600',
  };
  if (filename) headers['content-disposition'] = `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`;
  return new Response(method === 'HEAD' ? null : bytes.slice(), { status: 200, headers });
}

/** `GET /api/render/proxy/<id>/download` (bearer auth): the finished file. */
export function downloadRender(emu: EmulatorState, call: Call, id: string): Response {
  const render = ownRender(emu, call, id);
  const { status } = emu.store.renderStatus(render);
  if (status !== 'completed') throw failure(409, 409, `Render ${id} is ${status}, not completed`);
  return serveMedia('video', call.request.method, `${id}.mp4`);
}

/** `GET /_emulator/media/<name>`: what output, generated and uploaded URLs point at (no auth, like a CDN). */
export function media(emu: EmulatorState, call: Call, name: string): Response {
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const render = emu.store.renders.get(base);
  if (render) {
    if (emu.store.renderStatus(render).status !== 'completed') throw failure(404, 404, `Render ${base} is not completed`);
    return serveMedia('video', call.request.method);
  }
  const kind = fileKinds[ext];
  if (kind === 'video' || kind === 'image') return serveMedia(kind, call.request.method);
  throw failure(404, 404, `No such media: ${name}`);
}
