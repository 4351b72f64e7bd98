import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { AuthenticationError, InvalidArgumentError, MemoryTokenStore, NemoVideo } from '../../src/index.js';
import { anonymousTokens, base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const anonPath = '/api/auth/anonymous-token';
const creditsPath = '/api/credits/balance/simple';
const balance = { available: 1, frozen: 0, total: 1 };

describe('token lifecycle', () => {
  test('acquires an anonymous token on first need, with X-Client-Id, and saves it to the store', async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => ok(balance)));
    const store = new MemoryTokenStore();
    const nemo = new NemoVideo({ baseURL: base, tokenStore: store, clientId: 'cid-1' });
    await nemo.credits.balance();
    await nemo.credits.balance();
    expect(api.count(anonPath)).toBe(1);
    expect(api.seen[0]!.headers['x-client-id']).toBe('cid-1');
    expect(await store.get()).toMatchObject({ clientId: 'cid-1', token: 'nmv_usr_anon00000001', userId: 'anon_user1' });
  });

  test("uses the store's unexpired token and ignores an expired one", async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => ok(balance)));
    const fresh = new MemoryTokenStore({ clientId: 'c', token: 'nmv_usr_storedtoken9', expiresAt: '2099-01-01T00:00:00Z' });
    await new NemoVideo({ baseURL: base, tokenStore: fresh }).credits.balance();
    expect(api.seen.map((s) => s.headers.authorization)).toEqual(['Bearer nmv_usr_storedtoken9']);
    api.seen.length = 0;
    const stale = new MemoryTokenStore({ clientId: 'c', token: 'nmv_usr_oldtoken0001', expiresAt: '2001-01-01T00:00:00Z' });
    await new NemoVideo({ baseURL: base, tokenStore: stale }).credits.balance();
    expect(api.seen.map((s) => s.path)).toEqual([anonPath, creditsPath]);
    expect(api.seen[0]!.headers['x-client-id']).toBe('c');
  });

  test('makes and saves a client id when none is given', async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => ok(balance)));
    const store = new MemoryTokenStore();
    await new NemoVideo({ baseURL: base, tokenStore: store }).credits.balance();
    const id = api.seen[0]!.headers['x-client-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await store.get())?.clientId).toBe(id);
  });

  test('a store that throws does not break the client', async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => ok(balance)));
    const broken = { get: async () => Promise.reject(new Error('disk on fire')), set: async () => Promise.reject(new Error('read-only')), clear: async () => {} };
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const nemo = new NemoVideo({ baseURL: base, tokenStore: broken, logger, logLevel: 'warn' });
    await expect(nemo.credits.balance()).resolves.toMatchObject({ available: 1 });
    expect(warnings.join('\n')).toMatch(/disk on fire/);
  });
});

