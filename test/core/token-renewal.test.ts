/**
 * Nobody leaves with a dead token: while a renewal is held open on the server, calls started
 * before, during and after it all end up on the new token, and no request carries a token
 * that the service already answered 1001.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { MemoryTokenStore, NemoVideo } from '../../src/index.js';
import { base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const anonPath = '/api/auth/anonymous-token';
const creditsPath = '/api/credits/balance/simple';
const statePath = '/api/state/nemo_agent/me/sess-1/latest';
const balance = { available: 1, frozen: 0, total: 1 };
const future = () => new Date(Date.now() + 7 * 864e5).toISOString();

/** A service whose first token dies on demand and whose second anonymous-token call is held until released. */
function service() {
  const dead = new Set<string>();
  const answered1001: Array<{ token: string; at: number }> = [];
  let issued = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let renewalStarted!: () => void;
  const renewing = new Promise<void>((resolve) => (renewalStarted = resolve));
  const guard = (request: Request) => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    if (dead.has(token)) {
      answered1001.push({ token, at: api.seen.length });
      return HttpResponse.json({ code: 1001, message: 'Token expired' }, { status: 401 });
    }
    return undefined;
  };
  api.use(
    http.post(`${base}${anonPath}`, async () => {
      issued++;
      if (issued === 2) {
        renewalStarted();
        await held;
      }
      return ok({ token: `nmv_usr_tok${String(issued).padStart(9, '0')}`, user_id: 'anon_u1', expires_at: future(), credits: 100 });
    }),
    http.get(`${base}${creditsPath}`, ({ request }) => guard(request) ?? ok(balance)),
    http.get(`${base}${statePath}`, ({ request }) => guard(request) ?? ok({ session_id: 'sess-1', task_id: 't', draft: null })),
    http.post(`${base}/api/upload-video/nemo_agent/me/sess-1`, async ({ request }) => {
      await request.arrayBuffer();
      return guard(request) ?? ok({ url: 'https://cdn.test/a.mp4', name: 'a.mp4', type: 'video', duration: 1 });
    }),
  );
  return { dead, answered1001, release, renewing, issued: () => issued };
}

const tokensSent = (path?: string) =>
  api.seen.filter((s) => s.path !== anonPath && (path === undefined || s.path === path)).map((s) => s.headers.authorization?.replace(/^Bearer /, ''));

describe('a renewal held open on the server', () => {
  test('calls started before, during and after it all use the new token; one renewal; no request carries the dead token after its 1001', async () => {
    const svc = service();
    const store = new MemoryTokenStore();
    const nemo = new NemoVideo({ baseURL: base, tokenStore: store, clientId: 'cid' });
    await nemo.credits.balance(); // acquires token 1
    expect(await store.get()).toMatchObject({ token: 'nmv_usr_tok000000001' });
    svc.dead.add('nmv_usr_tok000000001');

    const before = nemo.credits.balance(); // meets the 1001 and starts the renewal
    await svc.renewing;
    const firstDeadAnswer = svc.answered1001[0]!.at;
    // During: an ordinary call, and a one-shot upload from a stream (never replayed).
    const during = nemo.state.latest('sess-1');
    const upload = nemo.uploads.create('sess-1', {
      files: [{ name: 'a.mp4', data: new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(64)), c.close()) }), size: 64 }],
    });
    await new Promise((r) => setTimeout(r, 20));
    svc.release();
    await expect(before).resolves.toMatchObject({ available: 1 });
    await expect(during).resolves.toMatchObject({ sessionId: 'sess-1' });
    await expect(upload).resolves.toBeDefined();
    const after = await nemo.credits.balance();
    expect(after).toMatchObject({ available: 1 });

    expect(svc.issued()).toBe(2);
    expect(svc.answered1001).toHaveLength(1);
    // Every request after the first 1001 answer carries the new token.
    const later = api.seen.slice(firstDeadAnswer).filter((s) => s.path !== anonPath);
    expect(later.length).toBeGreaterThanOrEqual(4);
    for (const s of later) expect(s.headers.authorization).toBe('Bearer nmv_usr_tok000000002');
    expect(tokensSent(statePath)).toEqual(['nmv_usr_tok000000002']);
    expect(await store.get()).toMatchObject({ token: 'nmv_usr_tok000000002' });
  });

  test('a 1001 that arrives after the renewal finished is replayed on the new token without a second renewal', async () => {
    const svc = service();
    const nemo = new NemoVideo({ baseURL: base, clientId: 'cid' });
    await nemo.credits.balance();
    svc.dead.add('nmv_usr_tok000000001');
    // Two calls leave with token 1; the first one's 1001 starts the renewal, the second one's
    // 1001 is held back by the server until the renewal is over.
    let lateGate!: () => void;
    const late = new Promise<void>((r) => (lateGate = r));
    let lateSeen = 0;
    api.use(
      http.get(`${base}${statePath}`, async ({ request }) => {
        const token = request.headers.get('authorization');
        if (token === 'Bearer nmv_usr_tok000000001' && lateSeen++ === 0) {
          await late;
          return HttpResponse.json({ code: 1001, message: 'Token expired' }, { status: 401 });
        }
        return ok({ session_id: 'sess-1', task_id: 't', draft: null });
      }),
    );
    const slow = nemo.state.latest('sess-1');
    await new Promise((r) => setTimeout(r, 20));
    const first = nemo.credits.balance();
    await svc.renewing;
    svc.release();
    await first;
    lateGate();
    await expect(slow).resolves.toMatchObject({ sessionId: 'sess-1' });
    expect(svc.issued()).toBe(2);
    expect(tokensSent(statePath)).toEqual(['nmv_usr_tok000000001', 'nmv_usr_tok000000002']);
  });

  test('a stored copy of the dead token is never used again, even by a new call before the store is rewritten', async () => {
    const svc = service();
    const store = new MemoryTokenStore({ clientId: 'cid', token: 'nmv_usr_tok000000000', userId: 'anon_u0', expiresAt: future() });
    const nemo = new NemoVideo({ baseURL: base, tokenStore: store });
    svc.dead.add('nmv_usr_tok000000000');
    // issued #1 comes from the renewal here (the stored token was token 0), so hold nothing.
    svc.release();
    await expect(nemo.credits.balance()).resolves.toMatchObject({ available: 1 });
    await expect(nemo.credits.balance()).resolves.toMatchObject({ available: 1 });
    expect(tokensSent(creditsPath)).toEqual(['nmv_usr_tok000000000', 'nmv_usr_tok000000001', 'nmv_usr_tok000000001']);
    expect(svc.issued()).toBe(1);
  });
});
