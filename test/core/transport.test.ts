import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse, passthrough } from 'msw';
import { describe, expect, test, vi } from 'vitest';
import { APIConnectionError, APIError, NemoVideo, RateLimitError, ResponseValidationError, TimeoutError } from '../../src/index.js';
import { VERSION } from '../../src/version.js';
import { anonymousTokens, base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const token = 'nmv_usr_testtoken1234';
const client = (o: ConstructorParameters<typeof NemoVideo>[0] = {}) => new NemoVideo({ token, baseURL: base, ...o });
const creditsPath = '/api/credits/balance/simple';
const credits = (resolver: Parameters<typeof http.get>[1]) => http.get(`${base}${creditsPath}`, resolver);
const balance = { available: 80, frozen: 20, total: 100 };

describe('headers', () => {
  test('sends attribution and bearer auth on every endpoint, and X-Client-Id only for anonymous tokens', async () => {
    api.use(
      anonymousTokens(),
      http.post(`${base}/api/auth/claim-token`, () => ok({ claim_token: 'clm_abcdef123456', expires_in: 604800 })),
      http.post(`${base}/api/tasks/me/with-session/nemo_agent`, () => ok({ session_id: 's1', task_id: 't1' })),
      credits(() => ok(balance)),
      http.get(`${base}/api/state/nemo_agent/me/s1/latest`, () => ok({ session_id: 's1', state: { draft: { t: [] } } })),
    );
    const nemo = new NemoVideo({ baseURL: base, clientId: 'client-1', attribution: { platform: 'cursor' } });
    await nemo.sessions.create();
    await nemo.credits.balance();
    await nemo.state.latest('s1');
    await nemo.auth.claimToken({ taskId: 't1', sessionId: 's1' });
    expect(api.seen.map((s) => s.path)).toEqual([
      '/api/auth/anonymous-token',
      '/api/tasks/me/with-session/nemo_agent',
      creditsPath,
      '/api/state/nemo_agent/me/s1/latest',
      '/api/auth/claim-token',
    ]);
    for (const s of api.seen) {
      expect(s.headers['x-skill-source']).toBe('video-generator-generator');
      expect(s.headers['x-skill-version']).toBe(VERSION);
      expect(s.headers['x-skill-platform']).toBe('cursor');
      expect(s.path).not.toMatch(/nmv_|clm_/);
    }
    const [anon, ...rest] = api.seen;
    expect(anon!.headers['x-client-id']).toBe('client-1');
    expect(anon!.headers.authorization).toBeUndefined();
    for (const s of rest) expect(s.headers.authorization).toBe('Bearer nmv_usr_anon00000001');
    expect(JSON.parse(rest[0]!.body)).toEqual({ task_name: 'project', language: 'en' });
    expect(JSON.parse(rest[3]!.body)).toEqual({ task_id: 't1', session_id: 's1' });
  });

  test('takes the platform from SKILL_SOURCE and the token from NEMO_TOKEN', async () => {
    vi.stubEnv('SKILL_SOURCE', 'clawhub');
    vi.stubEnv('NEMO_TOKEN', 'nmv_usr_fromenv98765');
    try {
      api.use(credits(() => ok(balance)));
      await new NemoVideo({ baseURL: base }).credits.balance();
      expect(api.seen[0]!.headers['x-skill-platform']).toBe('clawhub');
      expect(api.seen[0]!.headers.authorization).toBe('Bearer nmv_usr_fromenv98765');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('results', () => {
  test('returns camelCase results with the raw JSON kept, enveloped or not', async () => {
    api.use(credits(() => HttpResponse.json({ available: '7', frozen: 1, total: 8, extra: 'kept' })));
    const result = await client().credits.balance();
    expect(result).toMatchObject({ available: 7, frozen: 1, total: 8 });
    expect(result.raw).toEqual({ available: '7', frozen: 1, total: 8, extra: 'kept' });
  });

  test('names the bad path when a response has the wrong shape', async () => {
    api.use(http.post(`${base}/api/tasks/me/with-session/nemo_agent`, () => ok({ session_id: 42, task_id: 't' })));
    const error = (await client().sessions.create().catch((e: unknown) => e)) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.path).toBe('data.session_id');
    expect(error.message).toBe('Unexpected answer from POST /api/tasks/me/with-session/nemo_agent: data.session_id: expected a string.');
  });

  test('a missing required field, or a non-object where an object belongs, is named too', async () => {
    api.use(http.post(`${base}/api/tasks/me/with-session/nemo_agent`, () => ok({ task_id: 't' })));
    const missing = (await client().sessions.create().catch((e: unknown) => e)) as ResponseValidationError;
    expect([missing.path, missing.message]).toEqual(['data.session_id', expect.stringMatching(/: data\.session_id: expected a string\.$/)]);
    api.use(http.post(`${base}/api/tasks/me/with-session/nemo_agent`, () => ok(['session_id'])));
    const notObject = (await client().sessions.create().catch((e: unknown) => e)) as ResponseValidationError;
    expect(notObject).toBeInstanceOf(ResponseValidationError);
  });

  test('a numeric field may be a number or a string, nothing else', async () => {
    api.use(credits(() => HttpResponse.json({ available: { n: 7 } })));
    const error = (await client().credits.balance().catch((e: unknown) => e)) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.path).toBe('data.available');
    expect(error.message).toContain('expected a number');
  });
});

describe('retries', () => {
  test('retries a GET on 503, then succeeds', async () => {
    let n = 0;
    api.use(credits(() => (++n < 3 ? new HttpResponse(null, { status: 503 }) : ok(balance))));
    expect((await client().credits.balance()).available).toBe(80);
    expect(api.count(creditsPath)).toBe(3);
  });

  test.each([408, 500, 502, 504])('gives up on a GET after maxRetries for %i', async (status) => {
    api.use(credits(() => new HttpResponse(null, { status })));
    const error = (await client({ maxRetries: 1 }).credits.balance().catch((e: unknown) => e)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(status);
    expect(api.count(creditsPath)).toBe(2);
  });

  test('retries a GET on a network error', async () => {
    let n = 0;
    api.use(credits(() => (++n === 1 ? HttpResponse.error() : ok(balance))));
    expect((await client().credits.balance()).total).toBe(100);
    expect(api.count(creditsPath)).toBe(2);
  });

  test('a network error that persists becomes APIConnectionError', async () => {
    api.use(credits(() => HttpResponse.error()));
    const error = await client({ maxRetries: 2 }).credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as APIConnectionError).retryable).toBe(true);
    expect(api.count(creditsPath)).toBe(3);
  });

  test('sends a POST once on 500', async () => {
    api.use(http.post(`${base}/api/tasks/me/with-session/nemo_agent`, () => new HttpResponse(null, { status: 500 })));
    const error = await client().sessions.create().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(api.count('/api/tasks/me/with-session/nemo_agent')).toBe(1);
  });

  test('does not retry a 4xx', async () => {
    api.use(credits(() => HttpResponse.json({ message: 'bad' }, { status: 400 })));
    await expect(client().credits.balance()).rejects.toBeInstanceOf(APIError);
    expect(api.count(creditsPath)).toBe(1);
  });
});

describe('429', () => {
  // Timing is asserted with fake timers on an injected fetch: msw's own scheduling is not faked.
  function fakeFetch(answers: (() => Response)[]) {
    const calls: { at: number; method: string }[] = [];
    const f = vi.fn(async (input: RequestInfo | URL) => {
      calls.push({ at: Date.now(), method: (input as Request).method });
      return answers[Math.min(calls.length - 1, answers.length - 1)]!();
    });
    return { f: f as unknown as typeof fetch, calls };
  }
  const r429 = (headers: Record<string, string> = {}) => () =>
    new Response('{"message":"slow"}', { status: 429, headers: { 'content-type': 'application/json', ...headers } });
  const r200 = () => new Response(JSON.stringify({ code: 0, data: balance }), { headers: { 'content-type': 'application/json' } });

  test.each([
    ['Retry-After in seconds', { 'retry-after': '7' }, 7_000],
    ['Retry-After as an HTTP date', { 'retry-after': new Date(Date.UTC(2030, 0, 1, 0, 0, 12)).toUTCString() }, 12_000],
    ['no Retry-After (30 s)', {}, 30_000],
  ])('waits %s, then retries once', async (_n, headers, waitMs) => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1, 0, 0, 0) });
    try {
      const { f, calls } = fakeFetch([r429(headers), r200]);
      const p = client({ fetch: f }).credits.balance();
      await vi.advanceTimersByTimeAsync(waitMs - 10);
      expect(calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(20);
      await expect(p).resolves.toMatchObject({ available: 80 });
      expect(calls).toHaveLength(2);
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(waitMs);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a second 429 is RateLimitError with retryAfterMs and the rate-limit headers', async () => {
    const { f, calls } = fakeFetch([r429({ 'retry-after': '0', 'x-ratelimit-remaining': '0' })]);
    const error = (await client({ fetch: f }).credits.balance().catch((e: unknown) => e)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(0);
    expect(error.rateLimit).toMatchObject({ 'retry-after': '0', 'x-ratelimit-remaining': '0' });
    expect(calls).toHaveLength(2);
  });

  test('a POST refused with 429 is retried once (the server did not take it)', async () => {
    const { f, calls } = fakeFetch([
      r429({ 'retry-after': '0' }),
      () => new Response(JSON.stringify({ code: 0, data: { session_id: 's', task_id: 't' } }), { headers: { 'content-type': 'application/json' } }),
    ]);
    await expect(client({ fetch: f }).sessions.create()).resolves.toMatchObject({ sessionId: 's' });
    expect(calls.map((c) => c.method)).toEqual(['POST', 'POST']);
  });
});

describe('timeouts and aborts', () => {
  // A real socket: msw's emulated socket trips an undici assertion when a body read is cancelled.
  test('a body trickled past the deadline is a TimeoutError, and the connection is closed', async () => {
    let closed = false;
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"code":0,');
      const later = setTimeout(() => res.end('"data":{}}'), 2_000);
      req.socket.on('close', () => {
        closed = true;
        clearTimeout(later);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      api.use(http.all(`${url}/*`, () => passthrough()));
      const error = await new NemoVideo({ token, baseURL: url, timeout: 150, maxRetries: 0 }).credits.balance().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(String((error as Error).message)).toMatch(/150 ms/);
      await vi.waitFor(() => expect(closed).toBe(true), { timeout: 1_000 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('waiting for headers past the deadline is a TimeoutError', async () => {
    api.use(credits(() => new Promise((r) => setTimeout(() => r(ok(balance)), 400))));
    await expect(client({ timeout: 100, maxRetries: 0 }).credits.balance()).rejects.toBeInstanceOf(TimeoutError);
  });

  test('an aborted signal rejects with its reason before anything is sent', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client().credits.balance({ signal: controller.signal })).rejects.toBe(controller.signal.reason);
    expect(api.seen).toHaveLength(0);
  });

  test('an abort while waiting for headers rejects with the signal reason', async () => {
    api.use(credits(() => new Promise((r) => setTimeout(() => r(ok(balance)), 300))));
    const controller = new AbortController();
    const p = client().credits.balance({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 30);
    await expect(p).rejects.toThrow('user cancelled');
  });
});

describe('logging', () => {
  test("logLevel 'debug' logs method, path, status and ms for each request", async () => {
    api.use(credits(() => ok(balance)));
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m), info: () => {}, warn: () => {}, error: () => {} };
    await client({ logger, logLevel: 'debug' }).credits.balance();
    expect(lines.some((l) => /GET \/api\/credits\/balance\/simple 200 \d+ms/.test(l))).toBe(true);
  });

  test('logs nothing by default', async () => {
    api.use(credits(() => ok(balance)));
    const spy = vi.spyOn(console, 'debug');
    await client().credits.balance();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
