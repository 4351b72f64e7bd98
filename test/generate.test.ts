import { describe, expect, test } from 'vitest';
import {
  ExportBlockedError,
  InvalidArgumentError,
  NemoVideo,
  pollEvery,
  RenderFailedError,
  StreamInterruptedError,
  type GenerateOptions,
} from '../src/index.js';
import { createEmulator } from '../src/testing/index.js';
import type { EmulatorOptions } from '../src/testing/emulator/types.js';

const fast: EmulatorOptions = { seed: 7, replyMs: 5, generationMs: 30, editMs: 20, secondStageMs: 40, renderTimeMs: 60, heartbeatEveryMs: 10 };
// Settle reads must be spaced wider than the emulator's second stage, as the real backend's.
const quick: GenerateOptions = {
  settle: { intervalMs: 60, maxPolls: 10 },
  recovery: { firstDelayMs: 20, intervalMs: 20, maxUnchanged: 3 },
  render: { intervalMs: 20, maxPolls: 50 },
};

function setup(options: EmulatorOptions = {}, client: ConstructorParameters<typeof NemoVideo>[0] = {}) {
  const emu = createEmulator({ ...fast, ...options });
  const nemo = new NemoVideo({ fetch: emu.fetch, clientId: 'gen-test', ...client });
  const sends = () => emu.inspect().requests.filter((r) => r.path === '/run_sse' && r.method === 'POST').length;
  return { emu, nemo, sends };
}

