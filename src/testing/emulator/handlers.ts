import { authenticate, readJson, requireSession, segment, stringField, type Call, type EmulatorState } from './context.js';
import { downloadRender, media, renderStatus, submitRender } from './render.js';
import { ConnectionReset, corsHeaders, failure, json, ok, pollHint, preflight, redactHeaders, redactText, Reply } from './reply.js';
import { runSse } from './run.js';
import type { RequestContext } from './types.js';
import { upload } from './upload.js';
import { wait } from './wait.js';

type Route = (emu: EmulatorState, call: Call, param: string) => Response | Promise<Response>;

/** `POST /api/auth/anonymous-token`: X-Client-Id required (400); the same client gets its still-valid token back; too many clients from one IP: 429. */
function anonymousToken(emu: EmulatorState, call: Call): Response {
  const clientId = call.request.headers.get('x-client-id')?.trim();
  if (!clientId) throw failure(400, 400, 'X-Client-Id header is required');
  const record = emu.store.anonymousToken(clientId, call.ip);
  if (!record) {
    throw failure(429, 429, 'Too many anonymous tokens from this IP: retry later', { 'retry-after': '30' });
  }
  return ok({
    token: record.token,
    user_id: record.userId,
    expires_at: new Date(record.expiresAt).toISOString(),
    credits: emu.store.balance(record.userId).available,
  });
}

/** `POST /api/auth/claim-token`: a browser link token for one session. */
async function claimToken(emu: EmulatorState, call: Call): Promise<Response> {
  const token = authenticate(emu, call, 'read');
  const body = await readJson(call);
  const sessionId = stringField(body, 'session_id', 'sessionId');
  const taskId = stringField(body, 'task_id', 'taskId');
  if (!sessionId) throw failure(400, 400, 'claim-token needs "session_id" and "task_id"');
  const session = requireSession(emu, sessionId, token);
  if (taskId && taskId !== session.taskId) throw failure(400, 400, 'task_id does not belong to this session');
  return ok({ claim_token: `clm_${emu.random.id(32)}`, expires_in: 604800 });
}

/** `POST /api/tasks/me/with-session/nemo_agent`. */
async function createSession(emu: EmulatorState, call: Call): Promise<Response> {
  const token = authenticate(emu, call, 'write');
  const body = await readJson(call);
  const session = emu.store.createSession(
    token.userId,
    stringField(body, 'task_name', 'taskName') ?? 'project',
    stringField(body, 'language') ?? 'en',
  );
  return ok({ task_id: session.taskId, session_id: session.id, user_id: token.userId });
}

function credits(emu: EmulatorState, call: Call): Response {
  const token = authenticate(emu, call, 'read');
  return ok(emu.store.balance(token.userId));
}

/**
 * `GET /api/state/nemo_agent/me/<sid>/latest`, with a poll hint: `Retry-After` says when the
 * session's scheduled work (both stages of a generation, edits) will all be in the state, `0`
 * when it already is (or will be by the next read).
 */
function state(emu: EmulatorState, call: Call, sessionId: string): Response {
  const token = authenticate(emu, call, 'read');
  const session = requireSession(emu, sessionId, token);
  const lastChange = session.pending.at(-1)?.dueAt ?? 0;
  return ok({ session_id: session.id, task_id: session.taskId, task_name: session.taskName, state: session.state }, pollHint(lastChange));
}

const routes: Array<[string, RegExp, Route]> = [
  ['POST', /^\/api\/auth\/anonymous-token\/?$/, anonymousToken],
  ['POST', /^\/api\/auth\/claim-token\/?$/, claimToken],
  ['POST', /^\/api\/tasks\/me\/with-session\/nemo_agent\/?$/, createSession],
  ['POST', /^\/run_sse\/?$/, runSse],
  ['POST', /^\/api\/upload-video\/nemo_agent\/me\/([^/]+)\/?$/, upload],
  ['GET', /^\/api\/credits\/balance\/simple\/?$/, credits],
  ['GET', /^\/api\/state\/nemo_agent\/me\/([^/]+)\/latest\/?$/, state],
  ['POST', /^\/api\/render\/proxy\/lambda\/?$/, submitRender],
  ['GET', /^\/api\/render\/proxy\/lambda\/([^/]+)\/?$/, renderStatus],
  ['GET', /^\/api\/render\/proxy\/([^/]+)\/download\/?$/, downloadRender],
  ['GET', /^\/_emulator\/media\/([^/]+)$/, media],
  ['GET', /^\/_emulator\/health$/, () => json(200, { ok: true })],
];

/** Whether a path belongs to the NemoVideo API (or the emulator's own media), e.g. for an msw predicate. */
export function isEmulatorPath(path: string): boolean {
  return path.startsWith('/api/') || /^\/run_sse\/?$/.test(path) || path.startsWith('/_emulator/');
}

