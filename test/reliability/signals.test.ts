/**
 * An abort in every phase of a call (docs/errors.md: an abort rejects with the signal's reason):
 * before sending, waiting for headers, mid-stream, mid-upload, between polls, mid-download, and
 * `generate()` in each of its phases. Each test checks the rejection is the reason itself, that
 * nothing was left unhandled, and what reached the wire.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { NemoVideo, type GenerateProgress } from '../../src/index.js';
import { downloadToFile } from '../../src/node/index.js';
import { createEmulator, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/testing/index.js';
import { leakCheck, loopback, rejection, watchUnhandled } from './helpers.js';

const unhandled = watchUnhandled();
const token = 'nmv_usr_signaltest1234';
const quick: EmulatorOptions = { seed: 11, replyMs: 10, generationMs: 60, editMs: 10, secondStageMs: 10, renderTimeMs: 60, heartbeatEveryMs: 10, tokens: [token] };
const tinyDraft = { t: [{ tt: 0, sg: [{ st: 0, d: 3000 }] }], d: 3000 };

/** A reason the SDK cannot have made itself: the rejection must be this very object. */
const newReason = () => new DOMException('the user left', 'AbortError');

function setup(options: EmulatorOptions = {}) {
  const emu = createEmulator({ ...quick, ...options });
  const nemo = new NemoVideo({ token, fetch: emu.fetch });
  const paths = () => emu.inspect().requests.map((r) => `${r.method} ${r.path}`);
  return { emu, nemo, paths };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('aborted before sending', () => {
  const calls: Array<[string, (nemo: NemoVideo, signal: AbortSignal) => Promise<unknown>]> = [
    ['credits.balance', (n, signal) => n.credits.balance({ signal })],
    ['state.latest', (n, signal) => n.state.latest('sess_1', { signal })],
    ['sessions.create', (n, signal) => n.sessions.create({}, { signal })],
    ['chat.send', (n, signal) => n.chat.send('sess_1', 'hello', { signal }).finalResult()],
    ['chat.recover', (n, signal) => n.chat.recover('sess_1', { baseline: null, firstDelayMs: 0, signal })],
    ['uploads.create (file)', (n, signal) => n.uploads.create('sess_1', { files: [{ data: new Uint8Array(8), name: 'a.mp4' }] }, { signal })],
    ['uploads.create (url)', (n, signal) => n.uploads.create('sess_1', { urls: ['https://cdn.test/a.mp4'] }, { signal })],
    ['render.create', (n, signal) => n.render.create({ sessionId: 'sess_1', draft: tinyDraft }, { signal })],
    ['render.wait', (n, signal) => n.render.wait('render_1', { signal })],
    ['render.export', (n, signal) => n.render.export('sess_1', { signal })],
    ['render.download', (n, signal) => n.render.download('render_1', { signal })],
    ['auth.claimUrl', (n, signal) => n.auth.claimUrl({ taskId: 't', sessionId: 'sess_1' }, { signal })],
    ['generate', (n, signal) => n.generate('a coffee ad', { signal })],
    ['generate (given session)', (n, signal) => n.generate('a coffee ad', { sessionId: 'sess_1', signal })],
  ];

  test.each(calls)('%s rejects with the reason and sends nothing', async (_name, call) => {
    const { nemo, paths } = setup();
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    controller.abort(reason);
    expect(await rejection(call(nemo, controller.signal))).toBe(reason);
    expect(paths()).toEqual([]);
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});

describe('aborted while waiting for the headers', () => {
  const calls: Array<[string, string, (nemo: NemoVideo, signal: AbortSignal) => Promise<unknown>]> = [
    ['credits.balance (GET)', 'GET /api/credits/balance/simple', (n, signal) => n.credits.balance({ signal })],
    ['sessions.create (POST)', 'POST /api/tasks/me/with-session/nemo_agent', (n, signal) => n.sessions.create({}, { signal })],
    ['chat.send (/run_sse)', 'POST /run_sse', (n, signal) => n.chat.send('sess_1', 'hello', { signal }).finalResult()],
    ['uploads.create (url)', 'POST /api/upload-video/nemo_agent/me/sess_1', (n, signal) => n.uploads.create('sess_1', { urls: ['https://cdn.test/a.mp4'] }, { signal })],
  ];

  test.each(calls)('%s rejects with the reason at once; one request, never repeated', async (_name, expected, call) => {
    vi.useFakeTimers();
    // A handler that takes a minute to answer.
    const { nemo, paths } = setup({ latencyMs: 60_000 });
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const pending = rejection(call(nemo, controller.signal));
    // The request reaches the handler (the first call also loads ky), which then sits on it.
    await vi.waitFor(() => expect(paths()).toEqual([expected]));
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(paths()).toEqual([expected]);
    expect(vi.getTimerCount(), 'timers pending').toBe(0);
    vi.useRealTimers();
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});

describe('aborted mid-stream', () => {
  test('chat.send: iteration and finalResult reject with the reason after the first event; one /run_sse', async () => {
    const { emu, nemo, paths } = setup({ generationMs: 5_000 });
    const { sessionId } = await nemo.sessions.create();
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const stream = nemo.chat.send(sessionId, 'make a video about tea', { signal: controller.signal });
    const seen: string[] = [];
    const iterated = (async () => {
      for await (const event of stream) {
        seen.push(event.type);
        if (event.type === 'tool_call') controller.abort(reason);
      }
    })();
    expect(await rejection(iterated)).toBe(reason);
    expect(await rejection(stream.finalResult())).toBe(reason);
    expect(seen).toEqual(['tool_call']);
    expect(paths().filter((p) => p === 'POST /run_sse')).toHaveLength(1);
    expect(emu.inspect().sessions[0]?.messages).toEqual(['make a video about tea']);
    await leaks.expectNone();
    await unhandled.expectNone();
  });

  test('stream.abort(reason) and leaving the loop early end the stream without a second send', async () => {
    const { nemo, paths } = setup({ generationMs: 5_000 });
    const { sessionId } = await nemo.sessions.create();
    const leaks = leakCheck();
    const first = nemo.chat.send(sessionId, 'make a video about tea');
    for await (const event of first) if (event.type === 'tool_call') break;
    expect((await rejection(first.finalResult())) as Error).toMatchObject({ name: 'AbortError' });
    const second = nemo.chat.send(sessionId, 'add music');
    const reason = newReason();
    setTimeout(() => second.abort(reason), 5);
    expect(await rejection(second.finalResult())).toBe(reason);
    expect(paths().filter((p) => p === 'POST /run_sse')).toHaveLength(2);
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});

describe('aborted mid-upload', () => {
  let server: RunningEmulator;
  beforeAll(async () => {
    server = await startEmulator({ ...quick });
  });
  afterAll(() => server.close());

  test('a large streamed upload stops, its source is cancelled and nothing lands in the session', async () => {
    const nemo = new NemoVideo({ token, baseURL: server.url });
    const { sessionId } = await nemo.sessions.create();
    const chunk = new Uint8Array(256 * 1024).fill(1);
    const total = 256 * chunk.byteLength; // 64 MiB, produced as it is read
    let produced = 0;
    let cancelled: unknown;
    const data = new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((resolve) => setTimeout(resolve, 1)); // a disk, not a memcpy
        if (produced >= total) return c.close();
        produced += chunk.byteLength;
        c.enqueue(chunk.slice());
      },
      cancel(why) {
        cancelled = why ?? 'cancelled';
      },
    });
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const error = await rejection(
      nemo.uploads.create(sessionId, { files: [{ data, name: 'big.mp4', size: total }] }, {
        signal: controller.signal,
        onProgress: ({ loaded }) => {
          if (loaded >= 4 * 1024 * 1024 && !controller.signal.aborted) controller.abort(reason);
        },
      }),
    );
    expect(error, 'the rejection').toBe(reason);
    expect(cancelled, 'the source was cancelled').toBeDefined();
    expect(produced, 'bytes read from the source').toBeLessThan(total);
    const snapshot = server.emulator.inspect();
    const uploads = snapshot.requests.filter((r) => r.path.startsWith('/api/upload-video/'));
    // One request at most (the server may see the connection reset before the request), never the whole body.
    expect(uploads.length, 'upload requests').toBeLessThanOrEqual(1);
    for (const upload of uploads) expect(upload.bodyBytes, 'body bytes received').toBeLessThan(total);
    expect((snapshot.sessions[0]?.state as { video_infos: unknown[] }).video_infos).toEqual([]);
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});

describe('aborted between polls', () => {
  test('render.wait rejects with the reason and polls no more', async () => {
    vi.useFakeTimers();
    const { nemo, paths } = setup({ renderTimeMs: 600_000 });
    const { sessionId } = await nemo.sessions.create();
    const job = await nemo.render.create({ sessionId, draft: tinyDraft });
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    let polls = 0;
    const pending = rejection(nemo.render.wait(job.id, { intervalMs: 30_000, signal: controller.signal, onProgress: () => void polls++ }));
    await vi.advanceTimersByTimeAsync(30_000 + 100); // the first poll, then the second
    expect(polls).toBe(2);
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await vi.advanceTimersByTimeAsync(10 * 30_000);
    expect(paths().filter((p) => p.startsWith('GET /api/render/proxy/lambda/'))).toHaveLength(2);
    expect(vi.getTimerCount(), 'timers pending').toBe(0);
    vi.useRealTimers();
    await leaks.expectNone();
    await unhandled.expectNone();
  });

  test('render.export aborted while waiting submits once and never again', async () => {
    vi.useFakeTimers();
    const { emu, nemo, paths } = setup({ renderTimeMs: 600_000 });
    const { sessionId } = await nemo.sessions.create();
    const stream = nemo.chat.send(sessionId, 'make a 3-second video about tea');
    const done = stream.finalResult();
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const pending = rejection(nemo.render.export(sessionId, { intervalMs: 30_000, signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(45_000);
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(paths().filter((p) => p === 'POST /api/render/proxy/lambda')).toHaveLength(1);
    expect(emu.inspect().renders).toHaveLength(1);
    expect(vi.getTimerCount(), 'timers pending').toBe(0);
    vi.useRealTimers();
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});

describe('aborted mid-download', () => {
  // A CDN that sends a 100 MB file slowly: 64 KiB every 5 ms.
  let cdn: Awaited<ReturnType<typeof loopback>>;
  let dir: string;
  const closedEarly: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nemovideo-abort-'));
    cdn = await loopback((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/api/render/proxy/lambda/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ taskId: 'render_1', status: 'completed', progress: 100, output: { url: `${cdn.url}/media/render_1.mp4`, size: 100 * 1024 * 1024 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(100 * 1024 * 1024) });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => {
        clearInterval(timer);
        if (!res.writableFinished) closedEarly.push(path);
      });
    });
  });
  afterAll(async () => {
    await cdn.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('render.download: the body rejects with the reason and the connection is closed', async () => {
    const nemo = new NemoVideo({ token, baseURL: cdn.url });
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const body = await nemo.render.download('render_1', { signal: controller.signal });
    const reader = body.getReader();
    let bytes = 0;
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        bytes += value.byteLength;
        if (bytes > 256 * 1024) controller.abort(reason);
      }
    })();
    expect(await rejection(read)).toBe(reason);
    await vi.waitFor(() => expect(closedEarly).toContain('/media/render_1.mp4'));
    await leaks.expectNone();
    await unhandled.expectNone();
  });

  test('downloadToFile: rejects with the reason and leaves no file, partial or final', async () => {
    const nemo = new NemoVideo({ token, baseURL: cdn.url });
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const path = join(dir, 'video.mp4');
    const error = await rejection(
      downloadToFile(nemo, 'render_1', path, {
        signal: controller.signal,
        onProgress: ({ loaded }) => {
          if (loaded > 256 * 1024) controller.abort(reason);
        },
      }),
    );
    expect(error).toBe(reason);
    expect(await readdir(dir)).toEqual([]);
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});

describe('generate() aborted mid-way never re-sends', () => {
  type When = (p: GenerateProgress) => boolean;
  const phases: Array<[string, When, EmulatorOptions, number]> = [
    ['session (before the message)', (p) => p.phase === 'session', {}, 0],
    ['chat (first event of the stream)', (p) => p.phase === 'chat' && p.event !== undefined, {}, 1],
    ['recovering (after a cut stream)', (p) => p.phase === 'recovering', { faults: { dropStreamAfterEvents: 1 } }, 1],
    ['state (settling)', (p) => p.phase === 'state', {}, 1],
    ['render (waiting for the export)', (p) => p.phase === 'render' && p.renderId !== undefined, { renderTimeMs: 5_000 }, 1],
  ];

  test.each(phases)('aborted in phase %s: rejects with the reason; the message sent at most once; nothing after', async (_name, when, options, sends) => {
    const { emu, nemo, paths } = setup(options);
    const controller = new AbortController();
    const leaks = leakCheck({ signals: [controller.signal] });
    const reason = newReason();
    const prompt = 'make a 3-second video about tea';
    const seen: string[] = [];
    const error = await rejection(
      nemo.generate(prompt, {
        signal: controller.signal,
        recovery: { firstDelayMs: 20, intervalMs: 20 },
        settle: { intervalMs: 30, maxPolls: 20 },
        render: { intervalMs: 20, maxPolls: 500 },
        onProgress: (p) => {
          seen.push(p.phase);
          if (when(p) && !controller.signal.aborted) controller.abort(reason);
        },
      }),
    );
    expect(error).toBe(reason);
    expect(controller.signal.aborted).toBe(true);
    expect(seen).not.toContain('done');
    const after = paths().length;
    expect(paths().filter((p) => p === 'POST /run_sse')).toHaveLength(sends);
    expect(emu.inspect().sessions[0]?.messages).toEqual(sends === 1 ? [prompt] : []);
    expect(paths().filter((p) => p === 'POST /api/render/proxy/lambda').length).toBeLessThanOrEqual(1);
    // Nothing more is sent once the promise has rejected.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(paths()).toHaveLength(after);
    await leaks.expectNone();
    await unhandled.expectNone();
  });
});
