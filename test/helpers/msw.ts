import { http, HttpResponse, type HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const base = 'https://api.test';

export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** An msw server recording every request it sees, reset after each test. */
export function mockApi() {
  const seen: Seen[] = [];
  const server = setupServer();
  server.events.on('request:start', async ({ request }) => {
    const url = new URL(request.url);
    // Recorded synchronously so counts are right even when the answer is an instant network error.
    const entry: Seen = { method: request.method, path: url.pathname, headers: Object.fromEntries(request.headers), body: '' };
    seen.push(entry);
    try {
      entry.body = await request.clone().text();
    } catch {}
  });
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    seen.length = 0;
  });
  afterAll(() => server.close());
  return {
    server,
    seen,
    use: (...handlers: HttpHandler[]) => server.use(...handlers),
    count: (path: string) => seen.filter((s) => s.path === path).length,
  };
}

export const ok = (data: unknown, init?: ResponseInit) => HttpResponse.json({ code: 0, data }, init);
export const fail = (code: number, message = 'failed', status = 200, headers?: Record<string, string>) =>
  HttpResponse.json({ code, message }, { status, headers });

/** Handlers for the anonymous-token endpoint handing out numbered tokens. */
export function anonymousTokens(prefix = 'nmv_usr_anon') {
  let n = 0;
  return http.post(`${base}/api/auth/anonymous-token`, () => {
    n++;
    return ok({ token: `${prefix}${String(n).padStart(8, '0')}`, user_id: `anon_user${n}`, expires_at: new Date(Date.now() + 7 * 864e5).toISOString(), credits: 100 });
  });
}
