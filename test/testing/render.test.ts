import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { mediaBytes } from '../../src/testing/emulator/media.js';
import { attribution, base, wire, type Body } from './helpers.js';

const timing = { generationMs: 100, editMs: 50, replyMs: 10, secondStageMs: 100, renderTimeMs: 10_000, heartbeatEveryMs: 0 };

async function setup(options: EmulatorOptions = {}, { anonymous = true } = {}) {
  const registered = 'nmv_usr_registered_user_1234';
  const emu = createEmulator({ seed: 11, ...timing, tokens: [registered], ...options });
  const api = wire(emu.fetch);
  if (anonymous) await api.anonymous();
  else api.token = registered;
  const sid = await api.session();
  const res = await api.send(sid, 'generate a video about a lighthouse');
  const body = res.text();
  await vi.advanceTimersByTimeAsync(5000);
  await body;
  const draft = (await api.state(sid)).data.state.draft as Body;
  const submit = (id: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
    api.post('/api/render/proxy/lambda', { id, sessionId: sid, draft, output: { format: 'mp4', quality: 'high' }, ...extra }, headers);
  const poll = (id: string) => api.get(`/api/render/proxy/lambda/${id}`);
  return { emu, api, sid, draft, submit, poll };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('render lifecycle', () => {
  test('acknowledges in an envelope, then progresses pending → processing → completed at top level', async () => {
    const { submit, poll, draft } = await setup();
    const ack = await submit('render_1_a');
    expect(ack.body).toEqual({ code: 0, data: { id: 'render_1_a', taskId: 'render_1_a', sessionId: expect.any(String), status: 'pending' } });
    expect((await poll('render_1_a')).body).toEqual({ taskId: 'render_1_a', status: 'pending', progress: 0 });
    vi.advanceTimersByTime(5000);
    expect((await poll('render_1_a')).body).toEqual({ taskId: 'render_1_a', status: 'processing', progress: 50 });
    vi.advanceTimersByTime(5000);
    const done = (await poll('render_1_a')).body;
    expect(done).toEqual({
      taskId: 'render_1_a',
      status: 'completed',
      progress: 100,
      output: { url: 'http://emulator.invalid/_emulator/media/render_1_a.mp4', duration: draft.d / 1000, size: mediaBytes('video').length },
    });
    expect(done).not.toHaveProperty('code');
  });

  test('serves the output on the request’s own origin (a fake one for the real service’s hosts), and through the bearer download endpoint', async () => {
    const { emu, api, submit, poll } = await setup({ renderTimeMs: 0 });
    await submit('render_2_b');
    const { output } = (await poll('render_2_b')).body;
    // Called on the SDK's default base URL: nothing the emulator makes looks like production.
    expect(output.url).toBe('http://emulator.invalid/_emulator/media/render_2_b.mp4');
    const file = await emu.fetch(output.url);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(Number(file.headers.get('content-length'))).toBe(bytes.length);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('ftyp');
    const download = await api.raw('/api/render/proxy/render_2_b/download');
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(output.size);
    const anonymous = await emu.fetch(`${base}/api/render/proxy/render_2_b/download`);
    expect(anonymous.status).toBe(401);
    const elsewhere = await emu.fetch('http://localhost:9999/api/render/proxy/lambda/render_2_b', {
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(((await elsewhere.json()) as Body).output.url).toBe('http://localhost:9999/_emulator/media/render_2_b.mp4');
    for (const host of ['nemovideo.com', 'api.nemovideo.ai', 'NemoVideo.AI:8443']) {
      const real = await emu.fetch(`https://${host}/api/render/proxy/lambda/render_2_b`, { headers: { authorization: `Bearer ${api.token}` } });
      expect(((await real.json()) as Body).output.url, host).toBe('http://emulator.invalid/_emulator/media/render_2_b.mp4');
    }
    const lookalike = await emu.fetch('https://notnemovideo.ai/api/render/proxy/lambda/render_2_b', { headers: { authorization: `Bearer ${api.token}` } });
    expect(((await lookalike.json()) as Body).output.url).toBe('https://notnemovideo.ai/_emulator/media/render_2_b.mp4');
  });

  test('runs one export per session at a time, queueing the others', async () => {
    const { submit, poll } = await setup();
    await submit('first');
    await submit('second');
    vi.advanceTimersByTime(10_000);
    expect((await poll('first')).body.status).toBe('completed');
    expect((await poll('second')).body.status).toBe('pending');
    vi.advanceTimersByTime(10_000);
    expect((await poll('second')).body.status).toBe('completed');
  });

  test('does not serve an unfinished render, nor another user’s', async () => {
    const { emu, api, submit } = await setup();
    await submit('render_x');
    expect((await emu.fetch(`${base}/_emulator/media/render_x.mp4`)).status).toBe(404);
    expect((await api.raw('/api/render/proxy/render_x/download')).status).toBe(409);
    const other = wire(emu.fetch);
    await other.anonymous('someone-else');
    expect((await other.get('/api/render/proxy/lambda/render_x')).status).toBe(404);
  });
});

describe('render errors', () => {
  test('answers 402 when an attribution header is missing', async () => {
    const { submit } = await setup();
    const res = await submit('render_h', {}, { 'x-skill-platform': '' });
    expect(res.status).toBe(402);
    expect(res.body.message).toContain('x-skill-platform');
  });

  test('answers 402 to anonymous users when anonymousExport is false, not to registered ones', async () => {
    const anon = await setup({ anonymousExport: false });
    expect((await anon.submit('r1')).status).toBe(402);
    const registered = await setup({ anonymousExport: false }, { anonymous: false });
    expect((await registered.submit('r1')).body.code).toBe(0);
  });

  test('answers 403 to a token without the render scope', async () => {
    const emu = createEmulator({ tokens: { nmv_usr_nopermission: { scopes: ['read', 'write'] } } });
    const api = wire(emu.fetch);
    api.token = 'nmv_usr_nopermission';
    const sid = await api.session();
    const res = await api.post('/api/render/proxy/lambda', { id: 'r', sessionId: sid, draft: { t: [{ tt: 0, sg: [{ d: 1 }] }] } });
    expect(res.status).toBe(403);
  });

  test('answers 400 for an empty draft and 1002 for an unknown session', async () => {
    const { submit } = await setup();
    const empty = await submit('r', { draft: { t: [{ tt: 0, sg: [] }], d: 0 } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/Nothing to export/);
    expect((await submit('r', { sessionId: 'gone' })).body.code).toBe(1002);
  });

  test('fails renders per failRenders, then succeeds with a new id', async () => {
    const { submit, poll } = await setup({ faults: { failRenders: 1 } });
    await submit('bad');
    vi.advanceTimersByTime(5000);
    const failed = (await poll('bad')).body;
    expect(failed).toMatchObject({ taskId: 'bad', status: 'failed', error: expect.any(String) });
    await submit('good');
    vi.advanceTimersByTime(10_000);
    expect((await poll('good')).body.status).toBe('completed');
  });
});

describe('served media', () => {
  test('is a real H.264 MP4 starting with an ftyp box, under 20 KB', () => {
    const mp4 = mediaBytes('video');
    expect(new TextDecoder().decode(mp4.subarray(4, 8))).toBe('ftyp');
    expect(mp4.length).toBeLessThan(20_000);
    const png = mediaBytes('image');
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  // ffmpeg is not on CI machines: there the test is reported as skipped, with its reason.
  const hasFfprobe = !spawnSync('ffprobe', ['-version']).error;
  test.skipIf(!hasFfprobe)(`plays in ffprobe (3 s, 320x180, h264)${hasFfprobe ? '' : ' [skipped: ffprobe not installed]'}`, () => {
    const file = join(mkdtempSync(join(tmpdir(), 'emu-')), 'out.mp4');
    writeFileSync(file, mediaBytes('video'));
    const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height:format=duration', '-of', 'json', file], {
      encoding: 'utf8',
    });
    const info = JSON.parse(out.stdout) as Body;
    expect(info.streams[0]).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(Number(info.format.duration)).toBeCloseTo(3, 1);
  });

  test('answers 404 for media it does not have', async () => {
    const emu = createEmulator();
    expect((await emu.fetch(`${base}/_emulator/media/readme.txt`, { headers: attribution })).status).toBe(404);
  });
});
