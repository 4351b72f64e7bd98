/**
 * The request timeout covers the body, not only the headers (the client's `timeout` option), on a
 * real loopback server (node:http, bytes through a socket, not msw): a server that answers its
 * headers at once and then trickles or stalls its body fails with TimeoutError near the deadline,
 * and the connection is released.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { NemoVideo, TimeoutError } from '../../src/index.js';
import { leakCheck, loopback, rejection, watchUnhandled } from './helpers.js';

const unhandled = watchUnhandled();
const token = 'nmv_usr_timeouttest9876';

type Mode = 'trickle' | 'stall' | 'no-headers' | 'slow-ok';
const hits: Array<{ path: string; closedEarly: boolean }> = [];
let server: Awaited<ReturnType<typeof loopback>>;

// Each path's final segment picks how the server misbehaves.
function misbehave(res: ServerResponse, mode: Mode, body: string, hit: { closedEarly: boolean }): void {
  const timers: ReturnType<typeof setTimeout>[] = [];
  res.on('close', () => {
    timers.forEach(clearTimeout);
    if (!res.writableFinished) hit.closedEarly = true;
  });
  if (mode === 'no-headers') return; // accepts the request, never answers
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
  if (mode === 'stall') {
    res.write(body.slice(0, 10)); // part of the body, then nothing
    return;
  }
  if (mode === 'slow-ok') {
    timers.push(setTimeout(() => res.end(body), 100));
    return;
  }
  // trickle: one byte every 40 ms, so bytes keep coming but the body ends after ~2 s.
  let i = 0;
  const step = () => {
    if (i >= body.length) return void res.end();
    res.write(body[i++]!);
    timers.push(setTimeout(step, 40));
  };
  step();
}

beforeAll(async () => {
  server = await loopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hit = { path: url.pathname, closedEarly: false };
    hits.push(hit);
    const mode = (url.searchParams.get('mode') ?? req.headers['x-mode'] ?? 'trickle') as Mode;
    const body = url.pathname.startsWith('/api/render/')
      ? JSON.stringify({ taskId: 'render_1', status: 'processing', progress: 40, padding: 'x'.repeat(40) })
      : JSON.stringify({ code: 0, data: { session_id: 'sess_1', task_id: 't', state: { draft: null }, padding: 'x'.repeat(40) } });
    misbehave(res, mode, body, hit);
  });
});
afterAll(() => server.close());

/** A client whose every request carries the server mode in a header. */
function client(mode: Mode, options: { timeout?: number; maxRetries?: number } = {}) {
  return new NemoVideo({
    token,
    baseURL: server.url,
    timeout: options.timeout ?? 200,
    maxRetries: options.maxRetries ?? 0,
    fetch: (input, init) => {
      const request = new Request(input, init);
      request.headers.set('x-mode', mode);
      return globalThis.fetch(request);
    },
  });
}

async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await rejection(promise);
  return { error, ms: Date.now() - started };
}

describe('timeouts cover the body', () => {
  const calls: Array<[string, string, (n: NemoVideo, o?: { timeout?: number }) => Promise<unknown>]> = [
    ['render.retrieve', '/api/render/proxy/lambda/render_1', (n, o) => n.render.retrieve('render_1', o)],
    ['state.latest', '/api/state/nemo_agent/me/sess_1/latest', (n, o) => n.state.latest('sess_1', o)],
    ['credits.balance', '/api/credits/balance/simple', (n, o) => n.credits.balance(o)],
  ];

  test.each(calls)('%s: a body trickled past the deadline is a TimeoutError near the deadline', async (_name, path, call) => {
    hits.length = 0;
    const leaks = leakCheck();
    const { error, ms } = await timed(call(client('trickle')));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(/200 ms/);
    expect((error as TimeoutError).retryable).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1_000); // the whole body would take ~3 s
    expect(hits.map((h) => h.path)).toEqual([path]);
    await leaks.expectNone();
    await unhandled.expectNone();
  });

  test.each(calls)('%s: a body that stops half-way is a TimeoutError', async (_name, path, call) => {
    hits.length = 0;
    const leaks = leakCheck();
    const { error, ms } = await timed(call(client('stall')));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ms).toBeLessThan(1_000);
    expect(hits.map((h) => h.path)).toEqual([path]);
    await leaks.expectNone();
    await unhandled.expectNone();
  });

  // Regression test, was a bug (src/core/transport.ts, readBody): on the deadline it calls `response.body?.cancel()`, but
  // `response.text()` has already locked the body, so cancel() rejects (swallowed by its .catch)
  // and nothing is released: the socket stays open and `text()` keeps reading until the server
  // ends the body — for a stalled server, forever (one leaked connection per timeout). Fix: read
  // the body through its own reader and `reader.cancel()` on the deadline, or abort the fetch
  // (pass an AbortController's signal, combined with the caller's, and abort it on the deadline).
  test.each(calls)('%s: after a body timeout the connection is released', async (_name, _path, call) => {
    hits.length = 0;
    expect(await rejection(call(client('stall')))).toBeInstanceOf(TimeoutError);
    await vi.waitFor(() => expect(hits[0]!.closedEarly).toBe(true), { timeout: 400 });
  });

  test.each(calls)('%s: headers that never come are a TimeoutError', async (_name, path, call) => {
    hits.length = 0;
    const leaks = leakCheck();
    const { error, ms } = await timed(call(client('no-headers')));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ms).toBeLessThan(1_000);
    expect(hits.map((h) => h.path)).toEqual([path]);
    await leaks.expectNone();
    await unhandled.expectNone();
  });

  test('state.latest: the TimeoutError carries the session id', async () => {
    const leaks = leakCheck();
    const error = await rejection(client('trickle').state.latest('sess_1'));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).sessionId).toBe('sess_1');
    await leaks.expectNone();
  });

  test("a call's own timeout overrides the client's, and covers the body too", async () => {
    hits.length = 0;
    const leaks = leakCheck();
    const { error, ms } = await timed(client('trickle', { timeout: 60_000 }).render.retrieve('render_1', { timeout: 150 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(/150 ms/);
    expect(ms).toBeLessThan(1_000);
    await leaks.expectNone();
  });

  test('a body that completes within the deadline is read whole', async () => {
    const leaks = leakCheck();
    const job = await client('slow-ok', { timeout: 2_000 }).render.retrieve('render_1');
    expect(job).toMatchObject({ id: 'render_1', status: 'processing', progress: 40 });
    const state = await client('slow-ok', { timeout: 2_000 }).state.latest('sess_1');
    expect(state.sessionId).toBe('sess_1');
    await leaks.expectNone();
  });
});
