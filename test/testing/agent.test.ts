import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { finalTexts, parseSse, trackKinds, wire, type Body } from './helpers.js';

let emu: ReturnType<typeof createEmulator>;
let api: ReturnType<typeof wire>;
let sid: string;

const timing = { generationMs: 10_000, editMs: 2000, replyMs: 100, secondStageMs: 5000, heartbeatEveryMs: 0 };

async function setup(options: EmulatorOptions = {}) {
  emu = createEmulator({ seed: 9, ...timing, ...options });
  api = wire(emu.fetch);
  await api.anonymous();
  sid = await api.session();
}

async function say(text: string, runMs = 60_000) {
  const res = await api.send(sid, text);
  const body = res.text();
  await vi.advanceTimersByTimeAsync(runMs);
  return { status: res.status, events: parseSse(await body).events };
}

const draftOf = async () => (await api.state(sid)).data.state.draft as Body;
const segmentsOf = (draft: Body, tt: number) => (draft.t as Body[]).find((t) => t.tt === tt)?.sg as Body[] | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GET /api/state/nemo_agent/me/<sid>/latest', () => {
  test('answers the documented envelope with short-key draft, canvas, media and analyses', async () => {
    await setup();
    const state = await api.state(sid);
    expect(state).toEqual({
      code: 0,
      data: {
        session_id: sid,
        task_id: expect.stringMatching(/^task_/),
        task_name: 'project',
        state: {
          draft: { t: [], d: 0, fps: 30, v: 0 },
          video_infos: [],
          canvas_config: { width: 1920, height: 1080, aspect: '16:9' },
          video_analyses: {},
          generated_media: [],
        },
      },
    });
  });

  test('answers 1002 for an unknown session and after sessionIdleMs of inactivity', async () => {
    await setup({ sessionIdleMs: 1000 });
    expect((await api.get('/api/state/nemo_agent/me/unknown/latest')).body.code).toBe(1002);
    vi.advanceTimersByTime(900);
    expect((await api.state(sid)).code).toBe(0); // a read is activity
    vi.advanceTimersByTime(1001);
    expect((await api.state(sid)).code).toBe(1002);
    expect(emu.inspect().sessions[0]?.expired).toBe(true);
  });
});

describe('draft evolution', () => {
  test('generates in two stages: the video after generationMs, music and title secondStageMs later', async () => {
    await setup();
    const res = await api.send(sid, 'generate a 30-second video about a coffee brand launch');
    const body = res.text();
    await vi.advanceTimersByTimeAsync(timing.replyMs + timing.generationMs - 1);
    expect((await draftOf()).t).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(trackKinds(await api.state(sid))).toEqual([[0, undefined]]);
    const video = segmentsOf(await draftOf(), 0)?.[0];
    expect(video).toMatchObject({ st: 0, d: 30_000, m: { name: 'coffee brand launch' } });
    await vi.advanceTimersByTimeAsync(timing.secondStageMs);
    const state = await api.state(sid);
    expect(trackKinds(state)).toEqual([
      [0, undefined],
      [1, 'bgm'],
      [7, 'title'],
    ]);
    const draft = state.data.state.draft;
    expect(segmentsOf(draft, 1)?.[0]?.m).toMatchObject({ role: 'bgm', volume: 0.35 });
    expect(segmentsOf(draft, 7)?.[0]).toMatchObject({ st: 0, d: 3000, m: { role: 'title', text: 'Coffee Brand Launch' } });
    expect(draft.d).toBe(30_000);
    expect(state.data.state.generated_media).toHaveLength(1);
    expect(finalTexts(parseSse(await body).events)[0]).toContain('30-second');
  });

  test('adds music, a title in quotes, trims, and removes tracks and clips', async () => {
    await setup({ secondStageMs: 10 ** 9 });
    await say('generate a 20 second video about mountains');
    expect(trackKinds(await api.state(sid))).toEqual([[0, undefined]]);

    await say('add some lo-fi music at 50%');
    expect(segmentsOf(await draftOf(), 1)?.[0]).toMatchObject({ d: 20_000, m: { name: 'Lo-fi', role: 'bgm', volume: 0.5 } });

    const { events } = await say('add a title "Paradise Found"');
    expect(finalTexts(events)[0]).toContain('Paradise Found');
    expect(segmentsOf(await draftOf(), 7)?.[0]?.m).toMatchObject({ text: 'Paradise Found', role: 'title' });

    await say('add a title Summer Peaks');
    expect(segmentsOf(await draftOf(), 7)?.[0]?.m.text).toBe('Summer Peaks');

    await say('trim the video to 8 seconds');
    const trimmed = await draftOf();
    expect(trimmed.d).toBe(8000);
    expect(segmentsOf(trimmed, 1)?.[0]?.d).toBe(8000);

    await say('remove the music');
    expect(trackKinds(await api.state(sid))).toEqual([
      [0, undefined],
      [7, 'title'],
    ]);
    await say('delete the title');
    expect(trackKinds(await api.state(sid))).toEqual([[0, undefined]]);
    await say('remove the clip');
    expect((await draftOf()).t).toEqual([]);
  });

  test('understands Chinese requests and answers in Chinese', async () => {
    await setup({ secondStageMs: 10 ** 9 });
    const gen = await say('生成一个关于咖啡的视频');
    expect(finalTexts(gen.events)[0]).toMatch(/视频/);
    await say('添加背景音乐');
    await say('添加标题「你好世界」');
    const draft = await draftOf();
    expect(segmentsOf(draft, 1)?.[0]?.m.role).toBe('bgm');
    expect(segmentsOf(draft, 7)?.[0]?.m.text).toBe('你好世界');
    const removed = await say('删除标题');
    expect(finalTexts(removed.events)[0]).toBe('已删除标题。');
    expect(trackKinds(await api.state(sid))).toEqual([
      [0, undefined],
      [1, 'bgm'],
    ]);
  });

  test('reports a failed tool result when there is nothing to trim', async () => {
    await setup();
    const { events } = await say('trim it to 3s');
    expect(events[1]?.content.parts[0].functionResponse.response.error).toMatch(/no video/);
    expect((await draftOf()).t).toEqual([]);
  });
});

describe('credits', () => {
  test('freezes a generation’s 100 credits while it runs and charges them when both stages are done', async () => {
    await setup({ initialCredits: 300 });
    expect(await api.credits()).toEqual({ available: 300, frozen: 0, total: 300 });
    const res = await api.send(sid, 'generate a video about rain');
    expect(await api.credits()).toEqual({ available: 200, frozen: 100, total: 300 });
    const body = res.text();
    await vi.advanceTimersByTimeAsync(timing.replyMs + timing.generationMs + timing.secondStageMs);
    await body;
    expect(await api.credits()).toEqual({ available: 200, frozen: 0, total: 200 });
    await say('add music');
    expect(await api.credits()).toEqual({ available: 150, frozen: 0, total: 150 });
    await say('what can you do?');
    expect((await api.credits()).available).toBe(150);
  });

  test('answers 2001 when the credits do not cover the operation, and sends nothing', async () => {
    await setup({ initialCredits: 60 });
    const res = await api.send(sid, 'generate a video about rain');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ code: 2001, message: expect.stringContaining('credits') });
    expect(emu.inspect().sessions[0]?.messages).toEqual([]);
    expect(emu.inspect().credits[emu.inspect().sessions[0]!.userId]).toEqual({ available: 60, frozen: 0, total: 60 });
  });
});