describe('1001 handling', () => {
  test('single flight: 6 concurrent requests hitting 1001 share one new token and are each replayed once', async () => {
    let valid = '';
    let issued = 0;
    api.use(
      http.post(`${base}${anonPath}`, async () => {
        await new Promise((r) => setTimeout(r, 20));
        valid = `nmv_usr_fresh${String(++issued).padStart(6, '0')}`;
        return ok({ token: valid, user_id: 'anon_1', expires_at: '2099-01-01T00:00:00Z' });
      }),
      http.get(`${base}${creditsPath}`, ({ request }) =>
        request.headers.get('authorization') === `Bearer ${valid}` ? ok(balance) : HttpResponse.json({ code: 1001, message: 'token expired' }),
      ),
    );
    const nemo = new NemoVideo({ baseURL: base, clientId: 'same-client' });
    await nemo.credits.balance();
    valid = 'revoked';
    api.seen.length = 0;
    const results = await Promise.all(Array.from({ length: 6 }, () => nemo.credits.balance()));
    expect(results.every((r) => r.available === 1)).toBe(true);
    expect(api.count(anonPath)).toBe(1);
    expect(api.count(creditsPath)).toBe(12);
    expect(api.seen.filter((s) => s.path === anonPath)[0]!.headers['x-client-id']).toBe('same-client');
    const replays = api.seen.filter((s) => s.path === creditsPath).slice(6);
    expect(replays.every((s) => s.headers.authorization === 'Bearer nmv_usr_fresh000002')).toBe(true);
  });

  test('replays once only: a second 1001 is AuthenticationError', async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => HttpResponse.json({ code: 1001, message: 'expired' })));
    const error = await new NemoVideo({ baseURL: base }).credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(api.count(anonPath)).toBe(2);
    expect(api.count(creditsPath)).toBe(2);
  });

  test('a POST is replayed with the new token after 401', async () => {
    let n = 0;
    api.use(
      anonymousTokens(),
      http.post(`${base}/api/tasks/me/with-session/nemo_agent`, async ({ request }) =>
        ++n === 1 ? HttpResponse.json({ message: 'unauthorized' }, { status: 401 }) : ok({ session_id: 's', task_id: 't', echo: await request.json() }),
      ),
    );
    const session = await new NemoVideo({ baseURL: base }).sessions.create({ language: 'fr' });
    expect(session.sessionId).toBe('s');
    const posts = api.seen.filter((s) => s.path.startsWith('/api/tasks'));
    expect(posts.map((p) => p.headers.authorization)).toEqual(['Bearer nmv_usr_anon00000001', 'Bearer nmv_usr_anon00000002']);
    expect(posts.map((p) => JSON.parse(p.body).language)).toEqual(['fr', 'fr']);
  });

  test('a token the user supplied is never swapped', async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => HttpResponse.json({ code: 1001, message: 'expired' })));
    const error = await new NemoVideo({ baseURL: base, token: 'nmv_usr_mine12345678' }).credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(api.count(anonPath)).toBe(0);
    expect(api.count(creditsPath)).toBe(1);
  });
});

describe('expiry', () => {
  test('an acquired token past its expiry is renewed before use, not after a 1001', async () => {
    let n = 0;
    api.use(
      http.post(`${base}${anonPath}`, () => {
        n++;
        // The first token expires within the safety margin (60 s): it must not be sent again.
        const expires = n === 1 ? Date.now() + 30_000 : Date.now() + 7 * 864e5;
        return ok({ token: `nmv_usr_tok${n}abcdef`, user_id: 'anon_x', expires_at: new Date(expires).toISOString() });
      }),
      http.get(`${base}${creditsPath}`, () => ok(balance)),
    );
    const nemo = new NemoVideo({ baseURL: base, clientId: 'exp' });
    await nemo.credits.balance();
    await nemo.credits.balance();
    const auths = api.seen.filter((s) => s.path === creditsPath).map((s) => s.headers.authorization);
    expect(auths).toEqual(['Bearer nmv_usr_tok1abcdef', 'Bearer nmv_usr_tok2abcdef']);
    expect(api.count(anonPath)).toBe(2);
  });

  test('a file upload refused with 1001 is replayed once with the renewed token', async () => {
    let valid = '';
    let issued = 0;
    api.use(
      http.post(`${base}${anonPath}`, () => {
        valid = `nmv_usr_up${++issued}abcdefgh`;
        return ok({ token: valid, user_id: 'anon_u', expires_at: '2099-01-01T00:00:00Z' });
      }),
      http.post(`${base}/api/upload-video/nemo_agent/me/s1`, ({ request }) =>
        request.headers.get('authorization') === `Bearer ${valid}` ? ok({ files: [{ filename: 'clip.mp4' }] }) : HttpResponse.json({ code: 1001, message: 'expired' }),
      ),
      http.get(`${base}${creditsPath}`, () => ok(balance)),
    );
    const nemo = new NemoVideo({ baseURL: base, clientId: 'up' });
    await nemo.credits.balance();
    valid = 'revoked';
    const file = new File([new Uint8Array(16)], 'clip.mp4', { type: 'video/mp4' });
    const result = await nemo.uploads.create('s1', { files: [file] });
    expect(result.files[0]?.filename).toBe('clip.mp4');
    const uploads = api.seen.filter((s) => s.path === '/api/upload-video/nemo_agent/me/s1');
    expect(uploads.map((u) => u.headers.authorization)).toEqual(['Bearer nmv_usr_up1abcdefgh', 'Bearer nmv_usr_up2abcdefgh']);
    expect(issued).toBe(2);
  });

  test('a streamed upload refused with 1001 is not replayed, but the next call has a fresh token', async () => {
    let valid = '';
    let issued = 0;
    api.use(
      http.post(`${base}${anonPath}`, () => {
        valid = `nmv_usr_st${++issued}abcdefgh`;
        return ok({ token: valid, user_id: 'anon_u', expires_at: '2099-01-01T00:00:00Z' });
      }),
      http.post(`${base}/api/upload-video/nemo_agent/me/s1`, () => HttpResponse.json({ code: 1001, message: 'expired' })),
      http.get(`${base}${creditsPath}`, ({ request }) =>
        request.headers.get('authorization') === `Bearer ${valid}` ? ok(balance) : HttpResponse.json({ code: 1001, message: 'expired' }),
      ),
    );
    const nemo = new NemoVideo({ baseURL: base, clientId: 'up' });
    await nemo.credits.balance();
    const data = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new Uint8Array(16)), c.close()) });
    await expect(nemo.uploads.create('s1', { files: [{ data, name: 'clip.mp4', size: 16 }] })).rejects.toBeInstanceOf(AuthenticationError);
    expect(api.count('/api/upload-video/nemo_agent/me/s1')).toBe(1);
    expect(issued).toBe(2);
    api.seen.length = 0;
    await nemo.credits.balance();
    expect(api.seen.map((s) => s.path)).toEqual([creditsPath]);
    expect(api.seen[0]!.headers.authorization).toBe('Bearer nmv_usr_st2abcdefgh');
  });
});

