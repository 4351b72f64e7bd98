import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { NemoVideo, StreamTimeoutError } from '../../src/index.js';
import { ChatStream, type ChatStreamOptions } from '../../src/resources/chat-stream.js';
import { countingOpen, fixture, manualBody, sseResponse } from './helpers.js';

const frame = (name: string) => new TextDecoder().decode(fixture(name));

function start(options: Partial<ChatStreamOptions> = {}) {
  start.t0 = Date.now();
  const body = manualBody();
  const open = countingOpen(() => sseResponse(body.body));
  const stream = new ChatStream({ sessionId: 'sess_w', open, ...options });
  // Attach a handler now, so a rejection under fake timers is never reported as unhandled.
  const settled = stream.finalResult().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  return { stream, body, open, settled };
}
/** The fake clock when the last stream was started. */
start.t0 = 0;

async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve().then(() => marker)])) === marker;
}

type Outcome = { result: unknown } | { error: unknown };

/**
 * The outcome of a stream that must have settled by now (the fake clock stands still): a
 * watchdog that did not fire fails here, by assertion, instead of hanging until the test timeout.
 */
async function settledNow(settled: Promise<Outcome>): Promise<Outcome> {
  expect(await isPending(settled), 'the stream is still open: no watchdog fired').toBe(false);
  return settled;
}

/** The StreamTimeoutError a stream must have failed with by now. */
async function timeoutNow(settled: Promise<Outcome>): Promise<StreamTimeoutError> {
  const outcome = await settledNow(settled);
  expect(outcome).toHaveProperty('error');
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(StreamTimeoutError);
  return error as StreamTimeoutError;
}

