/**
 * Polling loops follow the service's hint: a `Retry-After` on a render poll or a state read sets
 * the next wait when the caller gave no interval, never beyond the default cadence and never
 * under 250 ms; an explicit interval always wins. Fake timers on an injected fetch.
 */
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { NemoVideo } from '../../src/index.js';

const token = 'nmv_usr_pollhint0001';
const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json', ...headers } });

function renderPolls(retryAfter: string | undefined, doneAfter = 3) {
  const at: number[] = [];
  const f = (async () => {
    at.push(Date.now());
    const done = at.length >= doneAfter;
    const job = { taskId: 'render_1', status: done ? 'completed' : 'processing', progress: done ? 100 : 50, ...(done ? { output: { url: 'https://cdn.test/v.mp4' } } : {}) };
    return json(job, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
  }) as typeof fetch;
  return { f, gaps: () => at.slice(1).map((t, i) => t - at[i]!) };
}

afterEach(() => vi.useRealTimers());
// ky and the response schemas load on the first call: load them before the clock is faked.
beforeAll(() => new NemoVideo({ token, fetch: renderPolls(undefined, 1).f }).render.retrieve('render_1'));

describe('render.wait', () => {
  test.each([
    ['Retry-After: 2 → every 2 s', '2', 2_000],
    ['no hint → the 30 s cadence', undefined, 30_000],
    ['Retry-After: 120 → capped at 30 s', '120', 30_000],
    ['Retry-After: 0 → at least 250 ms', '0', 250],
  ])('%s', async (_name, header, gap) => {
    vi.useFakeTimers();
    const { f, gaps } = renderPolls(header);
    const nemo = new NemoVideo({ token, fetch: f });
    const p = nemo.render.wait('render_1');
    await vi.advanceTimersByTimeAsync(2 * gap + 10);
    const job = await p;
    expect(job.status).toBe('completed');
    expect(gaps()).toEqual([gap, gap]);
    if (header !== undefined) expect(job.retryAfterMs).toBe(Number(header) * 1000);
  });

  test('an explicit intervalMs wins over the hint', async () => {
    vi.useFakeTimers();
    const { f, gaps } = renderPolls('1');
    const p = new NemoVideo({ token, fetch: f }).render.wait('render_1', { intervalMs: 5_000 });
    await vi.advanceTimersByTimeAsync(10_010);
    await p;
    expect(gaps()).toEqual([5_000, 5_000]);
  });
});

describe('chat.recover', () => {
  test('reads state again as soon as the hint says, within the default 60 s', async () => {
    vi.useFakeTimers();
    const at: number[] = [];
    const f = (async () => {
      at.push(Date.now());
      return json({ code: 0, data: { session_id: 's1', state: { draft: null } } }, { 'retry-after': '3' });
    }) as typeof fetch;
    const p = new NemoVideo({ token, fetch: f }).chat.recover('s1', { baseline: null, firstDelayMs: 0, maxUnchanged: 3 });
    await vi.advanceTimersByTimeAsync(6_010);
    const recovery = await p;
    expect(recovery).toMatchObject({ changed: false, polls: 3 });
    expect(at.slice(1).map((t, i) => t - at[i]!)).toEqual([3_000, 3_000]);
  });
});
