import { getEventListeners } from 'node:events';
import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import {
  APIConnectionError,
  APIError,
  NemoVideoCore,
  Render,
  RenderFailedError,
  ResponseValidationError,
  SessionNotFoundError,
  type RenderJob,
} from '../../src/index.js';
import { base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const token = 'nmv_usr_test1234';
const proxyPath = '/api/render/proxy/render_9/download';
const statePath = '/api/state/nemo_agent/me/sess-1/latest';
const submitPath = '/api/render/proxy/lambda';
const cdn = 'https://cdn.other.test/v.mp4';
const signedLink = 'https://signed.other.test/file/render_9.mp4?sig=s3cr3t';

const setup = () => new Render(new NemoVideoCore({ token, baseURL: base }));
const completed = (url?: string): RenderJob => ({ id: 'render_9', status: 'completed', output: url ? { url } : undefined, raw: {} });
const read = (s: ReadableStream<Uint8Array>) => new Response(s).text();
const video = (text = 'MP4 BYTES') => new HttpResponse(text, { headers: { 'content-type': 'video/mp4' } });
const page = () => new HttpResponse('<!doctype html><title>Sign in</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
const paths = () => api.seen.map((s) => `${s.method} ${s.path}`);

describe('render.download: JSON and pages where the video is expected', () => {
  test('follows a link the API download answers with, once, without the bearer token', async () => {
    api.use(
      http.get(`${base}${proxyPath}`, () => ok({ url: signedLink })),
      http.get('https://signed.other.test/file/render_9.mp4', () => video('LINKED BYTES')),
    );
    const stream = await setup().download(completed());
    expect(await read(stream)).toBe('LINKED BYTES');
    expect(paths()).toEqual([`GET ${proxyPath}`, 'GET /file/render_9.mp4']);
    expect(api.seen[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(api.seen[1]!.headers.authorization).toBeUndefined();
    expect(api.seen[1]!.headers['x-skill-source']).toBeUndefined();
  });

  test('resolves a relative link against the API base and reads a top-level url too', async () => {
    api.use(
      http.get(`${base}${proxyPath}`, () => HttpResponse.json({ url: '/files/render_9.mp4' })),
      http.get(`${base}/files/render_9.mp4`, () => video('RELATIVE')),
    );
    expect(await read(await setup().download(completed()))).toBe('RELATIVE');
    expect(paths()).toEqual([`GET ${proxyPath}`, 'GET /files/render_9.mp4']);
  });

  test('a second JSON answer is a ResponseValidationError: the link is followed only once', async () => {
    api.use(
      http.get(`${base}${proxyPath}`, () => ok({ url: signedLink })),
      http.get('https://signed.other.test/file/render_9.mp4', () => ok({ url: signedLink })),
    );
    const error = await setup().download(completed(), { sessionId: 'sess-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ status: 200, sessionId: 'sess-1', retryable: false });
    expect((error as Error).message).toContain('followed only once');
    expect((error as Error).message).not.toContain('s3cr3t');
    expect(paths()).toEqual([`GET ${proxyPath}`, 'GET /file/render_9.mp4']);
  });

  test('JSON without a link is a ResponseValidationError', async () => {
    api.use(http.get(`${base}${proxyPath}`, () => ok({ status: 'ready' })));
    const error = await setup().download(completed()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ path: 'data.url', status: 200 });
  });

  test('an envelope error from the API download is its typed error, and nothing is followed', async () => {
    api.use(http.get(`${base}${proxyPath}`, () => HttpResponse.json({ code: 1002, message: 'session expired' })));
    const error = await setup().download(completed(), { sessionId: 'sess-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionNotFoundError);
    expect(error).toMatchObject({ code: 1002, sessionId: 'sess-1' });
    expect(paths()).toEqual([`GET ${proxyPath}`]);
  });

  test('an HTML page from the API download is a ResponseValidationError, never a video', async () => {
    api.use(http.get(`${base}${proxyPath}`, page));
    const error = await setup().download(completed()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('text/html');
  });

  test('a link answering a page or an error status is a typed error that names no secret', async () => {
    api.use(http.get(`${base}${proxyPath}`, () => ok({ download_url: signedLink })));
    api.use(http.get('https://signed.other.test/file/render_9.mp4', page));
    const htmlError = await setup().download(completed()).catch((e: unknown) => e);
    expect(htmlError).toBeInstanceOf(ResponseValidationError);
    api.use(http.get('https://signed.other.test/file/render_9.mp4', () => new HttpResponse('expired', { status: 403 })));
    const statusError = await setup().download(completed()).catch((e: unknown) => e);
    expect(statusError).toBeInstanceOf(APIError);
    expect(statusError).toMatchObject({ status: 403, retryable: false });
    api.use(http.get('https://signed.other.test/file/render_9.mp4', () => HttpResponse.error()));
    const networkError = await setup().download(completed()).catch((e: unknown) => e);
    expect(networkError).toBeInstanceOf(APIConnectionError);
    for (const e of [htmlError, statusError, networkError]) expect((e as Error).message).not.toContain('s3cr3t');
  });

  test('a page or JSON at output.url falls back to the API download', async () => {
    api.use(
      http.get(cdn, page),
      http.get(`${base}${proxyPath}`, () => video('PROXY BYTES')),
    );
    expect(await read(await setup().download(completed(cdn)))).toBe('PROXY BYTES');
    api.use(http.get(cdn, () => HttpResponse.json({ message: 'AccessDenied' })));
    expect(await read(await setup().download(completed(cdn)))).toBe('PROXY BYTES');
    expect(paths()).toEqual(['GET /v.mp4', `GET ${proxyPath}`, 'GET /v.mp4', `GET ${proxyPath}`]);
  });
});

describe('nothing stays listening on the caller’s signal', () => {
  test('after 12 downloads from output.url, through the fallback, through a link and failing', async () => {
    api.use(
      http.get(cdn, () => video()),
      http.get('https://cdn.other.test/gone.mp4', () => new HttpResponse('gone', { status: 404 })),
      http.get(`${base}${proxyPath}`, () => ok({ url: signedLink })),
      http.get('https://signed.other.test/file/render_9.mp4', () => video()),
      http.get('https://cdn.other.test/page.mp4', page),
      http.get(`${base}/api/render/proxy/render_html/download`, page),
    );
    const render = setup();
    const { signal } = new AbortController();
    for (let i = 0; i < 12; i++) expect(await read(await render.download(completed(cdn), { signal }))).toBe('MP4 BYTES');
    expect(listeners(signal)).toBe(0);
    for (let i = 0; i < 3; i++) expect(await read(await render.download(completed('https://cdn.other.test/gone.mp4'), { signal }))).toBe('MP4 BYTES');
    expect(listeners(signal)).toBe(0);
    const failing: RenderJob = { id: 'render_html', status: 'completed', output: { url: 'https://cdn.other.test/page.mp4' }, raw: {} };
    for (let i = 0; i < 3; i++) await expect(render.download(failing, { signal })).rejects.toBeInstanceOf(ResponseValidationError);
    expect(listeners(signal)).toBe(0);
    expect(api.seen.filter((s) => s.path === '/v.mp4')).toHaveLength(12);
  });

  test('after exports that poll, resubmit and wait', async () => {
    const draft = { t: [{ tt: 0, sg: [{ st: 0, d: 4000 }] }] };
    let polls = 0;
    api.use(
      http.get(`${base}${statePath}`, () => ok({ session_id: 'sess-1', state: { draft } })),
      http.post(`${base}${submitPath}`, () => ok({ status: 'queued' })),
      // Per export: processing, failed, processing, completed (the second render completes).
      http.get(`${base}${submitPath}/:id`, ({ params }) => {
        const status = ['processing', 'failed', 'processing', 'completed'][polls++ % 4];
        return HttpResponse.json({ taskId: params.id, status, output: status === 'completed' ? { url: cdn } : undefined });
      }),
    );
    const render = setup();
    const { signal } = new AbortController();
    for (let i = 0; i < 5; i++) expect(await render.export('sess-1', { intervalMs: 1, signal })).toMatchObject({ status: 'completed' });
    expect(listeners(signal)).toBe(0);
    expect(api.seen.filter((s) => s.method === 'POST')).toHaveLength(10);
    polls = 1; // the next poll answers failed, and so does the resubmitted job's
    api.use(http.get(`${base}${submitPath}/:id`, ({ params }) => HttpResponse.json({ taskId: params.id, status: 'failed' })));
    await expect(render.export('sess-1', { intervalMs: 1, signal })).rejects.toBeInstanceOf(RenderFailedError);
    expect(listeners(signal)).toBe(0);
  });
});