describe('generate', () => {
  test('runs the whole job: session, chat, settled two-stage draft, export, claim link', async () => {
    const { emu, nemo, sends } = setup();
    const phases: string[] = [];
    const result = await nemo.generate('a 20-second video about a lighthouse at dusk', {
      ...quick,
      onProgress: (p) => {
        if (phases.at(-1) !== p.phase) phases.push(p.phase);
      },
    });
    expect(phases).toEqual(['session', 'chat', 'state', 'render', 'done']);
    expect(result.sessionId).toMatch(/.+/);
    expect(result.taskId).toMatch(/.+/);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.summary).toMatch(/^Timeline \(3 tracks\): 1\. Video: .+ 2\. BGM: .+ 3\. Title: ".+"/);
    expect(result.changes.map((c) => c.type)).toContain('track_added');
    expect(result.render?.status).toBe('completed');
    expect(result.url).toMatch(/\.mp4$/);
    expect(result.claimUrl).toMatch(/^https:\/\/nemovideo\.com\/workspace\/claim\?ct=clm_/);
    expect(sends()).toBe(1);
    const submits = emu.inspect().requests.filter((r) => r.path === '/api/render/proxy/lambda' && r.method === 'POST');
    expect(submits).toHaveLength(1);
    const session = emu.inspect().requests.find((r) => r.path === '/api/tasks/me/with-session/nemo_agent');
    expect(session?.method).toBe('POST');
  });

  test('a silent answer falls back to state and never re-sends', async () => {
    const { nemo, sends } = setup({ silentRate: 1 });
    const result = await nemo.generate('make a video of waves on a beach', { ...quick, export: false });
    expect(result.text).toBe('');
    expect(result.state.draft?.tracks.length).toBeGreaterThan(0);
    expect(result.render).toBeUndefined();
    expect(sends()).toBe(1);
  });

  test('a cut stream is recovered from state and never re-sent', async () => {
    const { nemo, sends } = setup({ faults: { dropStreamAfterEvents: 1 } });
    const phases = new Set<string>();
    const result = await nemo.generate('a video about a mountain sunrise', { ...quick, export: false, onProgress: (p) => phases.add(p.phase) });
    expect(phases.has('recovering')).toBe(true);
    expect(result.summary).toMatch(/^Timeline \(\d tracks?\): 1\. Video/);
    expect(sends()).toBe(1);
  });

  test('a cut stream with no change in state rejects with StreamInterruptedError carrying the session id', async () => {
    const { nemo, sends } = setup({ faults: { dropStreamAfterEvents: 0 } });
    const error = (await nemo.generate('hello there', { ...quick, export: false }).catch((e: unknown) => e)) as StreamInterruptedError;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.sessionId).toMatch(/.+/);
    expect(error.message).toMatch(/Nothing was re-sent/);
    expect(sends()).toBe(1);
  });

  test('a blocked export still returns the session, the summary and the claim link', async () => {
    const { nemo } = setup({ anonymousExport: false });
    const result = await nemo.generate('a video about city lights', quick);
    expect(result.exportError).toBeInstanceOf(ExportBlockedError);
    expect(result.render).toBeUndefined();
    expect(result.summary).toMatch(/^Timeline/);
    expect(result.claimUrl).toMatch(/claim\?ct=clm_/);
  });

  test('two failed renders end in RenderFailedError naming the last render and the session', async () => {
    const { emu, nemo } = setup({ faults: { failRenders: 2 } });
    const error = (await nemo.generate('a video about a forest', quick).catch((e: unknown) => e)) as RenderFailedError;
    expect(error).toBeInstanceOf(RenderFailedError);
    const submits = emu.inspect().requests.filter((r) => r.path === '/api/render/proxy/lambda' && r.method === 'POST');
    expect(submits).toHaveLength(2);
    expect(error.renderId).toMatch(/^render_\d+_/);
    expect(error.sessionId).toMatch(/.+/);
  });

  test('uses a given session: no new session, the baseline read first', async () => {
    const { emu, nemo, sends } = setup();
    const { sessionId } = await nemo.sessions.create();
    const result = await nemo.generate('a video about a red kite', { ...quick, sessionId, export: false });
    expect(result.sessionId).toBe(sessionId);
    const paths = emu.inspect().requests.map((r) => r.path);
    expect(paths.filter((p) => p === '/api/tasks/me/with-session/nemo_agent')).toHaveLength(1);
    expect(paths.indexOf(`/api/state/nemo_agent/me/${sessionId}/latest`)).toBeLessThan(paths.indexOf('/run_sse'));
    expect(sends()).toBe(1);
  });

  test('detects the session language from the prompt', async () => {
    const { emu, nemo } = setup();
    await nemo.generate('制作一个关于咖啡品牌发布的视频', { ...quick, export: false });
    const sessions = emu.inspect().sessions as unknown as { language?: string }[];
    expect(JSON.stringify(sessions)).toContain('zh-CN');
  });

  test('rejects an empty prompt before sending anything', async () => {
    const { emu, nemo } = setup();
    await expect(nemo.generate('  ')).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(emu.inspect().requests).toHaveLength(0);
  });

  test('an abort mid-job rejects with the reason and never re-sends', async () => {
    const { nemo, sends } = setup({ generationMs: 2_000 });
    const controller = new AbortController();
    const p = nemo.generate('a long video', { ...quick, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 100);
    await expect(p).rejects.toThrow('stop');
    expect(sends()).toBe(1);
  });
});

describe('pollEvery', () => {
  test('polls every phase at the interval, over about five minutes (at least 10 reads each)', () => {
    expect(pollEvery(500)).toEqual({
      settle: { intervalMs: 500, maxPolls: 600 },
      render: { intervalMs: 500, maxPolls: 600 },
      recovery: { firstDelayMs: 500, intervalMs: 500 },
    });
    expect(pollEvery(60_000).render.maxPolls).toBe(10);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, undefined as never, '500' as never]) {
      expect(() => pollEvery(bad)).toThrow(InvalidArgumentError);
    }
  });

  test('drives a whole generate() at its pace: render polls are that far apart', async () => {
    const { emu, nemo } = setup();
    const result = await nemo.generate('a 20-second video about a lighthouse at dusk', pollEvery(80));
    expect(result.url).toMatch(/\.mp4$/);
    // The render polls (GETs after the submit) are the interval apart; the emulator's render takes 60 ms.
    const polls = emu.inspect().requests.filter((r) => r.method === 'GET' && /^\/api\/render\/proxy\/lambda\/./.test(r.path)).map((r) => r.at);
    expect(polls.length).toBeGreaterThan(1);
    for (let i = 1; i < polls.length; i++) expect(polls[i]! - polls[i - 1]!).toBeGreaterThanOrEqual(70);
  });
});
