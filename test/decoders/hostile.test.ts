/**
 * No server or agent text stalls the event loop: every function that runs a regex over such text
 * runs in linear time on about a megabyte of hostile input (test/helpers/hostile.ts), and a
 * hostile bare error frame ends a chat stream at once with a short message. The one place where
 * tests compare timings (CPU time, see test/helpers/hostile.ts): each doubling of the input may
 * cost at most 3.5× (linear is 2×; a quadratic regex costs 4×, and seconds), and each megabyte
 * must take under 2 s.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { maxQuotedChars } from '../../src/core/error-map.js';
import { AgentError, NemoVideo } from '../../src/index.js';
import { hostileTargets, linearity, sizeLabel, whitespaceFamilies, type HostileTarget } from '../helpers/hostile.js';
import { base, mockApi } from '../helpers/msw.js';

const megabyte = 1 << 20;
const maxMs = 2000;
const maxRatio = 3.5;

describe.each(hostileTargets.map((target) => ({ target, name: target.name })))('$name on hostile text', ({ target }) => {
  test.each(target.families.map((family) => ({ family, name: family.name })))('$name: linear, a megabyte under 2 s', ({ family }) => {
    const result = linearity(target, family, { chars: megabyte, budgetMs: maxMs, maxRatio });
    const climb = result.climb.sizes.map((size, i) => `${sizeLabel(size)} ${result.climb.ms[i]!.toFixed(1)} ms`).join(', ');
    expect(result.climb.tooSlowAt, `climb stopped: ${climb}`).toBeUndefined();
    expect(result.doubledMs, `1M took ${result.doubledMs.toFixed(1)} ms`).toBeLessThan(maxMs);
    expect(result.ratio, `512K ${result.ms.toFixed(1)} ms → 1M ${result.doubledMs.toFixed(1)} ms`).toBeLessThan(maxRatio);
  });
});

test('the measure catches a quadratic regex (the one translateGuiText tidied its output with) on spaces between two letters', () => {
  const quadratic: HostileTarget = { name: 'quadratic', families: [], prepare: (t) => t, run: (t) => (t as string).replace(/[ \t]+\n/g, '\n') };
  const result = linearity(quadratic, whitespaceFamilies[1]!, { chars: megabyte, budgetMs: maxMs, maxRatio });
  expect(result.climb.tooSlowAt !== undefined || result.ratio >= maxRatio).toBe(true);
});

describe('chat.send on a hostile bare error frame', () => {
  const api = mockApi();
  const spaces = ' '.repeat(megabyte);
  // [what, the frame, whether its message is long enough to be cut]
  const frames: [string, string, boolean][] = [
    ['{"error": "<a megabyte of spaces>x', `{"error": "${spaces}x`, true],
    ['{"error": <a megabyte of spaces>', `{"error":${spaces}`, false],
    ['{"error": "x<a megabyte of `" }`>', `{"error": "x${'" }'.repeat(megabyte / 3)}`, true],
    ['{"error":"<a megabyte of text>"} (valid JSON)', JSON.stringify({ error: 'quota '.repeat(megabyte / 6) }), true],
  ];

  test.each(frames)('%s rejects with AgentError at once, its message capped', async (_, frame, cut) => {
    api.use(http.post(`${base}/run_sse`, () => new HttpResponse(`data: ${frame}\n\n`, { headers: { 'content-type': 'text/event-stream' } })));
    const nemo = new NemoVideo({ token: 'nmv_usr_hostile12345', baseURL: base, maxRetries: 0 });
    const started = performance.now();
    const error = await nemo.chat.send('sess-1', 'make a video about tea').finalResult().then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = performance.now() - started;
    expect(error).toBeInstanceOf(AgentError);
    const { message } = error as AgentError;
    expect(message).toMatch(/^The agent failed: /);
    expect(message.length).toBeLessThanOrEqual(maxQuotedChars + 100);
    if (cut) expect(message).toMatch(/…$/);
    expect(ms).toBeLessThan(maxMs);
    expect(api.count('/run_sse')).toBe(1);
  });
});
