import { afterEach, describe, expect, test, vi } from 'vitest';
import { startEmulator, type Emulator, type RunningEmulator } from '../../src/testing/index.js';
import { fast, parseSse, trackKinds, wire } from './helpers.js';

let running: RunningEmulator<Emulator> | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await running?.close();
  running = undefined;
});

async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  running = await startEmulator({ seed: 4, ...fast, ...options });
  const api = wire((input, init) => fetch(input, init), running.url);
  return { running, api };
}

describe('startEmulator', () => {
  test('listens on 127.0.0.1 with a random port and speaks the protocol over HTTP', async () => {
    const { running, api } = await start();
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await api.anonymous()).data.token).toMatch(/^nmv_usr_/);
    const sid = await api.session();
    const res = await api.send(sid, 'generate a video about a harbour', { streaming: true });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const { events, endsCleanly } = parseSse(await res.text());
    expect(events.length).toBeGreaterThan(3);
    expect(endsCleanly).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, fast.secondStageMs + 10));
    expect(trackKinds(await api.state(sid))).toHaveLength(3);
    expect(running.emulator.inspect().requests.map((r) => r.path)).toContain('/run_sse');
  });

  test('flushes each SSE event as it happens', async () => {
    const { api } = await start({ replyMs: 0, generationMs: 3000 });
    await api.anonymous();
    const sid = await api.session();
    const controller = new AbortController();
    const started = Date.now();
    const res = await api.send(sid, 'generate a video about a harbour', {}, controller.signal);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(first).toContain('functionCall');
    expect(first).not.toContain('functionResponse');
    controller.abort();
  });

  test('answers CORS preflights with 204 and the headers browsers send', async () => {
    const { running } = await start();
    const res = await fetch(`${running.url}/run_sse`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = res.headers.get('access-control-allow-headers')?.split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-client-id', 'x-skill-source', 'x-skill-version', 'x-skill-platform']),
    );
  });

  test('answers 400 without X-Client-Id', async () => {
    const { running } = await start();
    expect((await fetch(`${running.url}/api/auth/anonymous-token`, { method: 'POST' })).status).toBe(400);
  });

  test('cuts the connection for dropStreamAfterEvents', async () => {
    const { api } = await start({ faults: { dropStreamAfterEvents: 1 } });
    await api.anonymous();
    const sid = await api.session();
    const res = await api.send(sid, 'generate a video about a harbour');
    await expect(res.text()).rejects.toThrow(/terminated/);
  });

  test('a reset fault destroys the socket before any header, after the message was received', async () => {
    const { running, api } = await start({ faults: { errors: [{ path: '/run_sse', reset: true, times: 1 }] } });
    await api.anonymous();
    const sid = await api.session();
    // Only Date is faked: the emulator's work follows Date.now(), the sockets keep real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    const error = await api.send(sid, 'generate a video about a harbour').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).message)).toBe('fetch failed');
    const [seen] = running.emulator.inspect().requests.filter((r) => r.path === '/run_sse');
    expect(seen?.status).toBeUndefined();
    expect(running.emulator.inspect().sessions[0]?.messages).toEqual(['generate a video about a harbour']);
    vi.advanceTimersByTime(60_000);
    expect(trackKinds(await api.state(sid))).toHaveLength(3);
    // The next request gets a normal answer on a new connection.
    expect((await api.get('/api/credits/balance/simple')).body.code).toBe(0);
  });

  test('a 502 HTML fault reaches the client as text/html', async () => {
    const { running, api } = await start({ faults: { errors: [{ path: '/run_sse', status: 502, html: true }] } });
    await api.anonymous();
    const sid = await api.session();
    const res = await api.send(sid, 'what can you do?');
    expect([res.status, res.headers.get('content-type')]).toEqual([502, 'text/html']);
    expect(await res.text()).toContain('<h1>502 Bad Gateway</h1>');
    expect(running.emulator.inspect().sessions[0]?.messages).toEqual(['what can you do?']);
  });

  test('close() ends open streams and connections', async () => {
    const { running, api } = await start({ generationMs: 60_000, heartbeatEveryMs: 50 });
    await api.anonymous();
    const sid = await api.session();
    const res = await api.send(sid, 'generate a video about a harbour');
    const text = res.text();
    await running.close();
    await expect(text).rejects.toThrow();
  });

  test('streams uploads and serves the rendered MP4 with Content-Length', async () => {
    const { running, api } = await start({ renderTimeMs: 0 });
    await api.anonymous();
    const sid = await api.session();
    const form = new FormData();
    form.append('files', new File([new Uint8Array(3 * 1024 * 1024)], 'big.mp4', { type: 'video/mp4' }));
    const up = await api.raw(`/api/upload-video/nemo_agent/me/${sid}`, { method: 'POST', body: form });
    expect(((await up.json()) as { data: { files: unknown[] } }).data.files).toHaveLength(1);
    expect(running.emulator.inspect().requests.at(-1)?.bodyBytes).toBeGreaterThan(3 * 1024 * 1024);
    const draft = { t: [{ tt: 0, sg: [{ st: 0, d: 3000, m: {} }] }], d: 3000 };
    await api.post('/api/render/proxy/lambda', { id: 'render_srv', sessionId: sid, draft });
    const job = (await api.get('/api/render/proxy/lambda/render_srv')).body;
    expect(job.output.url).toBe(`${running.url}/_emulator/media/render_srv.mp4`);
    const file = await fetch(job.output.url);
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(Number(file.headers.get('content-length'))).toBe(bytes.length);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('ftyp');
  });

  test('answers 4002 over HTTP before the whole upload is read', async () => {
    const { api } = await start({ maxUploadBytes: 64 * 1024 });
    await api.anonymous();
    const sid = await api.session();
    const form = new FormData();
    form.append('files', new File([new Uint8Array(4 * 1024 * 1024)], 'huge.mp4', { type: 'video/mp4' }));
    const res = await api.raw(`/api/upload-video/nemo_agent/me/${sid}`, { method: 'POST', body: form }).catch((e: unknown) => e);
    // Node’s fetch may see the early answer or the closed socket, depending on timing.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: number }).code).toBe(4002);
    } else {
      expect(String(res)).toMatch(/fetch failed|terminated|socket|reset/i);
    }
  });
});
