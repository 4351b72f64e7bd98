import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { StreamTimeoutError } from '../../src/core/errors.js';
import { ChatStream, type ChatStreamOptions } from '../../src/resources/chat-stream.js';
import { countingOpen, fixture, manualBody, rejectionOf, sseResponse } from './helpers.js';

const frame = (name: string) => new TextDecoder().decode(fixture(name));

function start(options: Partial<ChatStreamOptions> = {}) {
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

async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve().then(() => marker)])) === marker;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChatStream watchdogs', () => {
  test('times out when only heartbeats come for heartbeatTimeoutMs', async () => {
    const { body, settled, open } = start({ heartbeatTimeoutMs: 600_000, idleTimeoutMs: 120_000, timeoutMs: 3_600_000 });
    await vi.advanceTimersByTimeAsync(10);
    body.push(frame('tool_silent.sse').split('\n\n')[0] + '\n\n');
    const ping = setInterval(() => body.push(': ping\n\n'), 60_000);
    await vi.advanceTimersByTimeAsync(599_000);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    clearInterval(ping);
    const outcome = await settled;
    expect('error' in outcome && outcome.error).toBeInstanceOf(StreamTimeoutError);
    const error = (outcome as { error: StreamTimeoutError }).error;
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
    await vi.advanceTimersByTimeAsync(300_000);
    clearInterval(ping);
    const outcome = await settled;
    expect((outcome as { error: unknown }).error).toBeInstanceOf(StreamTimeoutError);
    expect((outcome as { error: StreamTimeoutError }).error.partial.text).toContain('NemoVideo turns');
    expect(open.calls).toBe(1);
  });

  test('times out when not a byte comes for idleTimeoutMs, before or after headers', async () => {
    const { body, settled, open } = start({ idleTimeoutMs: 120_000 });
    await vi.advanceTimersByTimeAsync(60_000);
    body.push(frame('text_stream.nostream.sse'));
    await vi.advanceTimersByTimeAsync(119_000);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    const { error } = (await settled) as { error: StreamTimeoutError };
    expect(error).toBeInstanceOf(StreamTimeoutError);
    expect(error.message).toMatch(/sent nothing for 120 s/);
    expect(error.partial.text).toContain('NemoVideo turns');
    expect(vi.getTimerCount()).toBe(0);
    expect(open.calls).toBe(1);

    const neverOpen = countingOpen((signal) => new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    const never = new ChatStream({ sessionId: 's', open: neverOpen, idleTimeoutMs: 5_000 });
    const pending = rejectionOf(never.finalResult());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await pending).toBeInstanceOf(StreamTimeoutError);
    // The request waiting for headers is aborted too, so the connection is released.
    expect(neverOpen.signal?.aborted).toBe(true);
    expect(neverOpen.calls).toBe(1);
  });

  test('times out after timeoutMs in total even while events flow', async () => {
    const { body, settled, open } = start({ timeoutMs: 900_000 });
    const data = setInterval(() => body.push(frame('text_stream.nostream.sse')), 30_000);
    await vi.advanceTimersByTimeAsync(899_000);
    expect(await isPending(settled)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    clearInterval(data);
    const { error } = (await settled) as { error: StreamTimeoutError };
    expect(error).toBeInstanceOf(StreamTimeoutError);
    expect(error.message).toMatch(/longer than 900 s/);
    expect(error.partial.events.length).toBeGreaterThan(20);
    expect(body.probe.cancelled).toBe(true);
    expect(open.calls).toBe(1);
  });

  test('calls onStillWorking every stillWorkingEveryMs while open, and never after the end', async () => {
    const onStillWorking = vi.fn();
    const { body, settled, open } = start({ onStillWorking, stillWorkingEveryMs: 120_000, idleTimeoutMs: 1_000_000 });
    await vi.advanceTimersByTimeAsync(370_000);
    expect(onStillWorking.mock.calls.map(([info]) => info)).toEqual([{ elapsedMs: 120_000 }, { elapsedMs: 240_000 }, { elapsedMs: 360_000 }]);
    body.push(frame('text_stream.sse'));
    body.close();
    const { result } = (await settled) as { result: { text: string } };
    expect(result.text).toContain('NemoVideo');
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
    expect('result' in (await settled)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  test('clears every timer when the stream closes normally', async () => {
    const { body, settled } = start({ onStillWorking: () => {} });
    body.push(frame('multi_tool.sse'));
    body.close();
    expect('result' in (await settled)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
