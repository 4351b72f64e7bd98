import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { describe, expect, test, vi } from 'vitest';
import { APIError, FileTooLargeError, InvalidArgumentError, NemoVideo, TimeoutError, UnsupportedFileTypeError } from '../../src/index.js';
import { supportedExtensions } from '../../src/core/error-map.js';
import { NemoVideoCore, Uploads, type UploadInput, type UploadProgress } from '../../src/index.js';
import { fileFromPath } from '../../src/node/index.js';
import { base, fail, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const token = 'nmv_usr_test1234';
const path = '/api/upload-video/nemo_agent/me/sess-1';
const url = `${base}${path}`;
const uploads = (o: ConstructorParameters<typeof NemoVideo>[0] = {}) => new Uploads(new NemoVideoCore({ token, baseURL: base, ...o }));
const MB = 1024 * 1024;

interface SeenPart {
  name: string;
  filename: string;
  type: string;
  text: string;
}

/** Answers like the backend and records the multipart parts it received. */
function acceptFiles(parts: SeenPart[] = []) {
  api.use(
    http.post(url, async ({ request }) => {
      const form = await request.formData();
      for (const [name, value] of form.entries()) {
        const file = value as File;
        parts.push({ name, filename: file.name, type: file.type, text: await file.text() });
      }
      return ok({
        files: parts.map((p) => ({ filename: p.filename, file_type: 'video', cdn_url: `https://cdn.test/${p.filename}`, duration: '30.5', width: 1920, height: 1080, extra: 'kept' })),
        session_state_applied: true,
      });
    }),
  );
  return parts;
}

/** A stream of `n` bytes of `fill`, recording whether it was cancelled. */
function byteStream(n: number, fill = 97, chunk = 64 * 1024) {
  const state = { cancelled: false as unknown, pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (state.pulled >= n) return c.close();
      const size = Math.min(chunk, n - state.pulled);
      state.pulled += size;
      c.enqueue(new Uint8Array(size).fill(fill));
    },
    cancel(reason) {
      state.cancelled = reason ?? true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

describe('uploads.create (files)', () => {
  test('sends one multipart request with a part named files per file, and decodes the answer', async () => {
    const parts = acceptFiles();
    const result = await uploads().create('sess-1', {
      files: [new File(['first clip'], 'clip.mp4', { type: 'video/mp4' }), { data: new TextEncoder().encode('second'), name: 'song.mp3' }],
    });
    expect(api.seen).toHaveLength(1);
    const [seen] = api.seen;
    expect(seen!.method).toBe('POST');
    expect(seen!.path).toBe(path);
    expect(seen!.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen!.headers['x-skill-source']).toBe('video-generator-generator');
    const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(seen!.headers['content-type'] ?? '')?.[1];
    expect(boundary).toMatch(/^----nemovideo[0-9a-f]{24}$/);
    expect(Number(seen!.headers['content-length'])).toBe(new TextEncoder().encode(seen!.body).byteLength);
    expect(seen!.body.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
    expect(parts).toEqual([
      { name: 'files', filename: 'clip.mp4', type: 'video/mp4', text: 'first clip' },
      { name: 'files', filename: 'song.mp3', type: 'audio/mpeg', text: 'second' },
    ]);
    expect(result.sessionStateApplied).toBe(true);
    expect(result.files[0]).toEqual({
      filename: 'clip.mp4',
      fileType: 'video',
      cdnUrl: 'https://cdn.test/clip.mp4',
      duration: 30.5,
      width: 1920,
      height: 1080,
      raw: expect.objectContaining({ extra: 'kept', cdn_url: 'https://cdn.test/clip.mp4' }),
    });
  });

  test('streams a ReadableStream input, with a content-length only when its size is declared', async () => {
    const parts = acceptFiles();
    const sized = byteStream(200_000);
    await uploads().create('sess-1', { files: [{ data: sized.stream, name: 'a.webm', size: 200_000 }] });
    const unsized = byteStream(1000, 98);
    await uploads().create('sess-1', { files: [{ data: unsized.stream, name: 'b.wav', type: 'audio/x-wav' }] });
    expect(parts.map((p) => [p.filename, p.type, p.text.length, p.text[0]])).toEqual([
      ['a.webm', 'video/webm', 200_000, 'a'],
      ['b.wav', 'audio/x-wav', 1000, 'b'],
    ]);
    expect(api.seen[0]!.headers['content-length']).toBe(String(new TextEncoder().encode(api.seen[0]!.body).byteLength));
    expect(api.seen[1]!.headers['content-length']).toBeUndefined();
  });

  test('escapes quotes and line breaks in file names as browsers do', async () => {
    const parts = acceptFiles();
    await uploads().create('sess-1', { files: [{ data: new Uint8Array([1]), name: 'my "best"\nshot.mov' }] });
    expect(api.seen[0]!.body).toContain('filename="my %22best%22%0Ashot.mov"');
    expect(parts[0]!.type).toBe('video/quicktime');
  });

  test('accepts a name without extension when the MIME type is accepted, and names a bare Blob after its type', async () => {
    const parts = acceptFiles();
    await uploads().create('sess-1', { files: [{ data: new Uint8Array([1]), name: 'clip', type: 'video/mp4' }, new Blob(['x'], { type: 'image/png' })] });
    expect(parts.map((p) => [p.filename, p.type])).toEqual([
      ['clip', 'video/mp4'],
      ['upload.png', 'image/png'],
    ]);
  });

  test('reports progress from 0 to the total, at least every 1 MiB', async () => {
    acceptFiles();
    const events: UploadProgress[] = [];
    await uploads().create('sess-1', { files: [{ data: new Uint8Array(5 * MB + 123), name: 'big.mp4' }] }, { onProgress: (p) => events.push(p) });
    expect(events[0]).toEqual({ loaded: 0, total: 5 * MB + 123 });
    expect(events.at(-1)).toEqual({ loaded: 5 * MB + 123, total: 5 * MB + 123 });
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.loaded - events[i - 1]!.loaded).toBeGreaterThan(0);
      expect(events[i]!.loaded - events[i - 1]!.loaded).toBeLessThanOrEqual(MB);
    }
  });

  test('sends an upload exactly once when the server answers 500', async () => {
    api.use(http.post(url, () => HttpResponse.json({ message: 'boom' }, { status: 500 })));
    const error = await uploads().create('sess-1', { files: [new File(['x'], 'a.mp4')] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 500, sessionId: 'sess-1' });
    expect(api.count(path)).toBe(1);
  });

  test('a file upload refused with 429 is sent once more with the same bytes, then RateLimitError', async () => {
    const bodies: string[] = [];
    api.use(
      http.post(url, async ({ request }) => {
        bodies.push(await request.text());
        return HttpResponse.json({ message: 'slow down' }, { status: 429, headers: { 'retry-after': '0' } });
      }),
    );
    const error = await uploads().create('sess-1', { files: [new File(['hello'], 'a.mp4')] }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('RateLimitError');
    expect(api.count(path)).toBe(2);
    const unbound = (b: string | undefined) => b?.replace(/-+nemovideo[0-9a-f]+/g, '--B');
    expect(unbound(bodies[1])).toBe(unbound(bodies[0]));
    expect(bodies[0]).toContain('hello');
  });

  test('a one-shot stream is never re-sent, even after a 429', async () => {
    api.use(http.post(url, () => HttpResponse.json({ message: 'slow down' }, { status: 429, headers: { 'retry-after': '0' } })));
    const error = await uploads()
      .create('sess-1', { files: [{ data: byteStream(1024).stream, name: 'a.mp4', size: 1024 }] })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('RateLimitError');
    expect(api.count(path)).toBe(1);
  });

  test.each([
    [4001, 'Unsupported file type', UnsupportedFileTypeError, { supportedFormats: supportedExtensions }],
    [4002, 'File too large', FileTooLargeError, { maxBytes: 500 * MB }],
  ] as const)('maps the server’s %i to its class', async (code, message, ErrorClass, fields) => {
    api.use(http.post(url, () => fail(code, message)));
    const error = await uploads().create('sess-1', { files: [new File(['x'], 'a.mp4')] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ code, sessionId: 'sess-1', retryable: false, ...fields });
  });

  test('rejects with the signal’s reason when aborted mid-upload, and cancels the source', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const source = byteStream(50 * MB);
    api.use(
      http.post(url, async ({ request }) => {
        const reader = request.body!.getReader();
        await reader.read();
        controller.abort(reason);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return ok({ files: [] });
      }),
    );
    const error = await uploads()
      .create('sess-1', { files: [{ data: source.stream, name: 'long.mp4', size: 50 * MB }] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(source.state.cancelled).toBe(reason);
  });
});

describe('uploads.create (limits while streaming)', () => {
  test('counts a stream of undeclared size and stops it past 500 MB', async () => {
    let received = 0;
    // An injected fetch that drains the body as a server would (msw would keep a copy of it).
    const drain = async (input: RequestInfo | URL) => {
      for await (const chunk of (input as Request).body!) received += chunk.byteLength;
      return Response.json({ code: 0, data: { files: [] } });
    };
    const zeros = new Uint8Array(MB);
    let pulled = 0;
    let cancelled: unknown;
    const endless = new ReadableStream<Uint8Array>({
      pull: (c) => {
        pulled += MB;
        c.enqueue(zeros);
      },
      cancel: (reason) => {
        cancelled = reason;
      },
    }, { highWaterMark: 0 });
    const error = await uploads({ fetch: drain }).create('sess-1', { files: [{ data: endless, name: 'live.mp4' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect(error).toMatchObject({ maxBytes: 500 * MB, sessionId: 'sess-1' });
    expect(cancelled).toBe(error);
    expect(pulled).toBe(501 * MB);
    expect(received).toBeLessThanOrEqual(500 * MB + 1000);
  });

  test('a source that fails while sending rejects the upload with its own error and cancels the other sources', async () => {
    let received = 0;
    const drain = async (input: RequestInfo | URL) => {
      for await (const chunk of (input as Request).body!) received += chunk.byteLength;
      return Response.json({ code: 0, data: { files: [] } });
    };
    const broken = new Error('disk gone');
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull: (c) => (sent++ < 3 ? c.enqueue(new Uint8Array(1024).fill(1)) : c.error(broken)),
    }, { highWaterMark: 0 });
    const next = byteStream(MB);
    const error = await uploads({ fetch: drain })
      .create('sess-1', { files: [{ data: failing, name: 'a.mp4', size: 10 * 1024 }, { data: next.stream, name: 'b.mp4', size: MB }] })
      .catch((e: unknown) => e);
    expect(error).toBe(broken);
    expect(next.state.cancelled).toBe(broken);
    expect(next.state.pulled).toBe(0);
    expect(received).toBeLessThan(10 * 1024);
  });

  test('gives up with TimeoutError after uploadTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let answer: ((r: Response) => void) | undefined;
      const hang = (_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((resolve, reject) => {
          answer = resolve;
          const signal = (init?.signal ?? (_input as Request).signal)!;
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      const pending = uploads({ fetch: hang }).create('sess-1', { files: [new File(['x'], 'a.mp4')] }, { uploadTimeoutMs: 5_000 }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(4_999);
      expect(answer).toBeDefined();
      await vi.advanceTimersByTimeAsync(1);
      const error = await pending;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ sessionId: 'sess-1', retryable: true });
      expect((error as Error).message).toMatch(/uploadTimeoutMs/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('uploads.create (browsers)', () => {
  test('sends one Blob body where fetch cannot stream uploads, reporting the start and the end', async () => {
    vi.stubGlobal('document', {});
    try {
      const parts = acceptFiles();
      const events: UploadProgress[] = [];
      await uploads().create('sess-1', { files: [new File(['from disk'], 'a.mp4', { type: 'video/mp4' }), { data: new Uint8Array([65, 66]), name: 'b.png' }] }, { onProgress: (p) => events.push(p) });
      expect(parts).toEqual([
        { name: 'files', filename: 'a.mp4', type: 'video/mp4', text: 'from disk' },
        { name: 'files', filename: 'b.png', type: 'image/png', text: 'AB' },
      ]);
      expect(api.seen[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=----nemovideo/);
      expect(events).toEqual([{ loaded: 0, total: 11 }, { loaded: 11, total: 11 }]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  test('rejects a ReadableStream input there, sending nothing', async () => {
    vi.stubGlobal('document', {});
    try {
      const error = await uploads().create('sess-1', { files: [{ data: byteStream(10).stream, name: 'a.mp4', size: 10 }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/Blob or File/);
      expect(api.seen).toHaveLength(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('uploads.create (urls)', () => {
  test('sends the URLs as JSON with source_type url', async () => {
    api.use(http.post(url, () => ok({ files: [{ filename: 'v.mp4', file_type: 'video', cdn_url: 'https://cdn.test/v.mp4' }], session_state_applied: true })));
    const result = await uploads().create('sess-1', { urls: ['https://example.com/v.mp4', 'http://example.com/a.mp3'] });
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(api.seen[0]!.body)).toEqual({ urls: ['https://example.com/v.mp4', 'http://example.com/a.mp3'], source_type: 'url' });
    expect(result.files.map((f) => f.cdnUrl)).toEqual(['https://cdn.test/v.mp4']);
  });

  test('is not retried on 500', async () => {
    api.use(http.post(url, () => HttpResponse.json({ message: 'boom' }, { status: 503 })));
    const error = await uploads().create('sess-1', { urls: ['https://example.com/v.mp4'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(api.count(path)).toBe(1);
  });
});

describe('uploads.create (checks before sending)', () => {
  const over = { data: new ReadableStream<Uint8Array>(), name: 'huge.mp4', size: 501 * MB };
  test.each<[string, unknown, { files?: UploadInput[]; urls?: string[] }, abstract new (...args: never[]) => Error, Record<string, unknown>]>([
    ['a 501 MB declared size', 'sess-1', { files: [over] }, FileTooLargeError, { maxBytes: 500 * MB, code: 4002 }],
    ['an .exe', 'sess-1', { files: [new File(['MZ'], 'setup.exe')] }, UnsupportedFileTypeError, { supportedFormats: supportedExtensions }],
    ['an .exe sent as video/mp4', 'sess-1', { files: [{ data: new Uint8Array(1), name: 'setup.exe', type: 'video/mp4' }] }, UnsupportedFileTypeError, {}],
    ['a bare Blob of no accepted type', 'sess-1', { files: [new Blob(['x'], { type: 'text/plain' })] }, UnsupportedFileTypeError, {}],
    ['a file without a name', 'sess-1', { files: [{ data: new Uint8Array(1), name: '' }] }, InvalidArgumentError, {}],
    ['data of the wrong kind', 'sess-1', { files: [{ data: 'text' as never, name: 'a.mp4' }] }, InvalidArgumentError, {}],
    ['files and URLs together', 'sess-1', { files: [new File(['x'], 'a.mp4')], urls: ['https://e.com/a.mp4'] }, InvalidArgumentError, {}],
    ['nothing at all', 'sess-1', { files: [], urls: [] }, InvalidArgumentError, {}],
    ['an ftp URL', 'sess-1', { urls: ['ftp://example.com/a.mp4'] }, InvalidArgumentError, {}],
    ['a relative URL', 'sess-1', { urls: ['/a.mp4'] }, InvalidArgumentError, {}],
    ['an empty session id', '', { urls: ['https://example.com/a.mp4'] }, InvalidArgumentError, {}],
  ])('rejects %s with zero requests sent', async (_, sessionId, params, ErrorClass, fields) => {
    const error = await uploads().create(sessionId as string, params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject(fields);
    expect(api.seen).toHaveLength(0);
  });

  test('says which formats are accepted', async () => {
    const error = (await uploads().create('sess-1', { files: [new File(['MZ'], 'setup.exe')] }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('"setup.exe"');
    expect(error.message).toContain('mp4, mov, avi, webm, mkv, jpg, jpeg, png, gif, webp, mp3, wav, m4a, aac');
    expect(api.seen).toHaveLength(0);
  });

  test('stops a stream that gives fewer bytes than its declared size', async () => {
    api.use(http.post(url, async ({ request }) => ok({ bytes: await request.arrayBuffer().catch(() => 'cut') })));
    const error = await uploads().create('sess-1', { files: [{ data: byteStream(10).stream, name: 'a.mp4', size: 20 }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/gave 10 bytes but its declared size is 20/);
  });
});

describe('uploads.create (empty files and unsupported types)', () => {
  const empty = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  test.each<[string, UploadInput]>([
    ['an empty File', new File([], 'empty.mp4')],
    ['an empty Blob', new Blob([], { type: 'video/mp4' })],
    ['empty bytes', { data: new Uint8Array(0), name: 'empty.mp4' }],
    ['a stream declared 0 bytes', { data: byteStream(10).stream, name: 'empty.mp4', size: 0 }],
    ['a stream of unknown size that ends at once', { data: empty(), name: 'empty.mp4' }],
    ['a stream of unknown size giving only empty chunks', { data: new ReadableStream({ start: (c) => { c.enqueue(new Uint8Array(0)); c.enqueue(new Uint8Array(0)); c.close(); } }), name: 'empty.mp4' }],
  ])('refuses %s with InvalidArgumentError and sends nothing', async (_, input) => {
    const error = await uploads().create('sess-1', { files: [new File(['ok'], 'fine.mp4'), input] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ sessionId: 'sess-1' });
    expect((error as Error).message).toMatch(/^files\[1\] \("(empty\.mp4|upload\.mp4)"\) is empty: 0 bytes\./);
    expect(api.seen).toHaveLength(0);
  });

  test('an empty stream cancels the other streams already read, and sends nothing', async () => {
    const first = byteStream(100);
    const later = byteStream(100);
    const error = await uploads()
      .create('sess-1', { files: [{ data: first.stream, name: 'a.mp4' }, { data: empty(), name: 'b.mp4' }, { data: later.stream, name: 'c.mp4' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain('files[1] ("b.mp4") is empty');
    expect(first.state.cancelled).toBe(error);
    expect(later.state.cancelled).toBe(error);
    expect(api.seen).toHaveLength(0);
  });

  test('a stream of unknown size is sent whole after its first chunk was read ahead', async () => {
    const parts = acceptFiles();
    const chunks = ['', 'first ', '', 'second ', 'third'];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    }, { highWaterMark: 0 });
    await uploads().create('sess-1', { files: [{ data: stream, name: 'a.mp3' }] });
    expect(parts.map((p) => p.text)).toEqual(['first second third']);
    expect(api.seen).toHaveLength(1);
  });

  test('a stream that never gives its first chunk is stopped by uploadTimeoutMs before any request', async () => {
    let cancelled: unknown;
    const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}), cancel: (r) => void (cancelled = r) });
    const error = await uploads().create('sess-1', { files: [{ data: silent, name: 'a.mp4' }] }, { uploadTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(cancelled).toBe(error);
    expect(api.seen).toHaveLength(0);
  });

  test('an abort while reading ahead rejects with its reason and sends nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    setTimeout(() => controller.abort(reason), 20);
    const error = await uploads().create('sess-1', { files: [{ data: silent, name: 'a.mp4' }] }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(api.seen).toHaveLength(0);
  });

  test('a .pdf is refused with UnsupportedFileTypeError and nothing is sent', async () => {
    const error = await uploads().create('sess-1', { files: [new File(['%PDF-1.7'], 'brief.pdf', { type: 'application/pdf' })] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFileTypeError);
    expect((error as Error).message).toContain('"brief.pdf"');
    expect(api.seen).toHaveLength(0);
  });

  test('files from disk: an empty file and a .pdf are refused before sending', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nemovideo-uploads-'));
    try {
      await writeFile(join(dir, 'empty.mp4'), '');
      await writeFile(join(dir, 'brief.pdf'), '%PDF-1.7');
      const emptyFile = await uploads().create('sess-1', { files: [await fileFromPath(join(dir, 'empty.mp4'))] }).catch((e: unknown) => e);
      expect(emptyFile).toBeInstanceOf(InvalidArgumentError);
      expect((emptyFile as Error).message).toContain('files[0] ("empty.mp4") is empty: 0 bytes.');
      const pdf = await uploads().create('sess-1', { files: [await fileFromPath(join(dir, 'brief.pdf'))] }).catch((e: unknown) => e);
      expect(pdf).toBeInstanceOf(UnsupportedFileTypeError);
      expect(api.seen).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
