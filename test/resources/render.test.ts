import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  APIError,
  ExportBlockedError,
  NemoVideo,
  NothingToExportError,
  RenderFailedError,
  RenderTimeoutError,
} from '../../src/index.js';
import { decodeDraft } from '../../src/decoders/draft.js';
import { NemoVideoCore, Render, type RenderJob } from '../../src/index.js';
import { base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const token = 'nmv_usr_test1234';
const submitPath = '/api/render/proxy/lambda';
const pollUrl = `${base}${submitPath}/:id`;
const statePath = '/api/state/nemo_agent/me/sess-1/latest';
const draft = { t: [{ tt: 0, sg: [{ st: 0, d: 4000, m: { name: 'intro' }, zz: [1, { deep: true }] }], future: 'kept' }], v: 3, unknownTop: { a: null } };

function setup(o: ConstructorParameters<typeof NemoVideo>[0] = {}) {
  const nemo = new NemoVideoCore({ token, baseURL: base, ...o });
  return new Render(nemo);
}

const bodies = () => api.seen.filter((s) => s.method === 'POST' && s.path === submitPath).map((s) => JSON.parse(s.body) as Record<string, unknown>);
const acceptSubmits = () => api.use(http.post(`${base}${submitPath}`, () => ok({})));
/** Answers polls with the given statuses in turn (the last one repeats). */
function pollStatuses(...statuses: (string | Record<string, unknown>)[]) {
  let n = 0;
  api.use(
    http.get(pollUrl, ({ params }) => {
      const s = statuses[Math.min(n++, statuses.length - 1)]!;
      const body = typeof s === 'string' ? { taskId: params.id, status: s, progress: n * 10 } : { taskId: params.id, ...s };
      return HttpResponse.json(body);
    }),
  );
}
const polls = () => api.seen.filter((s) => s.method === 'GET' && s.path.startsWith(`${submitPath}/`));

afterEach(() => {
  vi.useRealTimers();
});

describe('render.create', () => {
  test('sends the draft as received (unknown keys kept), sessionId in camelCase, and default output', async () => {
    api.use(http.post(`${base}${submitPath}`, () => ok({ taskId: 'ignored', status: 'queued' })));
    const render = setup();
    const job = await render.create({ sessionId: 'sess-1', draft: decodeDraft(draft) });
    await render.create({ sessionId: 'sess-1', draft, id: 'render_own', format: 'mp4', quality: 'high' });
    const [first, second] = bodies();
    expect(first).toEqual({ id: expect.stringMatching(/^render_\d{13}_[0-9a-f]{12}$/), sessionId: 'sess-1', draft, output: { format: 'mp4', quality: 'high' } });
    expect(Object.keys(first!)).toEqual(['id', 'sessionId', 'draft', 'output']);
    expect(second).toEqual({ id: 'render_own', sessionId: 'sess-1', draft, output: { format: 'mp4', quality: 'high' } });
    expect(api.seen[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(api.seen[0]!.headers['content-type']).toBe('application/json');
    expect(job).toMatchObject({ id: first!.id, status: 'pending' });
  });

  test('gives every submission a new id', async () => {
    acceptSubmits();
    const render = setup();
    const jobs = await Promise.all(Array.from({ length: 20 }, () => render.create({ sessionId: 'sess-1', draft })));
    const ids = bodies().map((b) => b.id);
    expect(new Set(ids).size).toBe(20);
    expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
  });

  test('is not retried on 500', async () => {
    api.use(http.post(`${base}${submitPath}`, () => HttpResponse.json({ message: 'boom' }, { status: 500 })));
    const error = await setup().create({ sessionId: 'sess-1', draft }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 500, sessionId: 'sess-1' });
    expect(api.count(submitPath)).toBe(1);
  });

  test.each([402, 403])('turns a %i on submit into ExportBlockedError', async (status) => {
    api.use(http.post(`${base}${submitPath}`, () => HttpResponse.json({ message: 'free plan' }, { status })));
    const error = await setup().create({ sessionId: 'sess-1', draft }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportBlockedError);
    expect(error).toMatchObject({ status, sessionId: 'sess-1', retryable: false });
  });
});

describe('render.retrieve', () => {
  test.each([
    ['top level', (id: string) => HttpResponse.json({ taskId: id, status: 'completed', progress: 100, output: { url: 'https://cdn.test/v.mp4', duration: 30.5, size: '15728640' } })],
    ['enveloped', (id: string) => ok({ taskId: id, status: 'completed', progress: 100, output: { url: 'https://cdn.test/v.mp4', duration: 30.5, size: 15728640 } })],
  ])('reads a %s answer', async (_, answer) => {
    api.use(http.get(pollUrl, ({ params }) => answer(String(params.id))));
    const job = await setup().retrieve('render_1_abc');
    expect(api.seen[0]!.path).toBe('/api/render/proxy/lambda/render_1_abc');
    expect(job).toMatchObject({ id: 'render_1_abc', status: 'completed', progress: 100, output: { url: 'https://cdn.test/v.mp4', duration: 30.5, size: 15728640 } });
  });

  test.each([
    ['queued', 'pending'],
    ['RUNNING', 'processing'],
    ['succeeded', 'completed'],
    ['error', 'failed'],
    ['something_new', 'processing'],
  ])('reads status %s as %s, keeping the wire value on raw', async (wire, status) => {
    api.use(http.get(pollUrl, () => HttpResponse.json({ status: wire })));
    const job = await setup().retrieve('render_x');
    expect(job.status).toBe(status);
    expect(job.raw).toEqual({ status: wire });
  });
});

describe('render.wait', () => {
  test('polls now, then every intervalMs, until completed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    pollStatuses('pending', 'processing', { status: 'completed', output: { url: 'https://cdn.test/v.mp4' } });
    const seen: RenderJob[] = [];
    const pending = setup().wait('render_1', { onProgress: (j) => seen.push(j) });
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(polls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_001);
    const job = await pending;
    expect(polls()).toHaveLength(3);
    expect(job).toMatchObject({ id: 'render_1', status: 'completed', output: { url: 'https://cdn.test/v.mp4' } });
    expect(seen.map((j) => j.status)).toEqual(['pending', 'processing', 'completed']);
  });

  test('throws RenderTimeoutError naming the job after maxPolls', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    pollStatuses('processing');
    const pending = setup().wait('render_slow', { intervalMs: 1000, maxPolls: 4, sessionId: 'sess-1' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await pending;
    expect(error).toBeInstanceOf(RenderTimeoutError);
    expect(error).toMatchObject({ renderId: 'render_slow', sessionId: 'sess-1', retryable: true });
    expect((error as Error).message).toContain('render.wait("render_slow")');
    expect(polls()).toHaveLength(4);
  });

  test('throws RenderFailedError naming the job when it fails', async () => {
    pollStatuses({ status: 'failed', error: 'codec exploded' });
    const error = await setup().wait('render_bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderFailedError);
    expect(error).toMatchObject({ renderId: 'render_bad' });
    expect((error as Error).message).toContain('codec exploded');
  });

  test('rejects with the signal’s reason when aborted between polls', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    pollStatuses('processing');
    const controller = new AbortController();
    const pending = setup().wait('render_1', { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(polls()).toHaveLength(1);
  });
});

describe('render.export', () => {
  const withDraft = (d: unknown) => api.use(http.get(`${base}${statePath}`, () => ok({ session_id: 'sess-1', state: { draft: d } })));

  test('reads state, submits its draft and waits for the file', async () => {
    withDraft(draft);
    acceptSubmits();
    pollStatuses({ status: 'completed', output: { url: 'https://cdn.test/v.mp4' } });
    const job = await setup().export('sess-1', { intervalMs: 0 });
    expect(api.seen.map((s) => `${s.method} ${s.path}`)).toEqual([`GET ${statePath}`, `POST ${submitPath}`, `GET ${submitPath}/${job.id}`]);
    expect(bodies()[0]!.draft).toEqual(draft);
    expect(job.status).toBe('completed');
  });

  test('resubmits a failed render once with a new id, then throws RenderFailedError naming the second', async () => {
    withDraft(draft);
    acceptSubmits();
    pollStatuses('failed');
    const error = await setup().export('sess-1', { intervalMs: 0 }).catch((e: unknown) => e);
    const ids = bodies().map((b) => b.id as string);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(error).toBeInstanceOf(RenderFailedError);
    expect(error).toMatchObject({ renderId: ids[1], sessionId: 'sess-1' });
    expect(polls().map((p) => p.path)).toEqual(ids.map((id) => `${submitPath}/${id}`));
  });

  test('succeeds when the second render completes', async () => {
    withDraft(draft);
    acceptSubmits();
    pollStatuses('failed', 'completed');
    const job = await setup().export('sess-1', { intervalMs: 0 });
    expect(job).toMatchObject({ id: bodies()[1]!.id, status: 'completed' });
  });

  test('does not resubmit a render that timed out: it may still finish', async () => {
    withDraft(draft);
    acceptSubmits();
    pollStatuses('processing');
    const error = await setup().export('sess-1', { intervalMs: 0, maxPolls: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderTimeoutError);
    expect(error).toMatchObject({ renderId: bodies()[0]!.id, sessionId: 'sess-1' });
    expect(bodies()).toHaveLength(1);
  });

  test.each([
    ['an empty draft', { t: [] }],
    ['tracks without segments', { t: [{ tt: 0, sg: [] }] }],
    ['no draft', null],
  ])('throws NothingToExportError for %s, submitting nothing', async (_, d) => {
    withDraft(d);
    const error = await setup().export('sess-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NothingToExportError);
    expect(error).toMatchObject({ sessionId: 'sess-1' });
    expect(api.count(submitPath)).toBe(0);
  });
});

describe('render.download', () => {
  const completed = (url?: string): RenderJob => ({ id: 'render_9', status: 'completed', output: url ? { url } : undefined, raw: {} });
  const proxyPath = '/api/render/proxy/render_9/download';
  const read = async (s: ReadableStream<Uint8Array>) => new Response(s).text();

  test('streams output.url without the bearer token or custom headers', async () => {
    api.use(http.get('https://cdn.other.test/v.mp4', () => new HttpResponse('MP4 BYTES', { headers: { 'content-type': 'video/mp4' } })));
    const stream = await setup().download(completed('https://cdn.other.test/v.mp4?sig=secret'));
    expect(await read(stream)).toBe('MP4 BYTES');
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]!.headers.authorization).toBeUndefined();
    expect(api.seen[0]!.headers['x-skill-source']).toBeUndefined();
  });

  test.each([
    ['the url answers 404', () => new HttpResponse('gone', { status: 404 })],
    ['the url fails on the network', () => HttpResponse.error()],
  ])('falls back to the API download with bearer auth when %s', async (_, cdn) => {
    api.use(
      http.get('https://cdn.other.test/v.mp4', cdn),
      http.get(`${base}${proxyPath}`, () => new HttpResponse('PROXY BYTES', { headers: { 'content-type': 'video/mp4' } })),
    );
    const stream = await setup().download(completed('https://cdn.other.test/v.mp4'));
    expect(await read(stream)).toBe('PROXY BYTES');
    expect(api.seen.map((s) => s.path)).toEqual(['/v.mp4', proxyPath]);
    expect(api.seen[1]!.headers.authorization).toBe(`Bearer ${token}`);
  });

  test('retrieves the job first when given an id, and uses the API download when there is no url', async () => {
    api.use(
      http.get(pollUrl, () => HttpResponse.json({ taskId: 'render_9', status: 'completed' })),
      http.get(`${base}${proxyPath}`, () => new HttpResponse('PROXY BYTES', { headers: { 'content-type': 'video/mp4' } })),
    );
    const stream = await setup().download('render_9');
    expect(await read(stream)).toBe('PROXY BYTES');
    expect(api.seen.map((s) => s.path)).toEqual(['/api/render/proxy/lambda/render_9', proxyPath]);
  });

  test('maps a failing API download to its error', async () => {
    api.use(http.get(`${base}${proxyPath}`, () => HttpResponse.json({ message: 'no such render' }, { status: 404 })));
    const error = await setup().download(completed(), { sessionId: 'sess-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 404, sessionId: 'sess-1' });
  });
});
