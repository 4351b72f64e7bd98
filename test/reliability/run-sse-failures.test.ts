/**
 * Every failure of `POST /run_sse` after the request may have reached the service is a cut
 * stream: one send, never `retryable`, and `generate()` recovers through state. Each kind is
 * made in front of the emulator, which either got the prompt (and builds the draft) or not.
 */
import { describe, expect, test } from 'vitest';
import { APIConnectionError, NemoVideo, StreamInterruptedError, StreamTimeoutError, type GenerateOptions } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';
import { leakCheck } from './helpers.js';

const fast = { seed: 11, replyMs: 5, generationMs: 30, editMs: 20, secondStageMs: 40, renderTimeMs: 60, heartbeatEveryMs: 10 };
const quick: GenerateOptions = {
  settle: { intervalMs: 60, maxPolls: 10 },
  recovery: { firstDelayMs: 20, intervalMs: 20, maxUnchanged: 3 },
  render: { intervalMs: 20, maxPolls: 50 },
  chat: { heartbeatTimeoutMs: 300 },
};

type Fault = (forward: () => Promise<Response>, signal: AbortSignal | null | undefined) => Promise<Response>;

// What a proxy or a dropped connection does once the service has (or has not) taken the prompt.
const kinds: Record<string, Fault> = {
  'a reset before the headers': async () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
  },
  'a 502 HTML page from a proxy': async () =>
    new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', { status: 502, headers: { 'content-type': 'text/html' } }),
  'a 503 JSON answer': async () =>
    new Response(JSON.stringify({ code: 503, message: 'Service Unavailable' }), { status: 503, headers: { 'content-type': 'application/json' } }),
  'no headers until the watchdog fires': (_forward, signal) =>
    new Promise<Response>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
};

function setup(kind: Fault, processed: boolean) {
  const emu = createEmulator(fast);
  let runSse = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (new URL(request.url).pathname !== '/run_sse') return emu.fetch(request);
    runSse++;
    const forward = async () => {
      const response = await emu.fetch(request);
      await response.body?.cancel();
      return response;
    };
    // The service got the prompt: the emulator schedules the work before any byte of the answer.
    if (processed) await forward();
    return kind(forward, request.signal);
  }) as typeof globalThis.fetch;
  const nemo = new NemoVideo({ fetch, clientId: 'run-sse-faults' });
  const paths = () => emu.inspect().requests.map((r) => `${r.method} ${r.path}`);
  // Nothing may be left once the call settles: no timer, no listener (see helpers.ts › leakCheck).
  const leaks = leakCheck();
  return { emu, nemo, paths, runSse: () => runSse, leaks };
}

describe.each(Object.entries(kinds))('%s on /run_sse', (_name, kind) => {
  test('chat.send: one request, StreamInterruptedError or StreamTimeoutError, not retryable, with the session id', async () => {
    const { nemo, runSse, leaks } = setup(kind, true);
    const { sessionId } = await nemo.sessions.create();
    const error = await nemo.chat
      .send(sessionId, 'a video about tea', { heartbeatTimeoutMs: 300 })
      .finalResult()
      .catch((e: unknown) => e);
    expect([StreamInterruptedError.name, StreamTimeoutError.name]).toContain((error as Error).name);
    expect(error).not.toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ retryable: false, sessionId, partial: { text: '', events: [] } });
    expect(runSse()).toBe(1);
    await leaks.expectNone();
  });

  test('generate: recovers the draft the service built, through state, without a second send', async () => {
    const { nemo, paths, runSse, leaks } = setup(kind, true);
    const result = await nemo.generate('a 20-second video about a lighthouse at dusk', quick);
    expect(runSse()).toBe(1);
    expect(result.summary).toMatch(/^Timeline \(\d tracks?\)/);
    expect(result.render?.status).toBe('completed');
    // State was read after the failed send: that is where the result came from.
    const seen = paths();
    const send = seen.indexOf('POST /run_sse');
    expect(send).toBeGreaterThan(-1);
    expect(seen.slice(send + 1).some((p) => p.startsWith('GET /api/state/'))).toBe(true);
    expect(seen.filter((p) => p === 'POST /api/render/proxy/lambda')).toHaveLength(1);
    await leaks.expectNone();
  });

  test('generate: when the service built nothing, rejects with StreamInterruptedError (not retryable) after reading state', async () => {
    const { nemo, paths, runSse, leaks } = setup(kind, false);
    const error = await nemo.generate('a 20-second video about a lighthouse at dusk', quick).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as StreamInterruptedError).sessionId).toMatch(/.+/);
    expect(runSse()).toBe(1);
    const seen = paths();
    expect(seen.filter((p) => p.startsWith('GET /api/state/'))).toHaveLength(3);
    expect(seen.filter((p) => p.startsWith('POST /api/render'))).toHaveLength(0);
    await leaks.expectNone();
  });
});

describe('a refusal on /run_sse keeps its class', () => {
  test('429 is replayed once, then surfaces as RateLimitError (the service did not take the message)', async () => {
    const emu = createEmulator({ ...fast, faults: { rateLimit: { path: '/run_sse', times: 2, retryAfterSeconds: 0 } } });
    const nemo = new NemoVideo({ fetch: emu.fetch, clientId: 'run-sse-429' });
    const leaks = leakCheck();
    const { sessionId } = await nemo.sessions.create();
    const error = await nemo.chat.send(sessionId, 'a video about tea').finalResult().catch((e: unknown) => e);
    expect((error as Error).name).toBe('RateLimitError');
    expect(error).toMatchObject({ sessionId });
    expect(emu.inspect().requests.filter((r) => r.path === '/run_sse')).toHaveLength(2);
    await leaks.expectNone();
  });
});
