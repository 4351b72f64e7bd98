import type { EmulatorCore } from '../../src/testing/emulator/index.js';

/** The SDK's default API base: the emulator must answer any origin. */
export const base = 'https://mega-api-prod.nemovideo.ai';

/** The three attribution headers (docs/protocol.md › Headers). */
export const attribution = {
  'x-skill-source': 'video-generator-generator',
  'x-skill-version': '0.1.0',
  'x-skill-platform': 'unknown',
};

/** Short timings so real-timer tests run in milliseconds. */
export const fast = {
  latencyMs: 0,
  generationMs: 30,
  editMs: 15,
  replyMs: 5,
  secondStageMs: 20,
  renderTimeMs: 40,
  heartbeatEveryMs: 0,
};

type Fetch = EmulatorCore['fetch'];

/** A JSON envelope or ADK answer. */
export type Body = Record<string, any>;

/** A tiny hand-written client over a fetch function: just enough wire to test the emulator. */
export function wire(fetchFn: Fetch, origin = base) {
  let token: string | undefined;
  const headers = (extra?: Record<string, string>, withToken = true): Record<string, string> => ({
    ...attribution,
    ...(withToken && token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });
  const api = {
    origin,
    get token() {
      return token;
    },
    set token(value: string | undefined) {
      token = value;
    },
    raw: (path: string, init: RequestInit = {}) =>
      fetchFn(origin + path, { ...init, headers: headers(init.headers as Record<string, string> | undefined) }),
    async get(path: string, extra?: Record<string, string>) {
      const res = await fetchFn(origin + path, { headers: headers(extra) });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
    },
    async post(path: string, json?: unknown, extra?: Record<string, string>) {
      const res = await fetchFn(origin + path, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/json', ...extra }),
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
    },
    async anonymous(clientId = 'client-1', extra?: Record<string, string>) {
      const res = await fetchFn(`${origin}/api/auth/anonymous-token`, {
        method: 'POST',
        headers: headers({ 'x-client-id': clientId, ...extra }, false),
      });
      const body = (await res.json()) as Body;
      token = body.data?.token;
      return body;
    },
    async session(language = 'en') {
      const { body } = await api.post('/api/tasks/me/with-session/nemo_agent', { task_name: 'project', language });
      return body.data.session_id as string;
    },
    /** Sends a message; resolves with the response (the body still unread). */
    send(sessionId: string, text: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) {
      return fetchFn(`${origin}/run_sse`, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
        body: JSON.stringify({ app_name: 'nemo_agent', user_id: 'me', session_id: sessionId, new_message: { parts: [{ text }] }, ...extra }),
        signal,
      });
    },
    async state(sessionId: string) {
      return (await api.get(`/api/state/nemo_agent/me/${sessionId}/latest`)).body;
    },
    async credits() {
      return (await api.get('/api/credits/balance/simple')).body.data as { available: number; frozen: number; total: number };
    },
  };
  return api;
}

/** A parsed SSE body: data events, comment lines, and the raw frames. */
export function parseSse(text: string) {
  const frames = text.split('\n\n').filter((f) => f !== '');
  const events = frames.filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)) as Body);
  const comments = frames.filter((f) => f.startsWith(':'));
  return { frames, events, comments, endsCleanly: text === '' || text.endsWith('\n\n') };
}

/** Texts of the final (non-partial) text events. */
export function finalTexts(events: Body[]): string[] {
  return events
    .filter((e) => e.partial !== true && e.content?.role === 'model')
    .flatMap((e) => (e.content.parts as Body[]).filter((p) => typeof p.text === 'string').map((p) => p.text as string));
}

/** Tracks of the draft in a state answer, as `[tt, role]` pairs. */
export function trackKinds(state: Body): Array<[number, string | undefined]> {
  return (state.data.state.draft.t as Body[]).map((t) => [t.tt as number, t.m?.role as string | undefined]);
}

/** Waits real milliseconds (for tests on real timers with tiny durations). */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