describe('auth resource', () => {
  test('claimUrl builds the web link from a claim token, never the bearer token', async () => {
    api.use(http.post(`${base}/api/auth/claim-token`, () => ok({ claim_token: 'clm_abc123xyz', expires_in: 604800 })));
    const nemo = new NemoVideo({ baseURL: base, webURL: 'https://web.test/', token: 'nmv_usr_secret000042' });
    const url = await nemo.auth.claimUrl({ taskId: 't', sessionId: 's' });
    expect(url).toBe('https://web.test/workspace/claim?ct=clm_abc123xyz');
    expect(url).not.toContain('secret');
  });

  test('anonymousToken returns camelCase fields and raw', async () => {
    api.use(anonymousTokens());
    const t = await new NemoVideo({ baseURL: base }).auth.anonymousToken({ clientId: 'x' });
    expect(t).toMatchObject({ token: 'nmv_usr_anon00000001', userId: 'anon_user1', credits: 100 });
    expect(t.raw).toMatchObject({ user_id: 'anon_user1' });
    expect(api.seen[0]!.headers['x-client-id']).toBe('x');
  });

  test('bad arguments are rejected before any request', async () => {
    const nemo = new NemoVideo({ baseURL: base, token: 'nmv_usr_t1234567' });
    await expect(nemo.auth.claimToken({ taskId: '', sessionId: 's' })).rejects.toThrow(/taskId/);
    await expect(nemo.state.latest('')).rejects.toThrow(/sessionId/);
    await expect(nemo.sessions.create({ language: 5 as never })).rejects.toThrow(/language/);
    for (const timeout of [-1, 0, Number.NaN, Number.POSITIVE_INFINITY, '5' as never]) {
      expect(() => new NemoVideo({ timeout })).toThrow(InvalidArgumentError);
      expect(() => new NemoVideo({ timeout })).toThrow(/^timeout \(ms\) must be a positive number/);
    }
    for (const maxRetries of [-1, 1.5, Number.NaN, '2' as never]) expect(() => new NemoVideo({ maxRetries })).toThrow(/^maxRetries must be/);
    expect(new NemoVideo({ maxRetries: 0, timeout: 1 })).toBeInstanceOf(NemoVideo);
    expect(() => new NemoVideo({ baseURL: 'ftp://x' })).toThrow(/baseURL/);
    expect(api.seen).toHaveLength(0);
  });
});

describe('client id', () => {
  test('is a v4 UUID even where crypto.randomUUID is missing (insecure browser contexts)', async () => {
    api.use(anonymousTokens(), http.get(`${base}${creditsPath}`, () => ok(balance)));
    const original = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      await new NemoVideo({ baseURL: base }).credits.balance();
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: original, configurable: true });
    }
    expect(api.seen[0]!.headers['x-client-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
