import { createHash, randomBytes } from 'node:crypto';
import { getEventListeners, once } from 'node:events';
import { appendFile, mkdtemp, readdir, readFile, readlink, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  InvalidArgumentError,
  NemoVideo,
  ResponseValidationError,
  SessionNotFoundError,
  Uploads,
  type RenderJob,
  type UploadProgress,
} from '../../src/index.js';
import { downloadToFile, fileFromPath } from '../../src/node/index.js';

// A real loopback server: real fetch, real sockets, so streaming and aborts behave as in production.
type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
let handler: Handler = (_req, res) => res.end();
const requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
const server = createServer((req, res) => {
  requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
  void handler(req, res);
});
let origin = '';
let dir = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nemovideo-files-'));
  requests.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const client = () => new NemoVideo({ token: 'nmv_usr_test1234', baseURL: origin });
const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The paths this process holds open (Linux), to check that a file was closed. */
async function openPaths(): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  return (await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')))).filter(Boolean);
}
/** Progress events go up one by one and end at the exact total. */
function expectAccurate(progress: UploadProgress[], total: number) {
  expect(progress[0]).toEqual({ loaded: 0, total });
  expect(progress.at(-1)).toEqual({ loaded: total, total });
  for (let i = 1; i < progress.length; i++) expect(progress[i]!.loaded).toBeGreaterThan(progress[i - 1]!.loaded);
}
async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('fileFromPath', () => {
  test('gives name, size and a type from the extension, streaming the content from disk', async () => {
    const path = join(dir, 'clip.MOV');
    await writeFile(path, 'movie bytes');
    const file = await fileFromPath(path);
    expect(file).toMatchObject({ name: 'clip.MOV', size: 11, type: 'video/quicktime' });
    expect(file.data).toBeInstanceOf(Blob);
    expect(await new Response((file.data as Blob).stream()).text()).toBe('movie bytes');
    expect(await fileFromPath(path, { type: 'video/mp4', name: 'x.mp4' })).toMatchObject({ name: 'x.mp4', type: 'video/mp4' });
  });

  test.each([1, 65_535, 65_536, 65_537, 512 * 1024, 512 * 1024 + 1, 3 * 512 * 1024 + 3])(
    'its stream gives the %i bytes of the file exactly, as Uint8Array chunks, each time it is read',
    async (size) => {
      const path = join(dir, 'clip.mp4');
      const content = randomBytes(size);
      await writeFile(path, content);
      const blob = (await fileFromPath(path)).data as Blob;
      for (let time = 0; time < 2; time++) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of blob.stream()) chunks.push(chunk);
        expect(chunks.every((c) => c instanceof Uint8Array && c.byteLength > 0)).toBe(true);
        expect(sha256(Buffer.concat(chunks))).toBe(sha256(content));
      }
      expect(Buffer.from(await blob.slice(1).arrayBuffer()).equals(content.subarray(1))).toBe(true);
    },
  );

  test.skipIf(process.platform !== 'linux')('its stream closes the file at the end and when cancelled', async () => {
    const path = join(dir, 'clip.mp4');
    await writeFile(path, randomBytes(3 * 1024 * 1024));
    const blob = (await fileFromPath(path)).data as Blob;
    await new Response(blob.stream()).arrayBuffer();
    expect(await openPaths()).not.toContain(path);
    const reader = blob.stream().getReader();
    expect((await reader.read()).value?.byteLength).toBeGreaterThan(0);
    expect(await openPaths()).toContain(path);
    await reader.cancel();
    expect(await openPaths()).not.toContain(path);
    await blob.stream().cancel(); // never pulled: never opened
    expect(await openPaths()).not.toContain(path);
  });

  test('its stream fails with NotReadableError when the file changed after fileFromPath, or is cut short while read', async () => {
    const path = join(dir, 'clip.mp4');
    await writeFile(path, randomBytes(3 * 1024 * 1024));
    const grown = (await fileFromPath(path)).data as Blob;
    await appendFile(path, 'more');
    await expect(new Response(grown.stream()).arrayBuffer()).rejects.toMatchObject({ name: 'NotReadableError' });
    const cut = (await fileFromPath(path)).data as Blob;
    const reader = cut.stream().getReader();
    await reader.read();
    await truncate(path, 1024 * 1024);
    const error = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NotReadableError' });
    if (process.platform === 'linux') expect(await openPaths()).not.toContain(path);
  });

  test('rejects a folder and a missing file', async () => {
    await expect(fileFromPath(dir)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fileFromPath(join(dir, 'missing.mp4'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('uploads.create with fileFromPath', () => {
  test('uploads a file from disk as one multipart part named files', async () => {
    const path = join(dir, 'song.mp3');
    const content = randomBytes(3 * 1024 * 1024 + 7); // several reads, and a short last chunk
    await writeFile(path, content);
    let form: FormData | undefined;
    handler = async (req, res) => {
      const body = await readAll(req);
      form = await new Response(new Uint8Array(body), { headers: { 'content-type': req.headers['content-type']! } }).formData();
      json(res, { code: 0, data: { files: [{ filename: 'song.mp3', file_type: 'audio', cdn_url: 'https://cdn.test/s.mp3', duration: 12 }], session_state_applied: true } });
    };
    const progress: UploadProgress[] = [];
    const result = await new Uploads(client()).create('s1', { files: [await fileFromPath(path)] }, { onProgress: (p) => progress.push(p) });
    expect(requests.map((r) => [r.method, r.url])).toEqual([['POST', '/api/upload-video/nemo_agent/me/s1']]);
    expect(requests[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(Number(requests[0]!.headers['content-length'])).toBeGreaterThan(content.length);
    const part = form!.get('files') as File;
    expect([part.name, part.type, part.size]).toEqual(['song.mp3', 'audio/mpeg', content.length]);
    expect(sha256(new Uint8Array(await part.arrayBuffer()))).toBe(sha256(content));
    expectAccurate(progress, content.length);
    expect(result.files[0]).toMatchObject({ fileType: 'audio', duration: 12 });
  });

  test('after a 429 the file is read again from disk and sent whole once more', async () => {
    const path = join(dir, 'clip.mp4');
    const content = randomBytes(2 * 1024 * 1024 + 11);
    await writeFile(path, content);
    const received: string[] = [];
    handler = async (req, res) => {
      const body = await readAll(req);
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': req.headers['content-type']! } }).formData();
      received.push(sha256(new Uint8Array(await (form.get('files') as File).arrayBuffer())));
      if (received.length === 1) return res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"message":"slow down"}');
      json(res, { code: 0, data: { files: [{ filename: 'clip.mp4', file_type: 'video', cdn_url: 'https://cdn.test/c.mp4' }] } });
    };
    const result = await new Uploads(client()).create('s1', { files: [await fileFromPath(path)] });
    expect(received).toEqual([sha256(content), sha256(content)]);
    expect(result.files[0]).toMatchObject({ filename: 'clip.mp4' });
    if (process.platform === 'linux') expect(await openPaths()).not.toContain(path);
  });

  test('progress counts the bytes fetch has taken, not those the file has read ahead', async () => {
    const path = join(dir, 'clip.mp4');
    const content = randomBytes(4 * 1024 * 1024 + 5);
    await writeFile(path, content);
    let taken = 0;
    const seen: { loaded: number; taken: number }[] = [];
    const progress: UploadProgress[] = [];
    // A fetch that takes the body slowly: a chunk, then a pause of a few turns of the event loop,
    // in which the file reads ahead. Progress may only count what it took (its own chunks are
    // 64 KiB at most, and the multipart header is under 1 KiB).
    const slowFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const chunks: Uint8Array[] = [];
      const reader = request.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        taken += value.byteLength;
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      }
      const body = Buffer.concat(chunks);
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': request.headers.get('content-type')! } }).formData();
      expect(sha256(new Uint8Array(await (form.get('files') as File).arrayBuffer()))).toBe(sha256(content));
      expect(Number(request.headers.get('content-length'))).toBe(body.byteLength);
      return Response.json({ code: 0, data: { files: [{ filename: 'clip.mp4', file_type: 'video', cdn_url: 'https://cdn.test/c.mp4' }] } });
    };
    const nemo = new NemoVideo({ token: 'nmv_usr_test1234', baseURL: origin, fetch: slowFetch });
    await new Uploads(nemo).create('s1', { files: [await fileFromPath(path)] }, {
      onProgress: (p) => {
        progress.push(p);
        seen.push({ loaded: p.loaded, taken });
      },
    });
    expectAccurate(progress, content.length);
    expect(progress.length).toBeGreaterThan(50);
    // Reported in the pull that hands fetch its next chunk: at most that chunk beyond what it took.
    for (const { loaded, taken: before } of seen) expect(loaded).toBeLessThanOrEqual(before + 64 * 1024);
  });

  test('rejects with the signal’s reason when aborted mid-upload, and stops sending', async () => {
    const path = join(dir, 'long.mp4');
    const size = 64 * 1024 * 1024;
    await writeFile(path, Buffer.alloc(size));
    let received = 0;
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    handler = (req) => {
      req.on('data', (c: Buffer) => {
        received += c.length;
        if (received > 1024 * 1024 && !controller.signal.aborted) {
          req.pause(); // a slow server: the client is still sending when the user aborts
          controller.abort(reason);
        }
      });
    };
    const error = await new Uploads(client())
      .create('s1', { files: [await fileFromPath(path)] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(received).toBeLessThan(size);
    if (process.platform === 'linux') expect(await openPaths()).not.toContain(path);
  });

  test('a file changed after fileFromPath rejects the upload with NotReadableError, not as a connection failure', async () => {
    const path = join(dir, 'clip.mp4');
    await writeFile(path, randomBytes(2 * 1024 * 1024));
    const file = await fileFromPath(path);
    await appendFile(path, 'more');
    let complete = false;
    handler = async (req, res) => {
      complete = (await readAll(req).catch(() => Buffer.alloc(0))).byteLength > 2 * 1024 * 1024;
      res.end();
    };
    const error = await new Uploads(client()).create('s1', { files: [file] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NotReadableError' });
    expect(complete).toBe(false);
  });
});

describe('downloadToFile', () => {
  const job = (url: string, size?: number): RenderJob => ({ id: 'render_7', status: 'completed', output: { url, size }, raw: {} });
  const video = Buffer.alloc(2 * 1024 * 1024 + 5, 'v');

  test('writes a temporary file and renames it once complete', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(video);
    };
    const { render } = client();
    const path = join(dir, 'out.mp4');
    const progress: { loaded: number; total: number | undefined }[] = [];
    const result = await downloadToFile({ render }, job(`${origin}/cdn/out.mp4`, video.length), path, { onProgress: (p) => progress.push(p) });
    expect((await readFile(path)).equals(video)).toBe(true);
    expect(await readdir(dir)).toEqual(['out.mp4']);
    expect(result).toMatchObject({ path, bytes: video.length });
    expect(progress.at(-1)).toEqual({ loaded: video.length, total: video.length });
    expect(requests.map((r) => [r.url, r.headers.authorization])).toEqual([['/cdn/out.mp4', undefined]]);
  });

  test('leaves no file (and keeps an older one) when the download breaks off', async () => {
    handler = (req, res) => {
      if (req.url?.startsWith('/cdn/')) {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.length) });
        res.write(video.subarray(0, 1024 * 1024), () => res.destroy());
        return;
      }
      res.writeHead(500).end();
    };
    const { render } = client();
    const path = join(dir, 'out.mp4');
    await writeFile(path, 'older video');
    await expect(downloadToFile({ render }, job(`${origin}/cdn/out.mp4`), path)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['out.mp4']);
    expect(await readFile(path, 'utf8')).toBe('older video');
  });

  test('rejects with the signal’s reason when aborted, leaving nothing behind', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(video.subarray(0, 1024), () => controller.abort(reason));
    };
    const { render } = client();
    const path = join(dir, 'out.mp4');
    const error = await downloadToFile({ render }, job(`${origin}/cdn/out.mp4`), path, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(await readdir(dir)).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test.each([
    ['its parent is a file', 'ENOTDIR', async () => (await writeFile(join(dir, 'not-a-folder'), 'x'), join(dir, 'not-a-folder', 'out.mp4'))],
    ['its folder is missing', 'ENOENT', async () => join(dir, 'missing', 'out.mp4')],
  ])('opens no connection when the file cannot be created because %s', async (_, code, target) => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(video);
    };
    const path = await target();
    const before = await readdir(dir);
    const error = await downloadToFile(client(), job(`${origin}/cdn/out.mp4`), path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect(requests).toEqual([]);
    expect(await readdir(dir)).toEqual(before);
  });

  test('follows the link the API download answers with, once, and writes the video', async () => {
    handler = (req, res) => {
      if (req.url === '/api/render/proxy/render_7/download') return json(res, { code: 0, data: { url: `${origin}/signed/out.mp4?sig=s3cr3t` } });
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(video);
    };
    const path = join(dir, 'out.mp4');
    const result = await downloadToFile(client(), { id: 'render_7', status: 'completed', raw: {} }, path);
    expect((await readFile(path)).equals(video)).toBe(true);
    expect(result.bytes).toBe(video.length);
    expect(await readdir(dir)).toEqual(['out.mp4']);
    expect(requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/api/render/proxy/render_7/download', 'Bearer nmv_usr_test1234'],
      ['/signed/out.mp4?sig=s3cr3t', undefined],
    ]);
  });

  test.each([
    ['an HTML page', ResponseValidationError, (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>'), 2],
    ['a link that answers JSON again', ResponseValidationError, (res: ServerResponse) => json(res, { code: 0, data: { url: `${origin}/again.json` } }), 3],
    ['an envelope error', SessionNotFoundError, (res: ServerResponse) => json(res, { code: 1002, message: 'session expired' }), 2],
  ])('writes nothing when the API download answers %s: a typed error, the older file kept', async (_, type, answer, calls) => {
    handler = (req, res) => {
      if (req.url === '/cdn/out.mp4') return res.writeHead(404).end(); // output.url fails: the API download is asked
      if (req.url === '/again.json') return json(res, { code: 0, data: { url: `${origin}/again.json` } });
      answer(res);
    };
    const path = join(dir, 'out.mp4');
    await writeFile(path, 'older video');
    const error = await downloadToFile(client(), job(`${origin}/cdn/out.mp4`), path, { sessionId: 'sess-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ sessionId: 'sess-1' });
    expect(requests).toHaveLength(calls);
    expect(await readdir(dir)).toEqual(['out.mp4']);
    expect(await readFile(path, 'utf8')).toBe('older video');
  });

  test('leaves nothing listening on the caller’s signal, however the downloads end', async () => {
    handler = (req, res) => {
      if (req.url === '/gone.mp4') return res.writeHead(404).end();
      if (req.url === '/api/render/proxy/render_7/download') return json(res, { code: 0, data: { url: `${origin}/linked.mp4` } });
      if (req.url === '/page.mp4') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(video);
    };
    const { signal } = new AbortController();
    for (let i = 0; i < 12; i++) await downloadToFile(client(), job(`${origin}/cdn/out.mp4`), join(dir, `ok-${i}.mp4`), { signal });
    await downloadToFile(client(), job(`${origin}/gone.mp4`), join(dir, 'fallback.mp4'), { signal });
    await writeFile(join(dir, 'file'), '');
    await expect(downloadToFile(client(), job(`${origin}/cdn/out.mp4`), join(dir, 'file', 'x.mp4'), { signal })).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(requests.filter((r) => r.url === '/cdn/out.mp4')).toHaveLength(12);
    expect(requests.filter((r) => r.url === '/linked.mp4')).toHaveLength(1);
  });
});

describe('render.download over real sockets', () => {
  const job = (url: string): RenderJob => ({ id: 'render_7', status: 'completed', output: { url }, raw: {} });
  const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

  test('a cancelled or broken stream leaves nothing listening on the caller’s signal', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000000' });
      if (req.url === '/broken.mp4') res.write(Buffer.alloc(1024), () => res.destroy());
      else res.write(Buffer.alloc(1024));
    };
    const { render } = client();
    const { signal } = new AbortController();
    const stream = await render.download(job(`${origin}/held.mp4`), { signal });
    expect(listeners(signal)).toBe(1); // the body still answers to the signal while it flows
    await stream.cancel('not needed');
    expect(listeners(signal)).toBe(0);
    const broken = await render.download(job(`${origin}/broken.mp4`), { signal });
    await expect(new Response(broken).arrayBuffer()).rejects.toThrow();
    expect(listeners(signal)).toBe(0);
  });

  test('an abort while the body flows errors the stream with the signal’s reason', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write('some bytes');
    };
    const controller = new AbortController();
    const reader = (await client().render.download(job(`${origin}/held.mp4`), { signal: controller.signal })).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('some bytes');
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    expect(listeners(controller.signal)).toBe(0);
  });
});
