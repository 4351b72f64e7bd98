import { afterEach, describe, expect, test, vi } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';
import { base, fast, wire } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /api/auth/anonymous-token', () => {
  test('issues an nmv_usr_ token for an anon_ user, valid 7 days, with credits', async () => {
    const emu = createEmulator({ seed: 1 });
    const body = await wire(emu.fetch).anonymous('c-1');
    expect(body.code).toBe(0);
    expect(body.data.token).toMatch(/^nmv_usr_[A-Za-z0-9]{32}$/);
    expect(body.data.user_id).toMatch(/^anon_/);
    expect(body.data.credits).toBe(500);
    const ttl = Date.parse(body.data.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);
  });

  test('answers HTTP 400 without X-Client-Id', async () => {
    const emu = createEmulator();
    const res = await emu.fetch(`${base}/api/auth/anonymous-token`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 400, message: expect.stringContaining('X-Client-Id') });
  });

  test('gives the same client its still-valid token back', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    const first = await api.anonymous('same');
    const second = await api.anonymous('same');
    expect(second.data.token).toBe(first.data.token);
    expect(second.data.user_id).toBe(first.data.user_id);
  });

  test('answers 429 with Retry-After past 10 distinct clients from one IP', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    for (let i = 0; i < 10; i++) expect((await api.anonymous(`c${i}`)).code).toBe(0);
    const res = await emu.fetch(`${base}/api/auth/anonymous-token`, { method: 'POST', headers: { 'x-client-id': 'c10' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    // Another IP (X-Forwarded-For) and an already-seen client still get tokens.
    expect((await api.anonymous('c10', { 'x-forwarded-for': '10.0.0.2' })).code).toBe(0);
    expect((await api.anonymous('c3')).code).toBe(0);
  });

  test('honours anonymousTokensPerIp', async () => {
    const emu = createEmulator({ anonymousTokensPerIp: 1 });
    const api = wire(emu.fetch);
    await api.anonymous('a');
    const res = await emu.fetch(`${base}/api/auth/anonymous-token`, { method: 'POST', headers: { 'x-client-id': 'b' } });
    expect(res.status).toBe(429);
  });

  test('expires tokens after tokenTtlMs (1001), then issues a new token to the same user', async () => {
    vi.useFakeTimers();
    const emu = createEmulator({ tokenTtlMs: 1000 });
    const api = wire(emu.fetch);
    const first = await api.anonymous('c');
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(0);
    vi.advanceTimersByTime(1001);
    const expired = await api.get('/api/credits/balance/simple');
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe(1001);
    const second = await api.anonymous('c');
    expect(second.data.token).not.toBe(first.data.token);
    expect(second.data.user_id).toBe(first.data.user_id);
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(0);
  });
});

describe('bearer tokens', () => {
  test('answers 1001 without a token, and for an unknown non-nmv token', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    const missing = await api.get('/api/credits/balance/simple');
    expect([missing.status, missing.body.code]).toEqual([401, 1001]);
    api.token = 'garbage';
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(1001);
  });

  test('answers 401/1001 to a well-formed nmv_ token it never issued nor was given', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    api.token = 'nmv_usr_neverissued0000';
    const res = await api.get('/api/credits/balance/simple');
    expect([res.status, res.body.code, res.body.data]).toEqual([401, 1001, null]);
    expect(res.body.message).not.toContain('nmv_usr_neverissued0000');
    expect(emu.inspect().credits).toEqual({});
  });

  test('answers 403 when a token lacks the scope', async () => {
    const emu = createEmulator({ tokens: { nmv_usr_readonly: { scopes: ['read'] } } });
    const api = wire(emu.fetch);
    api.token = 'nmv_usr_readonly';
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(0);
    const res = await api.post('/api/tasks/me/with-session/nemo_agent', { task_name: 'project' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 403, message: expect.stringContaining('write') });
  });

  test('refuses tokens in URLs', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    await api.anonymous();
    const res = await emu.fetch(`${base}/api/credits/balance/simple?token=${api.token}`);
    expect(res.status).toBe(400);
    expect(emu.inspect().requests.at(-1)?.query).not.toContain(api.token);
  });
});

describe('POST /api/auth/claim-token', () => {
  test('returns a clm_ token valid 604800 s for the caller’s session', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    await api.anonymous();
    const sessionId = await api.session();
    const taskId = emu.inspect().sessions[0]?.taskId;
    const { body } = await api.post('/api/auth/claim-token', { task_id: taskId, session_id: sessionId });
    expect(body.code).toBe(0);
    expect(body.data.claim_token).toMatch(/^clm_/);
    expect(body.data.expires_in).toBe(604800);
  });

  test('answers 1002 for a session that is not the caller’s', async () => {
    const emu = createEmulator();
    const owner = wire(emu.fetch);
    await owner.anonymous('owner');
    const sessionId = await owner.session();
    const other = wire(emu.fetch);
    await other.anonymous('other');
    expect((await other.post('/api/auth/claim-token', { task_id: 'x', session_id: sessionId })).body.code).toBe(1002);
  });
});

describe('inspect() and log redaction', () => {
  test('never shows a whole bearer token, only its prefix and last 4 characters', async () => {
    const lines: string[] = [];
    const emu = createEmulator({ ...fast, log: (line) => lines.push(line) });
    const api = wire(emu.fetch);
    await api.anonymous();
    const token = api.token as string;
    await api.get('/api/credits/balance/simple');
    const seen = emu.inspect().requests.at(-1);
    expect(seen?.headers.authorization).toBe(`Bearer nmv_usr_…${token.slice(-4)}`);
    const dump = JSON.stringify(emu.inspect()) + lines.join('\n');
    expect(dump).not.toContain(token);
    expect(lines.some((l) => l.includes('GET /api/credits/balance/simple 200'))).toBe(true);
  });

  test('hides the tail of short tokens entirely', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    api.token = 'nmv_usr_test';
    await api.get('/api/credits/balance/simple');
    expect(emu.inspect().requests[0]?.headers.authorization).toBe('Bearer nmv_usr_…');
  });
});
