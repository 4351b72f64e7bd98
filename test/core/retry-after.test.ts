/**
 * A wait has a ceiling: a `Retry-After` longer than `maxRetryAfterMs` (60 s by default) is the
 * caller's to decide, so it throws `RateLimitError` at once; a shorter one is waited out once,
 * and the wait ends as soon as the caller's signal aborts. Fake timers on an injected fetch.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { InvalidArgumentError, NemoVideo, RateLimitError } from '../../src/index.js';

const now = Date.UTC(2030, 0, 1, 0, 0, 0);
const balance = { available: 80, frozen: 20, total: 100 };
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function fakeFetch(answers: Array<(path: string) => Response>) {
  const calls: Array<{ at: number; path: string }> = [];
  const f = (async (input: RequestInfo | URL) => {
    const path = new URL((input as Request).url).pathname;
    calls.push({ at: Date.now(), path });
    return answers[Math.min(calls.length - 1, answers.length - 1)]!(path);
  }) as typeof fetch;
  return { f, calls };
}
const tooMany = (retryAfter: string) => () => json(429, { message: 'slow down' }, { 'retry-after': retryAfter });
const balanceOk = () => json(200, { code: 0, data: balance });
const token = 'nmv_usr_retryafter001';

afterEach(() => vi.useRealTimers());

describe('Retry-After ceiling', () => {
  test.each([
    ['a week in seconds', '604800', 604_800_000],
    ['a date a day ahead', new Date(now + 86_400_000).toUTCString(), 86_400_000],
    ['61 s', '61', 61_000],
  ])('%s: RateLimitError at once, one request, no timer left', async (_name, header, expected) => {
    vi.useFakeTimers({ now });
    const { f, calls } = fakeFetch([tooMany(header), balanceOk]);
    const error = await new NemoVideo({ token, fetch: f }).credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(expected);
    expect((error as RateLimitError).retryable).toBe(true);
    expect(calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('60 s exactly is waited out, then the call is replayed once', async () => {
    vi.useFakeTimers({ now });
    const { f, calls } = fakeFetch([tooMany('60'), balanceOk]);
    const p = new NemoVideo({ token, fetch: f }).credits.balance();
    await vi.advanceTimersByTimeAsync(59_990);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    await expect(p).resolves.toMatchObject({ available: 80 });
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(60_000);
  });

  test('maxRetryAfterMs raises or lowers the ceiling', async () => {
    vi.useFakeTimers({ now });
    const hour = fakeFetch([tooMany('3600'), balanceOk]);
    const p = new NemoVideo({ token, fetch: hour.f, maxRetryAfterMs: 2 * 3_600_000 }).credits.balance();
    await vi.advanceTimersByTimeAsync(3_600_010);
    await expect(p).resolves.toMatchObject({ available: 80 });
    expect(hour.calls).toHaveLength(2);

    const short = fakeFetch([tooMany('5'), balanceOk]);
    const error = await new NemoVideo({ token, fetch: short.f, maxRetryAfterMs: 1_000 }).credits.balance().catch((e: unknown) => e);
    expect(error).toMatchObject({ retryAfterMs: 5_000 });
    expect(short.calls).toHaveLength(1);
  });

  test('a bad maxRetryAfterMs is refused in the constructor', () => {
    expect(() => new NemoVideo({ token, maxRetryAfterMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => new NemoVideo({ token, maxRetryAfterMs: Number.NaN })).toThrow(InvalidArgumentError);
  });

  test('the wait ends when the signal aborts: rejects with the reason, no second request', async () => {
    vi.useFakeTimers({ now });
    const { f, calls } = fakeFetch([tooMany('30'), balanceOk]);
    const controller = new AbortController();
    const p = new NemoVideo({ token, fetch: f }).credits.balance({ signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const reason = new Error('user left');
    controller.abort(reason);
    expect(await p).toBe(reason);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });

  test('the anonymous-token call has the same ceiling: a first call does not block behind a week-long Retry-After', async () => {
    vi.useFakeTimers({ now });
    const { f, calls } = fakeFetch([(path) => (path.endsWith('anonymous-token') ? tooMany('604800')() : balanceOk())]);
    const error = await new NemoVideo({ fetch: f, clientId: 'cid' }).credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(604_800_000);
    expect(calls.map((c) => c.path)).toEqual(['/api/auth/anonymous-token']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