// The transport loads ky on its first call: load it before the clock is faked.
beforeAll(async () => {
  await import('ky');
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChatStream watchdogs', () => {
  test('times out when only heartbeats come for heartbeatTimeoutMs: not a millisecond before', async () => {
    const { body, settled, open } = start({ heartbeatTimeoutMs: 600_000, idleTimeoutMs: 120_000, timeoutMs: 3_600_000 });
    // The last real event arrives at t = 10 ms; then only heartbeats, one a minute.
    await vi.advanceTimersByTimeAsync(10);
    body.push(frame('tool_silent.sse').split('\n\n')[0] + '\n\n');
    const ping = setInterval(() => body.push(': ping\n\n'), 60_000);
    await vi.advanceTimersByTimeAsync(599_999);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    clearInterval(ping);
    const error = await timeoutNow(settled);
    expect(Date.now()).toBe(600_010 + start.t0);
    expect(error.message).toMatch(/only heartbeats for 600 s/);
    expect(error.sessionId).toBe('sess_w');
    expect(error.partial.toolCalls).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(body.probe.cancelled).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(open.calls).toBe(1);
  });

  test('restarts the heartbeat clock on every real event', async () => {
    const { body, settled, open } = start({ heartbeatTimeoutMs: 300_000, idleTimeoutMs: 120_000, timeoutMs: 3_600_000 });
    const ping = setInterval(() => body.push(': ping\n\n'), 60_000);
    const data = setInterval(() => body.push(frame('text_stream.nostream.sse')), 200_000);
    await vi.advanceTimersByTimeAsync(1_000_000);
    expect(await isPending(settled)).toBe(true);
    clearInterval(data);
    // The last real event came at t = 1 000 000: the cut is due 300 s later, not before.
    await vi.advanceTimersByTimeAsync(299_999);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    clearInterval(ping);
    const error = await timeoutNow(settled);
    expect(error.message).toMatch(/only heartbeats for 300 s/);
    expect(error.partial.text).toContain('NemoVideo turns');
    expect(open.calls).toBe(1);
  });

  test('times out when not a byte comes for idleTimeoutMs, after headers', async () => {
    const { body, settled, open } = start({ idleTimeoutMs: 120_000 });
    await vi.advanceTimersByTimeAsync(60_000);
    body.push(frame('text_stream.nostream.sse'));
    await vi.advanceTimersByTimeAsync(119_999);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    const error = await timeoutNow(settled);
    expect(Date.now() - start.t0).toBe(180_000);
    expect(error.message).toMatch(/sent nothing for 120 s/);
    expect(error.partial.text).toContain('NemoVideo turns');
    expect(vi.getTimerCount()).toBe(0);
    expect(open.calls).toBe(1);
  });

  test('times out when not a byte comes for idleTimeoutMs before the headers, and aborts the request', async () => {
    const neverOpen = countingOpen((signal) => new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    const never = new ChatStream({ sessionId: 's', open: neverOpen, idleTimeoutMs: 5_000 });
    const settled = never.finalResult().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await isPending(settled)).toBe(true);
    expect(neverOpen.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await timeoutNow(settled);
    expect(error.message).toMatch(/sent nothing for 5 s/);
    // The request waiting for headers is aborted too, so the connection is released.
    expect(neverOpen.signal?.aborted).toBe(true);
    expect(neverOpen.calls).toBe(1);
  });

  test('times out after timeoutMs in total even while events flow', async () => {
    const { body, settled, open } = start({ timeoutMs: 900_000 });
    const data = setInterval(() => body.push(frame('text_stream.nostream.sse')), 30_000);
    await vi.advanceTimersByTimeAsync(899_999);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    clearInterval(data);
    const error = await timeoutNow(settled);
    expect(Date.now() - start.t0).toBe(900_000);
    expect(error.message).toMatch(/longer than 900 s/);
    expect(error.partial.events.length).toBeGreaterThan(20);
    expect(body.probe.cancelled).toBe(true);
    expect(open.calls).toBe(1);
  });

  test('calls onStillWorking every stillWorkingEveryMs while open, and never after the end', async () => {
    const onStillWorking = vi.fn();
    const { body, settled, open } = start({ onStillWorking, stillWorkingEveryMs: 120_000, idleTimeoutMs: 1_000_000 });
    await vi.advanceTimersByTimeAsync(119_999);
    expect(onStillWorking).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(250_001);
    expect(onStillWorking.mock.calls.map(([info]) => info)).toEqual([{ elapsedMs: 120_000 }, { elapsedMs: 240_000 }, { elapsedMs: 360_000 }]);
    body.push(frame('text_stream.sse'));
    body.close();
    await vi.advanceTimersByTimeAsync(0);
    const outcome = await settledNow(settled);
    expect((outcome as { result: { text: string } }).result.text).toContain('NemoVideo');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(onStillWorking).toHaveBeenCalledTimes(3);
    expect(vi.getTimerCount()).toBe(0);
    expect(open.calls).toBe(1);
  });

  test('survives an onStillWorking that throws', async () => {
    const warn = vi.fn();
    const { body, settled } = start({ onStillWorking: () => { throw new Error('ui gone'); }, stillWorkingEveryMs: 1_000, logger: { warn } });
    await vi.advanceTimersByTimeAsync(2_500);
    body.push(frame('text_stream.nostream.sse'));
    body.close();
    await vi.advanceTimersByTimeAsync(0);
    expect('result' in (await settledNow(settled))).toBe(true);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]![0]).toMatch(/onStillWorking threw: Error: ui gone/);
  });

  test('clears every timer when the stream closes normally', async () => {
    const { body, settled } = start({ onStillWorking: () => {} });
    body.push(frame('multi_tool.sse'));
    body.close();
    await vi.advanceTimersByTimeAsync(0);
    expect('result' in (await settledNow(settled))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('chat.send watchdog defaults', () => {
  // The public path: chat.send over an injected fetch whose /run_sse body the test feeds by hand.
  function send(options: Parameters<NemoVideo['chat']['send']>[2] = {}) {
    const body = manualBody();
    const sent: string[] = [];
    const fetch = vi.fn(async (input: RequestInfo | URL) => {
      sent.push(new URL((input as Request).url).pathname);
      return sseResponse(body.body);
    });
    const nemo = new NemoVideo({ token: 'nmv_usr_testtoken1234', baseURL: 'https://api.test', fetch: fetch as unknown as typeof globalThis.fetch });
    const stream = nemo.chat.send('sess_d', 'make a coffee ad', options);
    const settled = stream.finalResult().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    return { body, sent, settled };
  }

  test('9 minutes of total silence do not fail; at 10 minutes it is StreamTimeoutError: the stream sent nothing', async () => {
    const { settled, sent, body } = send();
    await vi.advanceTimersByTimeAsync(9 * 60_000);
    expect(sent).toEqual(['/run_sse']);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000 - 1);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    const error = await timeoutNow(settled);
    expect(error.message).toMatch(/^The chat stream sent nothing for 600 s\. The message was not re-sent/);
    expect(error.sessionId).toBe('sess_d');
    expect(error.partial.silent).toBe(true);
    expect(body.probe.cancelled).toBe(true);
    expect(sent).toEqual(['/run_sse']);
  });

  test('only heartbeats for 10 minutes fail the same way, saying so', async () => {
    const { settled, body } = send();
    const ping = setInterval(() => body.push(': ping\n\n'), 30_000);
    await vi.advanceTimersByTimeAsync(600_000 - 1);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    clearInterval(ping);
    expect((await timeoutNow(settled)).message).toMatch(/^The chat stream sent only heartbeats for 600 s\./);
  });

  test('a stream with events every 5 minutes runs until 15 minutes in total, then StreamTimeoutError', async () => {
    const { settled, body } = send();
    const data = setInterval(() => body.push(frame('text_stream.nostream.sse')), 300_000);
    await vi.advanceTimersByTimeAsync(900_000 - 1);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    clearInterval(data);
    const error = await timeoutNow(settled);
    expect(error.message).toMatch(/^The chat stream ran longer than 900 s\./);
    expect(error.partial.text).toContain('NemoVideo turns');
  });

  test('idleTimeoutMs is opt-in: set, it cuts the silence at its own limit', async () => {
    const { settled } = send({ idleTimeoutMs: 90_000 });
    await vi.advanceTimersByTimeAsync(90_000 - 1);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect((await timeoutNow(settled)).message).toMatch(/^The chat stream sent nothing for 90 s\./);
  });
});
