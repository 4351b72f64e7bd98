import { afterEach, describe, expect, test, vi } from 'vitest';
import { NemoVideo, RateLimitError, StreamInterruptedError } from '../../src/index.js';
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

describe('faults after the service got the request (reset, HTML 502, JSON 503)', () => {
  const prompt = 'generate a video about a glacier';
  const runSse = (emu: ReturnType<typeof createEmulator>) => emu.inspect().requests.filter((r) => r.path === '/run_sse');

  /** Lets the run's work land, then returns the draft's tracks. */
  async function settledTracks(api: ReturnType<typeof wire>, sid: string) {
    await vi.advanceTimersByTimeAsync(timing.replyMs + timing.generationMs + timing.secondStageMs + 10);
    return trackKinds(await api.state(sid));
  }

  test('reset on /run_sse rejects the fetch with TypeError "fetch failed" before any header; the draft is still built', async () => {
    vi.useFakeTimers();
    const { emu, api, sid } = await setup({ faults: { errors: [{ path: '/run_sse', reset: true, times: 1 }] } });
    const error = await api.send(sid, prompt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { code: 'UND_ERR_SOCKET' } });
    const [seen] = runSse(emu);
    expect(seen?.status).toBeUndefined(); // no answer at all
    expect(seen?.bodyBytes).toBeGreaterThan(0); // the body was read
    expect(emu.inspect().sessions[0]?.messages).toEqual([prompt]);
    expect(await settledTracks(api, sid)).toHaveLength(3);
    expect(Object.values(emu.inspect().credits)[0]).toMatchObject({ total: 400, frozen: 0 }); // charged like any run
    expect(vi.getTimerCount()).toBe(0);
    // `times: 1`: the next message is answered normally.
    const next = await api.send(sid, 'add jazz music');
    expect(next.status).toBe(200);
    const text = next.text();
    await vi.advanceTimersByTimeAsync(5000);
    expect(parseSse(await text).events.length).toBeGreaterThan(0);
  });

  test('reset with processed: false drops the message too', async () => {
    vi.useFakeTimers();
    const { emu, api, sid } = await setup({ faults: { errors: [{ path: '/run_sse', reset: true, processed: false }] } });
    await expect(api.send(sid, prompt)).rejects.toThrow(TypeError);
    expect(emu.inspect().sessions[0]?.messages).toEqual([]);
    expect(await settledTracks(api, sid)).toEqual([]);
  });

  test('502 with a proxy HTML page (text/html); the draft is still built', async () => {
    vi.useFakeTimers();
    const { emu, api, sid } = await setup({ faults: { errors: [{ method: 'POST', path: '/run_sse', status: 502, html: true }] } });
    const res = await api.send(sid, prompt);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const page = await res.text();
    expect(page).toContain('<title>502 Bad Gateway</title>');
    expect(() => JSON.parse(page)).toThrow();
    expect(runSse(emu).map((r) => r.status)).toEqual([502]);
    expect(emu.inspect().sessions[0]?.messages).toEqual([prompt]);
    expect(await settledTracks(api, sid)).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('html as a string is sent as the page', async () => {
    const { api } = await setup({ faults: { errors: [{ path: '/api/credits/*', status: 504, html: '<p>upstream timed out</p>' }] } });
    const res = await api.raw('/api/credits/balance/simple');
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([504, 'text/html', '<p>upstream timed out</p>']);
  });

  test('503 with a JSON envelope; the draft is still built', async () => {
    vi.useFakeTimers();
    const { emu, api, sid } = await setup({ faults: { errors: [{ path: '/run_sse', status: 503, message: 'overloaded' }] } });
    const res = await api.send(sid, prompt);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ code: 503, message: 'overloaded', data: null });
    expect(emu.inspect().sessions[0]?.messages).toEqual([prompt]);
    expect(await settledTracks(api, sid)).toHaveLength(3);
  });

  test('a 4xx or envelope-code fault is a refusal: nothing is received unless processed: true', async () => {
    vi.useFakeTimers();
    const refused = await setup({ faults: { errors: [{ path: '/run_sse', status: 400, times: 1 }] } });
    expect((await refused.api.send(refused.sid, prompt)).status).toBe(400);
    expect(refused.emu.inspect().sessions[0]?.messages).toEqual([]);
    const received = await setup({ faults: { errors: [{ path: '/run_sse', code: 2001, processed: true }] } });
    expect(await (await received.api.send(received.sid, prompt)).json()).toMatchObject({ code: 2001 });
    expect(received.emu.inspect().sessions[0]?.messages).toEqual([prompt]);
    expect(await settledTracks(received.api, received.sid)).toHaveLength(3);
  });

  test('works on any path: a reset session create still creates the session', async () => {
    const emu = createEmulator({ seed: 3, faults: { errors: [{ path: /\/with-session\//, reset: true, times: 1 }] } });
    const api = wire(emu.fetch);
    await api.anonymous();
    await expect(api.post('/api/tasks/me/with-session/nemo_agent', { task_name: 'lost' })).rejects.toThrow('fetch failed');
    expect(emu.inspect().sessions.map((s) => s.taskName)).toEqual(['lost']);
  });

  test('through the SDK: the message is sent once, the error is the matching class, and the state shows the work', async () => {
    vi.useFakeTimers();
    const emu = createEmulator({
      seed: 4,
      ...timing,
      faults: {
        errors: [
          { path: '/run_sse', reset: true, times: 1 },
          { path: '/run_sse', status: 502, html: true, times: 1 },
        ],
      },
    });
    const nemo = new NemoVideo({ fetch: emu.fetch });
    const { sessionId } = await nemo.sessions.create();
    // Both fail before the answer began, when the service may have taken the message.
    const reset = await nemo.chat.send(sessionId, prompt).finalResult().catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(StreamInterruptedError);
    expect(reset).toMatchObject({ status: undefined }); // a dropped connection: no answer at all
    const proxy = await nemo.chat.send(sessionId, 'add jazz music').finalResult().catch((e: unknown) => e);
    expect(proxy).toBeInstanceOf(StreamInterruptedError);
    expect(proxy).toMatchObject({ status: 502 });
    expect(runSse(emu).map((r) => r.status)).toEqual([undefined, 502]); // never re-sent
    await vi.advanceTimersByTimeAsync(timing.replyMs + timing.generationMs + timing.secondStageMs + timing.editMs + 10);
    const state = await nemo.state.latest(sessionId);
    expect(state.draft?.tracks.length).toBe(3);
    expect(emu.inspect().sessions[0]?.messages).toEqual([prompt, 'add jazz music']);
  });
});

describe('faults.rateLimit with a huge Retry-After', () => {
  test('sends Retry-After: 604800 as is; the message is not received', async () => {
    const { emu, api, sid } = await setup({ faults: { rateLimit: { path: '/run_sse', times: 1, retryAfterSeconds: 604800 } } });
    const res = await api.send(sid, 'what can you do?');
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '604800']);
    expect(await res.json()).toMatchObject({ code: 429 });
    expect(emu.inspect().sessions[0]?.messages).toEqual([]);
  });

  test('reaches the SDK as a RateLimitError carrying the week', async () => {
    const emu = createEmulator({ faults: { rateLimit: { path: '/api/credits/balance/simple', retryAfterSeconds: 604800 } } });
    const nemo = new NemoVideo({ fetch: emu.fetch });
    const error = await nemo.credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 604_800_000 });
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
