/**
 * The leak check every reliability test uses (helpers.ts › leakCheck): first proved on planted
 * leaks (a socket left open, a listener left on a signal, a timer left pending), then applied to
 * the SDK's success, error and abort paths over real sockets and in process.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { MemoryTokenStore, NemoVideo } from '../../src/index.js';
import { createEmulator, startEmulator, type Emulator, type EmulatorOptions, type RunningEmulator } from '../../src/testing/index.js';
import { leakCheck, loopback } from './helpers.js';
import { hostileErrorFrame } from './soak-engine.js';

describe('the leak check catches what it is meant to catch', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  const stalled: Array<() => void> = [];
  beforeAll(async () => {
    server = await loopback((req, res) => {
      if (req.url === '/stall') {
        // Headers, a byte, then nothing until the client goes away.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x');
        stalled.push(() => res.end());
        return;
      }
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  test('a timer left pending, and not one that fired or was cleared', async () => {
    const check = leakCheck();
    const left = setTimeout(() => {}, 60_000);
    const cleared = setTimeout(() => {}, 60_000);
    clearTimeout(cleared);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const leaks = await check.settle();
    expect(leaks.timers).toHaveLength(1);
    expect(leaks.timers[0]).toMatch(/leaks\.test\.ts/);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    clearTimeout(left);
    await leakCheck().expectNone();
  });

  test('an interval left running', async () => {
    const check = leakCheck();
    const interval = setInterval(() => {}, 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await check.settle()).timers).toHaveLength(1);
    clearInterval(interval);
    expect((await check.settle()).timers).toEqual([]);
    check.close();
  });

  test('a listener left on the caller signal', async () => {
    const signal = new AbortController().signal;
    const kept = () => {};
    signal.addEventListener('abort', () => {}, { once: true }); // the caller's own, before the snapshot
    const check = leakCheck({ signals: [signal] });
    signal.addEventListener('abort', kept);
    expect((await check.settle()).listeners).toEqual([1]);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    signal.removeEventListener('abort', kept);
    await leakCheck({ signals: [signal] }).expectNone();
  });

  test('a socket left open: a response body the client never reads nor cancels', async () => {
    const check = leakCheck();
    const response = await fetch(`${server.url}/stall`);
    expect(response.status).toBe(200);
    const leaks = await check.settle();
    expect(leaks.openExchanges).toEqual(['GET /stall']);
    expect(leaks.busySockets).toBe(1);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    // Cancelling the body closes the connection: the server sees its exchange end.
    const after = leakCheck();
    await response.body?.cancel();
    const released = await after.settle();
    expect(released.openExchanges).toEqual([]);
    expect(released.busySockets).toBe(0);
    after.close();
    stalled.length = 0;
  });

  test('a socket left connected with no request: idle, a leak once idle sockets count', async () => {
    const { connect } = await import('node:net');
    const check = leakCheck({ countIdleSockets: true });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    expect(await check.settle()).toMatchObject({ busySockets: 0, idleSockets: 1 });
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    socket.destroy();
    await leakCheck({ countIdleSockets: true }).expectNone();
  });

  test("an idle keep-alive socket is the pool's, not a leak, unless asked to count it", async () => {
    const check = leakCheck();
    const strict = leakCheck({ countIdleSockets: true });
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe('ok');
    const leaks = await check.settle();
    expect(leaks).toMatchObject({ openExchanges: [], busySockets: 0, idleSockets: 1 });
    await check.expectNone();
    await expect(strict.expectNone()).rejects.toThrow(/left behind/);
  });
});

// The SDK, through its public API, against the emulator on 127.0.0.1 (real sockets) and in process.
const token = 'nmv_usr_leakcheck4321';
const quick: EmulatorOptions = { seed: 21, replyMs: 5, generationMs: 30, editMs: 10, secondStageMs: 10, renderTimeMs: 40, heartbeatEveryMs: 10, tokens: [token] };
// Quick, but with room for a loaded machine (heartbeats every 10 ms, a render of 40 ms).
const fastGenerate = {
  recovery: { firstDelayMs: 10, intervalMs: 10, maxUnchanged: 3 },
  settle: { intervalMs: 20, maxPolls: 25 },
  render: { intervalMs: 10, maxPolls: 2_000 },
  chat: { heartbeatTimeoutMs: 5_000 },
};
const newReason = () => new DOMException('the user left', 'AbortError');

type Scenario = [name: string, options: EmulatorOptions, run: (nemo: NemoVideo, signal: AbortSignal, abort: (reason: unknown) => void) => Promise<unknown>, expected: 'ok' | string];

const scenarios: Scenario[] = [
  ['credits.balance succeeds', {}, (n, signal) => n.credits.balance({ signal }), 'ok'],
  ['chat.send finalResult succeeds', {}, async (n, signal) => n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a 3-second video about tea', { signal }).finalResult(), 'ok'],
  ['generate with export succeeds, the video downloaded', {}, async (n, signal) => {
    const result = await n.generate('make a 3-second video about tea', { ...fastGenerate, signal });
    const body = await n.render.download(result.render!, { signal });
    return new Response(body).arrayBuffer();
  }, 'ok'],
  ['an upload succeeds', {}, async (n, signal) => n.uploads.create((await n.sessions.create({}, { signal })).sessionId, { files: [{ data: new Uint8Array(4096).fill(3), name: 'clip.mp4' }] }, { signal }), 'ok'],
  ['a 503 on every try is an APIError', { faults: { errors: [{ path: '/api/credits/balance/simple', status: 503 }] } }, (n, signal) => n.credits.balance({ signal }), 'APIError'],
  ['a session that is gone is SessionNotFoundError', {}, (n, signal) => n.state.latest('sess_gone', { signal }), 'SessionNotFoundError'],
  ['a cut stream is StreamInterruptedError', { faults: { dropStreamAfterEvents: 1 } }, async (n, signal) => n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a 3-second video about tea', { signal }).finalResult(), 'StreamInterruptedError'],
  ['a stalled stream is StreamTimeoutError', { faults: { stallStreamAfterEvents: 1 } }, async (n, signal) => n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a 3-second video about tea', { signal, heartbeatTimeoutMs: 200 }).finalResult(), 'StreamTimeoutError'],
  ['a reset on /run_sse is StreamInterruptedError', { faults: { errors: [{ path: '/run_sse', reset: true }] } }, async (n, signal) => n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a 3-second video about tea', { signal }).finalResult(), 'StreamInterruptedError'],
  ['generate after a 502 page on /run_sse recovers through state', { faults: { errors: [{ path: '/run_sse', status: 502, html: true }] } }, (n, signal) => n.generate('make a 3-second video about tea', { ...fastGenerate, signal }), 'ok'],
  ['a week-long Retry-After is RateLimitError at once', { faults: { rateLimit: { path: '/api/credits/balance/simple', retryAfterSeconds: 604_800 } } }, (n, signal) => n.credits.balance({ signal }), 'RateLimitError'],
  ['a failed render is RenderFailedError', { faults: { failRenders: 2 } }, async (n, signal) => {
    const { sessionId } = await n.sessions.create({}, { signal });
    await n.chat.send(sessionId, 'make a 3-second video about tea', { signal }).finalResult();
    return n.render.export(sessionId, { intervalMs: 10, signal });
  }, 'RenderFailedError'],
  ['a hostile bare error frame (a megabyte of spaces, a keyword repeated) is AgentError', { faults: { errorFrame: { afterEvents: 1, data: hostileErrorFrame } } }, async (n, signal) => {
    const error = await n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a 3-second video about tea', { signal }).finalResult().catch((e: unknown) => e);
    // Cut to a readable length, whatever the frame's size.
    expect((error as Error).message.length).toBeLessThan(1_000);
    throw error;
  }, 'AgentError'],
  ['chat.send aborted mid-stream rejects with the reason', { generationMs: 5_000 }, async (n, signal, abort) => {
    const stream = n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a video about tea', { signal });
    for await (const event of stream) if (event.type === 'tool_call') abort(newReason());
  }, 'AbortError'],
  ['leaving the loop early ends the stream', { generationMs: 5_000 }, async (n, signal) => {
    const stream = n.chat.send((await n.sessions.create({}, { signal })).sessionId, 'make a video about tea', { signal });
    for await (const event of stream) if (event.type === 'tool_call') break;
    return stream.finalResult();
  }, 'AbortError'],
  ['generate aborted while the render runs', { renderTimeMs: 5_000 }, (n, signal, abort) =>
    n.generate('make a 3-second video about tea', { ...fastGenerate, signal, onProgress: (p) => void (p.phase === 'render' && p.renderId && abort(newReason())) }), 'AbortError'],
  ['a download abandoned half-way', {}, async (n, signal, abort) => {
    const result = await n.generate('make a 3-second video about tea', { ...fastGenerate, signal });
    const reader = (await n.render.download(result.render!, { signal })).getReader();
    await reader.read();
    abort(newReason());
    await reader.read();
  }, 'AbortError'],
];

const nameOf = (value: unknown) => (value instanceof Error || value instanceof DOMException ? value.name : String(value));

describe.each([
  ['over real sockets', true],
  ['in process', false],
] as const)('the SDK leaves nothing behind, %s', (_where, overHttp) => {
  test.each(scenarios)('%s', async (_name, options, run, expected) => {
    let server: RunningEmulator<Emulator> | undefined;
    let emu: Emulator;
    if (overHttp) {
      server = await startEmulator({ ...quick, ...options });
      emu = server.emulator;
    } else emu = createEmulator({ ...quick, ...options });
    const nemo = new NemoVideo({ token, maxRetries: 1, ...(server ? { baseURL: server.url } : { fetch: emu.fetch }) });
    const controller = new AbortController();
    const check = leakCheck({ signals: [controller.signal] });
    const outcome = await run(nemo, controller.signal, (reason) => controller.abort(reason)).then(
      () => 'ok',
      (error: unknown) => nameOf(error),
    );
    expect(outcome).toBe(expected);
    await check.expectNone();
    await server?.close();
  });
});

describe('a token renewal held open while calls meet 1001', () => {
  test.each([
    ['over real sockets', true],
    ['in process', false],
  ] as const)('%s: one renewal for every concurrent call, all succeed, nothing left behind', async (_where, overHttp) => {
    const options: EmulatorOptions = { ...quick, faults: { delays: [{ path: '/api/auth/anonymous-token', delayMs: 150 }] } };
    const server = overHttp ? await startEmulator(options) : undefined;
    const emu = server?.emulator ?? createEmulator(options);
    const store = new MemoryTokenStore();
    const nemo = new NemoVideo({ clientId: 'leak-renewal', tokenStore: store, ...(server ? { baseURL: server.url } : { fetch: emu.fetch }) });
    await nemo.credits.balance();
    const stale = (await store.get())?.token;
    expect(stale).toMatch(/^nmv_/);
    emu.expireToken(stale!);
    const controller = new AbortController();
    const check = leakCheck({ signals: [controller.signal] });
    const balances = await Promise.all(Array.from({ length: 4 }, () => nemo.credits.balance({ signal: controller.signal })));
    expect(balances).toHaveLength(4);
    expect((await store.get())?.token).not.toBe(stale);
    const requests = emu.inspect().requests;
    expect(requests.filter((r) => r.path === '/api/auth/anonymous-token')).toHaveLength(2);
    expect(requests.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    await check.expectNone();
    await server?.close();
  });
});

describe('a week-long Retry-After never holds a call', () => {
  // uploads.create sends a refused upload once more itself: only after a wait within maxRetryAfterMs.
  test('uploads.create refused with Retry-After: 604800 rejects with RateLimitError within a minute', async () => {
    const emu = createEmulator({ ...quick, faults: { rateLimit: { path: '/api/upload-video/*', retryAfterSeconds: 604_800 } } });
    const nemo = new NemoVideo({ token, fetch: emu.fetch });
    const { sessionId } = await nemo.sessions.create();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let outcome = 'pending';
      void nemo.uploads.create(sessionId, { files: [{ data: new Uint8Array(64).fill(1), name: 'clip.mp4' }] }).then(
        () => void (outcome = 'ok'),
        (error: unknown) => void (outcome = nameOf(error)),
      );
      await vi.advanceTimersByTimeAsync(60_000);
      expect(outcome).toBe('RateLimitError');
    } finally {
      vi.useRealTimers();
    }
  });

  test.each([
    ['credits.balance', (n: NemoVideo) => n.credits.balance()],
    ['sessions.create', (n: NemoVideo) => n.sessions.create()],
    ['chat.send', (n: NemoVideo) => n.chat.send('sess_1', 'hello').finalResult()],
  ] as const)('%s refused with Retry-After: 604800 rejects with RateLimitError within a minute', async (_name, call) => {
    const emu = createEmulator({ ...quick, faults: { rateLimit: { retryAfterSeconds: 604_800 } } });
    const nemo = new NemoVideo({ token, fetch: emu.fetch });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let outcome = 'pending';
      void call(nemo).then(
        () => void (outcome = 'ok'),
        (error: unknown) => void (outcome = nameOf(error)),
      );
      await vi.advanceTimersByTimeAsync(60_000);
      expect(outcome).toBe('RateLimitError');
      expect(vi.getTimerCount(), 'timers pending').toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