function route(emu: EmulatorState, call: Call): Response | Promise<Response> {
  const method = call.request.method === 'HEAD' ? 'GET' : call.request.method;
  const allowed: string[] = [];
  for (const [routeMethod, pattern, handler] of routes) {
    const match = pattern.exec(call.path);
    if (!match) continue;
    if (routeMethod === method) return handler(emu, call, segment(match[1]));
    allowed.push(routeMethod);
  }
  if (allowed.length > 0) throw failure(405, 405, `Method ${call.request.method} not allowed`, { allow: allowed.join(', ') });
  throw failure(404, 404, `Not found: ${call.request.method} ${call.path}`);
}

function tokenInUrl(url: URL): boolean {
  for (const [name, value] of url.searchParams) {
    if (/^(token|access_token|auth|authorization|bearer)$/i.test(name) || /^(Bearer\s+)?nmv_/i.test(value)) return true;
  }
  return false;
}

function clientIp(request: Request, context: RequestContext): string {
  const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || context.ip || '127.0.0.1';
}

/** Handles a request whose answer a fault replaces: its effects happen, its own answer (or error) is dropped. */
async function processQuietly(emu: EmulatorState, call: Call): Promise<void> {
  try {
    const response = await route(emu, call);
    // Cancelling ends a stream and its timers; the work it reports is already in the store.
    await response.body?.cancel();
  } catch (error) {
    if (call.request.signal.aborted) throw error;
  }
}

/** Routes a request, or lets a fault answer it (after handling it when the fault says so). */
async function answer(emu: EmulatorState, call: Call): Promise<Response> {
  const delayMs = emu.faults.delay(call.entry.method, call.entry.path);
  if (delayMs > 0) await wait(delayMs, call.request.signal);
  const fault = emu.faults.intercept(call.entry.method, call.entry.path);
  if (!fault) return route(emu, call);
  if (fault.processed) await processQuietly(emu, call);
  if (fault.answer === 'reset') throw new ConnectionReset();
  return fault.answer;
}

/** The origin media URLs get in place of the real service's (see {@link mediaOrigin}). */
export const fakeMediaOrigin = 'http://emulator.invalid';

/**
 * Where the emulator serves the media of a request (render outputs, uploaded and generated
 * files): the request's own origin, so a listening emulator's URLs point at itself and an
 * in-process one's at whatever origin the client calls. A request to the real service's hosts
 * (`nemovideo.ai`, `nemovideo.com` and their subdomains: the SDK's default base URL) gets
 * `http://emulator.invalid` instead, so no URL the emulator makes looks like production. The
 * emulator answers every origin, so `emu.fetch` (and msw) still download from it.
 */
export function mediaOrigin(url: URL): string {
  return /(^|\.)nemovideo\.(ai|com)$/i.test(url.hostname) ? fakeMediaOrigin : url.origin;
}

/**
 * Handles one request: records it, waits `latencyMs`, applies faults, routes, adds CORS headers.
 * Rejects when the request's signal aborts, and with a {@link ConnectionReset} when a fault drops
 * the connection.
 */
export async function handleRequest(emu: EmulatorState, request: Request, context: RequestContext = {}): Promise<Response> {
  const startedAt = Date.now();
  const url = new URL(request.url);
  const entry = {
    method: request.method.toUpperCase(),
    path: redactText(url.pathname),
    query: redactText(url.search),
    headers: redactHeaders(request.headers),
    bodyBytes: 0,
    at: startedAt,
  } as Call['entry'];
  emu.requests.push(entry);
  const call: Call = { request, url, path: url.pathname, origin: mediaOrigin(url), ip: clientIp(request, context), entry };
  const log = (outcome: string | number) =>
    emu.options.log?.(redactText(`${entry.method} ${entry.path} ${outcome} ${Date.now() - startedAt}ms`));
  let response: Response;
  try {
    if (entry.method === 'OPTIONS') {
      response = preflight();
    } else {
      if (emu.options.latencyMs > 0) await wait(emu.options.latencyMs, request.signal);
      // The bearer token must never appear in a URL (docs/protocol.md › Headers).
      if (tokenInUrl(url)) throw failure(400, 400, 'Tokens must never be sent in URLs: use the Authorization header');
      response = await answer(emu, call);
    }
  } catch (error) {
    if (request.signal.aborted) throw request.signal.reason;
    if (error instanceof ConnectionReset) {
      if (entry.bodyBytes === 0) entry.bodyBytes = Number(request.headers.get('content-length')) || 0;
      log('connection reset');
      throw error;
    }
    response =
      error instanceof Reply
        ? error.response
        : json(500, { code: 500, message: `Emulator error: ${redactText(String(error))}`, data: null });
  }
  if (entry.bodyBytes === 0) entry.bodyBytes = Number(request.headers.get('content-length')) || 0;
  for (const [name, value] of Object.entries(corsHeaders)) response.headers.set(name, value);
  entry.status = response.status;
  log(response.status);
  return response;
}
