import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { APIError, NemoVideo } from '../../src/index.js';

// Timing is asserted with fake timers on an injected fetch: msw's own scheduling is not faked.
const balance = { available: 80, frozen: 20, total: 100 };
const r503 = () => new Response('{"message":"busy"}', { status: 503, headers: { 'content-type': 'application/json' } });
const r200 = () => new Response(JSON.stringify({ code: 0, data: balance }), { headers: { 'content-type': 'application/json' } });

/** A fetch answering 503 `failures` times, then 200; it records when each attempt reached it. */
function flakyFetch(failures: number) {
  const at: number[] = [];
  const f = vi.fn(async () => {
    at.push(Date.now());
    return at.length <= failures ? r503() : r200();
  });
  return { fetch: f as unknown as typeof fetch, at, gaps: () => at.slice(1).map((t, i) => t - at[i]!) };
}

const client = (fetch: typeof globalThis.fetch, maxRetries?: number) =>
  new NemoVideo({ token: 'nmv_usr_testtoken1234', baseURL: 'https://api.test', fetch, ...(maxRetries === undefined ? {} : { maxRetries }) });

// The transport loads ky on its first call; load it before the clock is faked, so no attempt
// waits on a real import while the fake timers run.
beforeAll(async () => {
  await import('ky');
});
beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2030, 0, 1) });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('backoff of an idempotent GET on 503', () => {
  test.each([
    // random × 500 ms × 2^(n−1), capped at 8 s before the jitter.
    [0.5, [250, 500, 1_000, 2_000, 4_000, 4_000]],
    [0.999, [499.5, 999, 1_998, 3_996, 7_992, 7_992]],
    [0.1, [50, 100, 200, 400, 800, 800]],
  ])('with Math.random() = %s the gaps between attempts are %j', async (random, expected) => {
    vi.spyOn(Math, 'random').mockReturnValue(random);
    const wire = flakyFetch(6);
    const result = client(wire.fetch, 6).credits.balance();
    await vi.runAllTimersAsync();
    await expect(result).resolves.toMatchObject({ available: 80 });
    expect(wire.at).toHaveLength(7);
    const gaps = wire.gaps();
    expect(gaps).toHaveLength(expected.length);
    // Timers fire on whole milliseconds: a fractional delay may land 1 ms early or late.
    gaps.forEach((gap, i) => expect(Math.abs(gap - expected[i]!)).toBeLessThanOrEqual(1));
  });

  test('no retry goes out before its jittered delay, and each goes out when it is due', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const wire = flakyFetch(2);
    const result = client(wire.fetch).credits.balance();
    await vi.advanceTimersByTimeAsync(0);
    expect(wire.at).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(wire.at).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(wire.at).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(wire.at).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(wire.at).toHaveLength(3);
    await expect(result).resolves.toMatchObject({ total: 100 });
  });

  test('the random factor is drawn afresh for every retry', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValueOnce(0.2).mockReturnValueOnce(0.9).mockReturnValue(0.5);
    const wire = flakyFetch(2);
    const result = client(wire.fetch).credits.balance();
    await vi.runAllTimersAsync();
    await expect(result).resolves.toMatchObject({ available: 80 });
    expect(wire.gaps()).toEqual([100, 900]);
    expect(random).toHaveBeenCalledTimes(2);
  });

  test.each([0, 1, 2, 4])('maxRetries %i bounds the attempts to maxRetries + 1, then the 503 is thrown', async (maxRetries) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const wire = flakyFetch(Number.POSITIVE_INFINITY);
    const result = client(wire.fetch, maxRetries).credits.balance().catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = (await result) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(503);
    expect(wire.at).toHaveLength(maxRetries + 1);
    expect(wire.gaps()).toEqual([250, 500, 1_000, 2_000].slice(0, maxRetries));
  });

  test('by default a GET is tried three times (two retries)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const wire = flakyFetch(Number.POSITIVE_INFINITY);
    const result = client(wire.fetch).credits.balance().catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await result).toBeInstanceOf(APIError);
    expect(wire.at).toHaveLength(3);
  });

  test('a POST is not retried on 503, whatever maxRetries says', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const at: number[] = [];
    const f = vi.fn(async () => {
      at.push(Date.now());
      return r503();
    });
    const result = client(f as unknown as typeof fetch, 5).sessions.create().catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await result).toBeInstanceOf(APIError);
    expect(at).toHaveLength(1);
    expect(random).not.toHaveBeenCalled();
  });
});
