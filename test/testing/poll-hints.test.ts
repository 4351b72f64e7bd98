/**
 * Poll hints on the wire: render polls and state reads carry `Retry-After` in whole seconds
 * until the scheduled work is done (rounded up), or 0 when the next read will find it done.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createEmulator, startEmulator } from '../../src/testing/index.js';
import { trackKinds, wire, type Body } from './helpers.js';

// The run starts at t=0: tool call at 100 ms, first stage at 3100 ms, second stage at 5100 ms.
const timing = { replyMs: 100, generationMs: 3000, editMs: 500, secondStageMs: 2000, renderTimeMs: 4500, heartbeatEveryMs: 0 };

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function started() {
  const emu = createEmulator({ seed: 21, ...timing });
  const api = wire(emu.fetch);
  await api.anonymous();
  const sid = await api.session();
  const hintOfState = async () => {
    const res = await api.get(`/api/state/nemo_agent/me/${sid}/latest`);
    return { hint: res.headers.get('retry-after'), tracks: trackKinds(res.body).length };
  };
  return { emu, api, sid, hintOfState };
}

describe('Retry-After on state reads', () => {
  test('counts the seconds until both stages of a generation are in the state, then 0', async () => {
    const { api, sid, hintOfState } = await started();
    expect(await hintOfState()).toEqual({ hint: '0', tracks: 0 }); // nothing scheduled
    const body = (await api.send(sid, 'generate a video about a lighthouse')).text();
    expect(await hintOfState()).toEqual({ hint: '6', tracks: 0 }); // 5.1 s to go, rounded up
    await vi.advanceTimersByTimeAsync(3100);
    expect(await hintOfState()).toEqual({ hint: '2', tracks: 1 }); // first stage in, 2 s to the second
    await vi.advanceTimersByTimeAsync(1000);
    expect(await hintOfState()).toEqual({ hint: '1', tracks: 1 }); // 1000 ms: still a whole second
    await vi.advanceTimersByTimeAsync(750);
    expect(await hintOfState()).toEqual({ hint: '0', tracks: 1 }); // due within 250 ms: read again now
    await vi.advanceTimersByTimeAsync(250);
    expect(await hintOfState()).toEqual({ hint: '0', tracks: 3 });
    await body;
  });

  test('an edit hints at its own end; an error answer carries no hint', async () => {
    const { api, sid, hintOfState } = await started();
    const first = (await api.send(sid, 'generate a video about a lighthouse')).text();
    await vi.advanceTimersByTimeAsync(6000);
    await first;
    const body = (await api.send(sid, 'add jazz music')).text();
    expect((await hintOfState()).hint).toBe('1'); // 600 ms to go
    await vi.advanceTimersByTimeAsync(600);
    expect((await hintOfState()).hint).toBe('0');
    await vi.advanceTimersByTimeAsync(1000);
    await body;
    const missing = await api.get('/api/state/nemo_agent/me/no-such-session/latest');
    expect(missing.body.code).toBe(1002);
    expect(missing.headers.has('retry-after')).toBe(false);
  });
});

describe('Retry-After on render polls', () => {
  test('counts the seconds until the job is finished, its queue included, then 0', async () => {
    const { api, sid } = await started();
    const body = (await api.send(sid, 'generate a video about a lighthouse')).text();
    await vi.advanceTimersByTimeAsync(6000);
    await body;
    const draft = (await api.state(sid)).data.state.draft as Body;
    const submit = (id: string) => api.post('/api/render/proxy/lambda', { id, sessionId: sid, draft, output: { format: 'mp4', quality: 'high' } });
    const poll = async (id: string) => {
      const res = await api.get(`/api/render/proxy/lambda/${id}`);
      return [res.body.status, res.headers.get('retry-after')];
    };
    await submit('first');
    await submit('second'); // queued behind the first: done at 9 s
    expect(await poll('first')).toEqual(['pending', '5']); // 4.5 s, rounded up
    expect(await poll('second')).toEqual(['pending', '9']);
    await vi.advanceTimersByTimeAsync(3500);
    expect(await poll('first')).toEqual(['processing', '1']);
    await vi.advanceTimersByTimeAsync(800);
    expect(await poll('first')).toEqual(['processing', '0']); // 200 ms left: done by the next read
    await vi.advanceTimersByTimeAsync(200);
    expect(await poll('first')).toEqual(['completed', '0']);
    expect(await poll('second')).toEqual(['pending', '5']); // starts now, done in 4.5 s
    expect(Number((await api.get('/api/render/proxy/lambda/second')).headers.get('retry-after'))).toSatisfy(Number.isInteger);
  });

  test('a failed render hints 0 (nothing more to wait for)', async () => {
    const emu = createEmulator({ seed: 22, ...timing, faults: { failRenders: 1 } });
    const api = wire(emu.fetch);
    await api.anonymous();
    const sid = await api.session();
    const body = (await api.send(sid, 'generate a video about a lighthouse')).text();
    await vi.advanceTimersByTimeAsync(6000);
    await body;
    const draft = (await api.state(sid)).data.state.draft as Body;
    await api.post('/api/render/proxy/lambda', { id: 'doomed', sessionId: sid, draft, output: {} });
    expect((await api.get('/api/render/proxy/lambda/doomed')).headers.get('retry-after')).toBe('3'); // fails halfway: 2.25 s
    await vi.advanceTimersByTimeAsync(2250);
    const failed = await api.get('/api/render/proxy/lambda/doomed');
    expect([failed.body.status, failed.headers.get('retry-after')]).toEqual(['failed', '0']);
  });
});

describe('over HTTP', () => {
  test('a browser may read the hint (CORS exposes Retry-After)', async () => {
    vi.useRealTimers();
    const running = await startEmulator({ seed: 23, renderTimeMs: 0 });
    try {
      const api = wire((input, init) => fetch(input, init), running.url);
      await api.anonymous();
      const sid = await api.session();
      const res = await api.raw(`/api/state/nemo_agent/me/${sid}/latest`);
      expect(res.headers.get('retry-after')).toBe('0');
      expect(res.headers.get('access-control-expose-headers')).toMatch(/\bretry-after\b/);
    } finally {
      await running.close();
    }
  });
});
