import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';
import { createEmulatorCore } from '../../src/testing/emulator/index.js';
import { base, wire } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createEmulator().fetch', () => {
  test('waits latencyMs before answering', async () => {
    vi.useFakeTimers();
    const emu = createEmulator({ latencyMs: 500 });
    let answered = false;
    const pending = emu.fetch(`${base}/_emulator/health`).then((res) => {
      answered = true;
      return res;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(200);
  });

  test('rejects with the signal’s reason when aborted, before or during the call', async () => {
    vi.useFakeTimers();
    const emu = createEmulator({ latencyMs: 1000 });
    const controller = new AbortController();
    const pending = emu.fetch(`${base}/_emulator/health`, { signal: controller.signal });
    const failed = expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    controller.abort();
    await failed;
    expect(vi.getTimerCount()).toBe(0);
    await expect(emu.fetch(`${base}/_emulator/health`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('accepts Request objects, URL objects and relative paths', async () => {
    const emu = createEmulator();
    expect((await emu.fetch(new Request(`${base}/_emulator/health`))).status).toBe(200);
    expect((await emu.fetch(new URL('/_emulator/health', 'http://any.test'))).status).toBe(200);
    expect((await emu.fetch('/_emulator/health')).status).toBe(200);
  });

  test('answers 404 to unknown paths and 405 to wrong methods, with CORS headers on every answer', async () => {
    const emu = createEmulator();
    const missing = await emu.fetch(`${base}/api/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    const wrong = await emu.fetch(`${base}/api/credits/balance/simple`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(wrong.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  test('answers the CORS preflight with 204 and the allowed headers', async () => {
    const emu = createEmulator();
    const res = await emu.fetch(`${base}/api/render/proxy/lambda`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/x-skill-platform/);
  });

  test('inspect() returns copies', async () => {
    const emu = createEmulator();
    const api = wire(emu.fetch);
    await api.anonymous();
    const sid = await api.session();
    const snapshot = emu.inspect();
    (snapshot.sessions[0]!.state as { draft: { t: unknown[] } }).draft.t.push('x');
    snapshot.requests.length = 0;
    expect((await api.state(sid)).data.state.draft.t).toEqual([]);
    expect(emu.inspect().requests.length).toBe(3);
  });

  test('the core works without msw handlers', async () => {
    const core = createEmulatorCore({ seed: 1 });
    expect(core).not.toHaveProperty('handlers');
    expect((await wire(core.fetch).anonymous()).code).toBe(0);
  });
});

describe('module boundaries', () => {
  const dir = new URL('../../src/testing/', import.meta.url);
  const files = [
    ...readdirSync(dir).filter((f) => f.endsWith('.ts')),
    ...readdirSync(new URL('emulator/', dir)).map((f) => `emulator/${f}`),
  ];
  const read = (file: string) => readFileSync(new URL(file, dir), 'utf8');

  test('imports no Node built-in statically (only node:http, dynamically, in server.ts)', () => {
    for (const file of files) {
      const source = read(file);
      expect(source, file).not.toMatch(/^import (?!type )[^;]*from ['"]node:/m);
      if (source.includes("import('node:")) expect(file).toBe('emulator/server.ts');
    }
  });

  test('imports msw only in msw.ts (not even its types elsewhere), and never the SDK client or transport', () => {
    for (const file of files) {
      const source = read(file);
      if (file !== 'msw.ts') expect(source, file).not.toMatch(/from ['"]msw/);
      expect(source, file).not.toMatch(/from '\.\.\/(\.\.\/)?(core|resources|client)/);
      expect(source.split('\n').length, file).toBeLessThan(400);
    }
  });
});
