import { afterEach, describe, expect, test, vi } from 'vitest';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { base, parseSse, trackKinds, wire } from './helpers.js';

const timing = { generationMs: 1000, editMs: 500, replyMs: 100, secondStageMs: 500, heartbeatEveryMs: 0 };

async function setup(options: EmulatorOptions = {}) {
  const emu = createEmulator({ seed: 21, ...timing, ...options });
  const api = wire(emu.fetch);
  await api.anonymous();
  const sid = await api.session();
  return { emu, api, sid };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('faults.errors', () => {
  test('answers a matching method and path with the status for `times` requests, then normally', async () => {
    const { api } = await setup({
      faults: { errors: [{ method: 'get', path: '/api/credits/balance/simple', status: 503, times: 2, headers: { 'x-fault': 'yes' } }] },
    });
    const first = await api.get('/api/credits/balance/simple');
    expect([first.status, first.body.code, first.headers.get('x-fault')]).toEqual([503, 503, 'yes']);
    expect((await api.get('/api/credits/balance/simple')).status).toBe(503);
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(0);
  });

  test('sends an envelope code with HTTP 200 when only `code` is given, matching RegExp and prefix paths', async () => {
    const { api, sid } = await setup({
      faults: {
        errors: [
          { path: /\/latest$/, code: 1002, message: 'gone' },
          { path: '/api/credits/*', status: 502 },
        ],
      },
    });
    const state = await api.get(`/api/state/nemo_agent/me/${sid}/latest`);
    expect([state.status, state.body]).toEqual([200, { code: 1002, message: 'gone', data: null }]);
    expect((await api.get('/api/credits/balance/simple')).status).toBe(502);
  });

  test('fires at `rate`, the same way for the same seed', async () => {
    const pattern = async () => {
      const { api } = await setup({ faults: { errors: [{ path: '/api/credits/balance/simple', status: 500, rate: 0.5 }] } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await api.get('/api/credits/balance/simple')).status);
      return statuses;
    };
    const a = await pattern();
    expect(a).toContain(500);
    expect(a).toContain(200);
    expect(await pattern()).toEqual(a);
  });
});

describe('faults.rateLimit', () => {
  test('answers 429 with Retry-After, and the refused message is not received', async () => {
    const { emu, api, sid } = await setup({ faults: { rateLimit: { path: '/run_sse', times: 1, retryAfterSeconds: 2 } } });
    const refused = await api.send(sid, 'what can you do?');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(emu.inspect().sessions[0]?.messages).toEqual([]);
    const accepted = await api.send(sid, 'what can you do?');
    expect(accepted.status).toBe(200);
    await accepted.text();
    expect(emu.inspect().sessions[0]?.messages).toEqual(['what can you do?']);
  });
});

describe('faults.expireToken', () => {
  test('kills the token with 1001; a new anonymous token for the same client keeps the user', async () => {
    const emu = createEmulator({ faults: { expireToken: { times: 1 } } });
    const api = wire(emu.fetch);
    await api.anonymous();
    const old = api.token;
    const expired = await api.post('/api/tasks/me/with-session/nemo_agent', { task_name: 'project' });
    expect([expired.status, expired.body.code]).toEqual([401, 1001]);
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(1001);
    await api.anonymous();
    expect(api.token).not.toBe(old);
    const sid = await api.session();
    await api.anonymous(); // still valid: the same token back
    expect((await api.state(sid)).code).toBe(0);
    expect(new Set(Object.keys(emu.inspect().credits)).size).toBe(1);
  });
});

describe('stream faults', () => {
  test('dropStreamAfterEvents cuts the stream abruptly, yet the work lands in the state', async () => {
    vi.useFakeTimers();
    const { emu, api, sid } = await setup({ faults: { dropStreamAfterEvents: 1 } });
    const res = await api.send(sid, 'generate a video about a glacier');
    const text = res.text();
    const failed = expect(text).rejects.toThrow(/terminated/);
    await vi.advanceTimersByTimeAsync(timing.replyMs + 10);
    await failed;
    expect(trackKinds(await api.state(sid))).toEqual([]);
    await vi.advanceTimersByTimeAsync(timing.generationMs + timing.secondStageMs);
    expect(trackKinds(await api.state(sid))).toHaveLength(3);
    expect(emu.inspect().requests.filter((r) => r.path === '/run_sse')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('stallStreamAfterEvents goes silent (no heartbeats) until the client aborts', async () => {
    vi.useFakeTimers();
    const { api, sid } = await setup({ heartbeatEveryMs: 100, faults: { stallStreamAfterEvents: 1 } });
    const controller = new AbortController();
    const res = await api.send(sid, 'generate a video about a glacier', {}, controller.signal);
    const reader = res.body!.getReader();
    const chunks: string[] = [];
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        chunks.push(new TextDecoder().decode(value));
      }
    })();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(parseSse(chunks.join('')).events).toHaveLength(1);
    expect(chunks.join('')).not.toContain(': ping');
    expect(trackKinds(await api.state(sid))).toHaveLength(3);
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('faults.serverErrorRate', () => {
  test('answers 5xx to everything at rate 1, but still answers CORS preflights', async () => {
    const emu = createEmulator({ faults: { serverErrorRate: 1 } });
    const res = await emu.fetch(`${base}/api/credits/balance/simple`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect([500, 502, 503]).toContain(((await res.json()) as { code: number }).code);
    expect((await emu.fetch(`${base}/run_sse`, { method: 'OPTIONS' })).status).toBe(204);
  });
});

describe('reset()', () => {
  test('clears state, recorded requests and fault counts, and ends open streams', async () => {
    vi.useFakeTimers();
    const { emu, api, sid } = await setup({ faults: { errors: [{ path: '/api/credits/balance/simple', status: 500, times: 1 }] } });
    expect((await api.get('/api/credits/balance/simple')).status).toBe(500);
    const res = await api.send(sid, 'generate a video about a glacier');
    const text = res.text();
    emu.reset();
    await expect(text).rejects.toThrow();
    expect(emu.inspect()).toEqual({ requests: [], sessions: [], credits: {}, renders: [] });
    await api.anonymous();
    expect((await api.get('/api/credits/balance/simple')).status).toBe(500);
    expect((await api.state(sid)).code).toBe(1002);
  });
});
