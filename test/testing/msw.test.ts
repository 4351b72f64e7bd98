import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createEmulator, isEmulatorPath } from '../../src/testing/index.js';
import { mswHandlers } from '../../src/testing/msw.js';
import { base, fast, finalTexts, parseSse, wire } from './helpers.js';

const emu = createEmulator({ seed: 8, ...fast });
const server = setupServer(...mswHandlers(emu), http.get('https://example.com/other', () => new Response('not the emulator')));

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  server.resetHandlers();
  emu.reset();
});
afterAll(() => server.close());

describe('mswHandlers(emu) with msw setupServer', () => {
  test('answers the SDK’s default origin through the global fetch, SSE included', async () => {
    const api = wire((input, init) => fetch(input, init), base);
    await api.anonymous();
    const sid = await api.session();
    const res = await api.send(sid, 'what can you do?', { streaming: true });
    expect(finalTexts(parseSse(await res.text()).events)).toHaveLength(1);
    expect(emu.inspect().requests.map((r) => r.path)).toEqual([
      '/api/auth/anonymous-token',
      '/api/tasks/me/with-session/nemo_agent',
      '/run_sse',
    ]);
  });

  test('matches API paths on any origin and leaves other requests to other handlers', async () => {
    const res = await fetch('http://localhost:1234/api/credits/balance/simple');
    expect(((await res.json()) as { code: number }).code).toBe(1001);
    expect(await (await fetch('https://example.com/other')).text()).toBe('not the emulator');
    expect(emu.inspect().requests).toHaveLength(1);
  });

  test('turns a reset fault into a network error: the global fetch rejects with a TypeError', async () => {
    const resetting = createEmulator({ seed: 8, ...fast, faults: { errors: [{ path: '/run_sse', reset: true }] } });
    server.use(...mswHandlers(resetting));
    const api = wire((input, init) => fetch(input, init), base);
    await api.anonymous();
    const sid = await api.session();
    await expect(api.send(sid, 'what can you do?')).rejects.toThrow(TypeError);
    expect(resetting.inspect().sessions[0]?.messages).toEqual(['what can you do?']);
    expect(resetting.inspect().requests.map((r) => [r.path, r.status])).toEqual([
      ['/api/auth/anonymous-token', 200],
      ['/api/tasks/me/with-session/nemo_agent', 200],
      ['/run_sse', undefined],
    ]);
  });

  test('recognises the API paths', () => {
    expect(['/api/x', '/run_sse', '/_emulator/media/a.mp4'].every(isEmulatorPath)).toBe(true);
    expect(['/', '/other', '/run_sse_x'].some(isEmulatorPath)).toBe(false);
  });
});
