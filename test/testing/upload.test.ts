import { describe, expect, test } from 'vitest';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { base, wire } from './helpers.js';

async function setup(options: EmulatorOptions = {}) {
  const emu = createEmulator({ seed: 5, ...options });
  const api = wire(emu.fetch);
  await api.anonymous();
  const sid = await api.session();
  const path = `/api/upload-video/nemo_agent/me/${sid}`;
  const sendForm = async (form: FormData) => {
    const res = await api.raw(path, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return { emu, api, sid, path, sendForm };
}

const file = (name: string, size: number, type = '') => new File([new Uint8Array(size)], name, { type });

/** A multipart body streamed `chunkSize` bytes at a time, counting how much was pulled. */
function streamedMultipart(parts: Array<{ name: string; filename: string; size: number }>, chunkSize: number) {
  const boundary = '----emulatorTestBoundary';
  const enc = new TextEncoder();
  const pieces: Array<Uint8Array | number> = [];
  for (const p of parts) {
    pieces.push(
      enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: video/mp4\r\n\r\n`),
      p.size,
      enc.encode('\r\n'),
    );
  }
  pieces.push(enc.encode(`--${boundary}--\r\n`));
  let index = 0;
  let offset = 0;
  const counter = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[index];
      if (piece === undefined) return controller.close();
      if (typeof piece === 'number') {
        const n = Math.min(chunkSize, piece - offset);
        offset += n;
        if (offset >= piece) [index, offset] = [index + 1, 0];
        counter.pulled += n;
        return controller.enqueue(new Uint8Array(n).fill(7));
      }
      const n = Math.min(chunkSize, piece.length - offset);
      controller.enqueue(piece.slice(offset, offset + n));
      counter.pulled += n;
      offset += n;
      if (offset >= piece.length) [index, offset] = [index + 1, 0];
    },
  });
  return { body, counter, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('POST /api/upload-video/nemo_agent/me/<sid>', () => {
  test('accepts parts named files and shows uploaded media in state video_infos', async () => {
    const { api, sid, sendForm } = await setup();
    const form = new FormData();
    form.append('files', file('clip.mp4', 2048, 'video/mp4'));
    form.append('files', file('photo.PNG', 100, 'image/png'));
    form.append('files', file('song.mp3', 100, 'audio/mpeg'));
    const { status, body } = await sendForm(form);
    expect(status).toBe(200);
    expect(body.code).toBe(0);
    expect(body.data.session_state_applied).toBe(true);
    const [video, image, audio] = body.data.files;
    expect(video).toEqual({
      filename: 'clip.mp4',
      file_type: 'video',
      cdn_url: expect.stringMatching(/^http:\/\/emulator\.invalid\/_emulator\/media\/upl_\w+\.mp4$/),
      duration: expect.any(Number),
      width: 1920,
      height: 1080,
    });
    expect(image).toMatchObject({ file_type: 'image', width: 1080, height: 1080 });
    expect(image).not.toHaveProperty('duration');
    expect(audio).toMatchObject({ file_type: 'audio', duration: expect.any(Number) });
    const infos = (await api.state(sid)).data.state.video_infos;
    expect(infos.map((i: any) => [i.filename, i.size, i.source])).toEqual([
      ['clip.mp4', 2048, 'upload'],
      ['photo.PNG', 100, 'upload'],
      ['song.mp3', 100, 'upload'],
    ]);
  });

  test('reads the emulator’s own MP4 back with its real duration and size', async () => {
    const { emu, sendForm } = await setup();
    const mp4 = await (await emu.fetch(`${base}/_emulator/media/sample.mp4`)).arrayBuffer();
    const form = new FormData();
    form.append('files', new File([mp4], 'roundtrip.mp4', { type: 'video/mp4' }));
    expect((await sendForm(form)).body.data.files[0]).toMatchObject({ duration: 3, width: 320, height: 180 });
  });

  test('answers 4001 for an unsupported type and applies nothing', async () => {
    const { api, sid, sendForm } = await setup();
    const form = new FormData();
    form.append('files', file('ok.mp4', 10));
    form.append('files', file('notes.txt', 10, 'text/plain'));
    const { status, body } = await sendForm(form);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 4001, message: expect.stringContaining('mp4, mov') });
    expect((await api.state(sid)).data.state.video_infos).toEqual([]);
  });

  test('decides by MIME type when the name has no extension', async () => {
    const { sendForm } = await setup();
    const ok = new FormData();
    ok.append('files', file('clip', 10, 'video/webm'));
    expect((await sendForm(ok)).body.data.files[0].file_type).toBe('video');
    const bad = new FormData();
    bad.append('files', file('clip', 10, 'application/pdf'));
    expect((await sendForm(bad)).body.code).toBe(4001);
  });

  test('answers 4002 above maxUploadBytes without reading the rest of the body', async () => {
    const { emu, path, api } = await setup({ maxUploadBytes: 100_000 });
    const { body, counter, contentType } = streamedMultipart([{ name: 'files', filename: 'big.mp4', size: 50_000_000 }], 64 * 1024);
    const res = await api.raw(path, { method: 'POST', body, headers: { 'content-type': contentType }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 4002, message: expect.stringContaining('big.mp4') });
    expect(counter.pulled).toBeLessThan(1_000_000);
    expect(emu.inspect().requests.at(-1)?.bodyBytes).toBeLessThan(1_000_000);
  });

  test('parses a body delivered one byte at a time', async () => {
    const { path, api } = await setup();
    const { body, contentType } = streamedMultipart(
      [
        { name: 'files', filename: 'a.mp4', size: 300 },
        { name: 'files', filename: 'b.mov', size: 7 },
      ],
      1,
    );
    const res = await api.raw(path, { method: 'POST', body, headers: { 'content-type': contentType }, duplex: 'half' } as RequestInit);
    const json = (await res.json()) as Record<string, any>;
    expect(json.data.files.map((f: any) => f.filename)).toEqual(['a.mp4', 'b.mov']);
  });

  test('accepts JSON {urls, source_type:"url"}', async () => {
    const { api, sid, path } = await setup();
    const { body } = await api.post(path, { urls: ['https://cdn.example.com/clips/beach%20day.mov'], source_type: 'url' });
    expect(body.data.files[0]).toMatchObject({ filename: 'beach day.mov', file_type: 'video' });
    expect((await api.state(sid)).data.state.video_infos[0]).toMatchObject({ source: 'url' });
    expect((await api.post(path, { urls: ['https://x.test/setup.exe'], source_type: 'url' })).body.code).toBe(4001);
    expect((await api.post(path, { urls: [] })).status).toBe(400);
  });

  test('answers 400 without a files part and 1002 for an unknown session', async () => {
    const { api, sendForm } = await setup();
    const form = new FormData();
    form.append('other', 'x');
    expect((await sendForm(form)).status).toBe(400);
    const res = await api.post('/api/upload-video/nemo_agent/me/missing', { urls: ['https://x.test/a.mp4'] });
    expect(res.body.code).toBe(1002);
  });
});
