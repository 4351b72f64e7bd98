// The examples run as users run them, against the emulator.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createRelay } from '../../examples/relay-server.js';
import { NemoVideo } from '../../src/index.js';
import { startEmulator, type RunningEmulator } from '../../src/testing/index.js';

const run = promisify(execFile);

describe('examples/generate.ts', () => {
  test('runs with tsx and prints the phases, the timeline summary, the video URL and the claim link', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/generate.ts', 'a 10-second video about a lighthouse'], {
      timeout: 20_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('… '))).toEqual(['… session', '… chat', '… state', '… render', '… done']);
    expect(stdout).toMatch(/^Timeline \(\d+ tracks?\): 1\. Video: .*lighthouse/im);
    expect(stdout).toMatch(/^video: http:\/\/127\.0\.0\.1:\d+\/_emulator\/media\/\S+\.mp4$/m);
    expect(stdout).toMatch(/^open the project: https:\/\/nemovideo\.com\/workspace\/claim\?ct=\S+$/m);
  }, 25_000);
});

interface Frame {
  comment?: string;
  data?: { type: string; [key: string]: unknown };
}

const parseFrames = (body: string): Frame[] =>
  body
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => (block.startsWith(':') ? { comment: block } : { data: JSON.parse(block.replace(/^data: /, '')) }));

describe('examples/relay-server.ts', () => {
  let emulator: RunningEmulator;
  let relay: Server;
  let relayURL: string;
  const runSignals: AbortSignal[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 5, replyMs: 50, generationMs: 600, editMs: 100, secondStageMs: 100, heartbeatEveryMs: 50 });
    const nemo = new NemoVideo({
      baseURL: emulator.url,
      // Watches the signal of each /run_sse, to see the relay abort it.
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (url.endsWith('/run_sse')) runSignals.push(init?.signal ?? (input as Request).signal);
        return fetch(input, init);
      },
    });
    relay = createServer(createRelay({ nemo }));
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    relayURL = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/chat`;
  });

  afterAll(async () => {
    relay.closeAllConnections();
    relay.close();
    await emulator.close();
  });

  const post = (body: unknown, signal?: AbortSignal) => fetch(relayURL, { method: 'POST', body: JSON.stringify(body), signal });
  const runs = () => emulator.emulator.inspect().requests.filter((r) => r.path === '/run_sse').length;

  test('answers with SSE headers, one data frame per event as it happens, and heartbeats as comments', async () => {
    const response = await post({ text: 'generate a 10-second video about a lighthouse' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');

    let body = '';
    let chunks = 0;
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      body += decoder.decode(chunk, { stream: true });
      chunks++;
    }
    const frames = parseFrames(body);
    const events = frames.flatMap((f) => (f.data ? [f.data] : []));
    expect(events[0]).toEqual({ type: 'session', sessionId: expect.any(String) });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['tool_call', 'tool_result', 'text']));
    expect(events.at(-1)).toMatchObject({ type: 'done', sessionId: events[0]?.sessionId, text: expect.stringMatching(/lighthouse/i), silent: false });
    expect(events.some((e) => 'raw' in e)).toBe(false);
    // The agent works 600 ms with a heartbeat every 50 ms: they reach the browser as comments.
    expect(frames.filter((f) => f.comment === ': ping').length).toBeGreaterThanOrEqual(5);
    // Written as they happen, not buffered to the end.
    expect(chunks).toBeGreaterThanOrEqual(5);
  });

  test('a client leaving mid-stream aborts the one /run_sse, which is never re-sent', async () => {
    const before = runs();
    const text = 'generate a 10-second video about a harbour';
    const leave = new AbortController();
    const response = await post({ text }, leave.signal);
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('"type":"tool_call"')) seen += new TextDecoder().decode((await reader.read()).value);
    const sessionId = (parseFrames(seen.slice(0, seen.indexOf('\n\n') + 2))[0]?.data?.sessionId ?? '') as string;
    leave.abort();

    await vi.waitFor(() => expect(runSignals.at(-1)?.aborted).toBe(true), { timeout: 2_000 });
    // The agent's work still lands in the state (as on the real backend); the message went once.
    await vi.waitFor(
      () => {
        const session = emulator.emulator.inspect().sessions.find((s) => s.sessionId === sessionId);
        expect(JSON.stringify(session?.state)).toContain('harbour');
      },
      { timeout: 3_000 },
    );
    const session = emulator.emulator.inspect().sessions.find((s) => s.sessionId === sessionId);
    expect(session?.messages).toEqual([text]);
    expect(runs() - before).toBe(1);
  });

  test('ends with a failed frame naming the typed error, and answers 400 without a text', async () => {
    const response = await post({ text: 'hello', sessionId: 'no-such-session' });
    const events = parseFrames(await response.text()).flatMap((f) => (f.data ? [f.data] : []));
    expect(events).toEqual([
      { type: 'session', sessionId: 'no-such-session' },
      expect.objectContaining({ type: 'failed', name: 'SessionNotFoundError', sessionId: 'no-such-session' }),
    ]);
    expect((await post({})).status).toBe(400);
  });
});
