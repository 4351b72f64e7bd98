import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { NemoVideo, RateLimitError, SessionNotFoundError, StreamInterruptedError, APIError, decodeDraft } from '../../src/index.js';
import { anonymousTokens, base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
const fixture = (name: string) => readFileSync(new URL(`../fixtures/adk-sse/${name}`, import.meta.url), 'utf8');
const sse = (body: string) => new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
const client = () => new NemoVideo({ token: 'nmv_usr_chattest1234', baseURL: base });
const runs = () => api.count('/run_sse');

describe('chat.send', () => {
  test('posts the ADK run request exactly as docs/protocol.md gives it, and streams typed events', async () => {
    api.use(http.post(`${base}/run_sse`, () => sse(fixture('tool_then_text.nostream.sse'))));
    const stream = client().chat.send('sess-1', 'add music');
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['tool_call', 'tool_result', 'text']);
    const result = await stream.finalResult();
    expect(result.silent).toBe(false);
    expect(result.toolCalls).toHaveLength(1);
    const [req] = api.seen;
    expect(JSON.parse(req!.body)).toEqual({ app_name: 'nemo_agent', user_id: 'me', session_id: 'sess-1', new_message: { parts: [{ text: 'add music' }] } });
    expect(req!.headers.accept).toBe('text/event-stream');
    expect(req!.headers['content-type']).toMatch(/application\/json/);
    expect(req!.headers.authorization).toBe('Bearer nmv_usr_chattest1234');
    expect(req!.headers['x-skill-source']).toBe('video-generator-generator');
  });

  test('partialText adds "streaming": true; the final text replaces the deltas', async () => {
    api.use(http.post(`${base}/run_sse`, () => sse(fixture('text_stream.sse'))));
    const stream = client().chat.send('s', 'hi', { partialText: true });
    const partials: string[] = [];
    for await (const e of stream) if (e.type === 'text' && e.partial) partials.push(e.text);
    const { text } = await stream.finalResult();
    expect(partials.length).toBeGreaterThan(1);
    expect(text).toBe(partials.join(''));
    expect(JSON.parse(api.seen[0]!.body).streaming).toBe(true);
  });

  test("the client's request timeout does not cut a long stream", async () => {
    const enc = new TextEncoder();
    const frames = fixture('text_stream.nostream.sse');
    api.use(
      http.post(`${base}/run_sse`, () => {
        const body = new ReadableStream<Uint8Array>({
          async start(c) {
            // Headers at once, then 400 ms of heartbeats before the answer: 4x the client's timeout.
            for (let i = 0; i < 8; i++) {
              c.enqueue(enc.encode(': ping\n\n'));
              await new Promise((r) => setTimeout(r, 50));
            }
            c.enqueue(enc.encode(frames));
            c.close();
          },
        });
        return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
      }),
    );
    const nemo = new NemoVideo({ token: 'nmv_usr_chattest1234', baseURL: base, timeout: 100, maxRetries: 0 });
    const stream = nemo.chat.send('s', 'hi');
    let heartbeats = 0;
    for await (const e of stream) if (e.type === 'heartbeat') heartbeats++;
    const { text } = await stream.finalResult();
    expect(heartbeats).toBe(8);
    expect(text.length).toBeGreaterThan(0);
    expect(runs()).toBe(1);
  });

  test('rejects bad input before sending anything', async () => {
    const nemo = client();
    expect(() => nemo.chat.send('', 'x')).toThrow(/sessionId/);
    expect(() => nemo.chat.send('s', '  ')).toThrow(/text/);
    expect(() => nemo.chat.send('s', 'x', { timeoutMs: -5 })).toThrow(/timeoutMs/);
    expect(runs()).toBe(0);
  });

  test('ADK 404 for a missing session is SessionNotFoundError carrying the session id', async () => {
    api.use(http.post(`${base}/run_sse`, () => HttpResponse.json({ error: 'Session not found: gone' }, { status: 404 })));
    const error = (await client().chat.send('gone', 'hi').finalResult().catch((e: unknown) => e)) as SessionNotFoundError;
    expect(error).toBeInstanceOf(SessionNotFoundError);
    expect(error.sessionId).toBe('gone');
    expect(runs()).toBe(1);
  });

  test('a 500 answer is not re-sent and is a StreamInterruptedError, never retryable', async () => {
    api.use(http.post(`${base}/run_sse`, () => new HttpResponse(null, { status: 500 })));
    const error = await client().chat.send('s', 'hi').finalResult().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ retryable: false, status: 500, sessionId: 's' });
    expect(runs()).toBe(1);
  });

  test('a network error is not re-sent', async () => {
    api.use(http.post(`${base}/run_sse`, () => HttpResponse.error()));
    await expect(client().chat.send('s', 'hi').finalResult()).rejects.toBeInstanceOf(Error);
    expect(runs()).toBe(1);
  });

  test('a cut stream rejects with StreamInterruptedError and is not re-sent', async () => {
    // Injected fetch: msw ends a body that errors cleanly, so the cut is made on the Response itself.
    let sends = 0;
    const cutFetch = (async () => {
      sends++;
      const frames = fixture('multi_tool.sse').split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(frames));
          setTimeout(() => c.error(new TypeError('terminated')), 10);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    }) as typeof fetch;
    const nemo = new NemoVideo({ token: 'nmv_usr_chattest1234', baseURL: base, fetch: cutFetch });
    const error = (await nemo.chat.send('cut', 'hi').finalResult().catch((e: unknown) => e)) as StreamInterruptedError;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.sessionId).toBe('cut');
    expect(error.partial.events.length).toBeGreaterThan(0);
    expect(String(error.message)).not.toMatch(/^terminated$/);
    expect(sends).toBe(1);
  });

  test('a 429 refusal is retried once (the server did not take the message)', async () => {
    let n = 0;
    api.use(http.post(`${base}/run_sse`, () => (++n === 1 ? HttpResponse.json({ message: 'slow' }, { status: 429, headers: { 'retry-after': '0' } }) : sse(fixture('text_stream.nostream.sse')))));
    const { text } = await client().chat.send('s', 'hi').finalResult();
    expect(text.length).toBeGreaterThan(0);
    expect(runs()).toBe(2);
  });

  test('two 429s end in RateLimitError after two sends', async () => {
    api.use(http.post(`${base}/run_sse`, () => HttpResponse.json({ message: 'slow' }, { status: 429, headers: { 'retry-after': '0' } })));
    await expect(client().chat.send('s', 'hi').finalResult()).rejects.toBeInstanceOf(RateLimitError);
    expect(runs()).toBe(2);
  });

  test('a 1001 refusal with an SDK token gets a new token and is replayed once', async () => {
    let n = 0;
    api.use(
      anonymousTokens(),
      http.post(`${base}/run_sse`, () => (++n === 1 ? HttpResponse.json({ code: 1001, message: 'expired' }, { status: 401 }) : sse(fixture('text_stream.nostream.sse')))),
    );
    await new NemoVideo({ baseURL: base }).chat.send('s', 'hi').finalResult();
    const sends = api.seen.filter((s) => s.path === '/run_sse');
    expect(sends.map((s) => s.headers.authorization)).toEqual(['Bearer nmv_usr_anon00000001', 'Bearer nmv_usr_anon00000002']);
  });
});

describe('chat.recover', () => {
  const draft = (n: number) => ({ t: Array.from({ length: n }, (_, i) => ({ tt: 0, sg: [{ d: 1000, m: { name: `clip${i}` } }] })) });

  test('reads state until the draft changes and reports the change', async () => {
    let reads = 0;
    api.use(http.get(`${base}/api/state/nemo_agent/me/s/latest`, () => ok({ session_id: 's', state: { draft: draft(++reads >= 3 ? 2 : 1) } })));
    const polls: number[] = [];
    const result = await client().chat.recover('s', { baseline: decodeDraft(draft(1)), firstDelayMs: 1, intervalMs: 1, onProgress: (p) => polls.push(p.polls) });
    expect(result.changed).toBe(true);
    expect(result.polls).toBe(3);
    expect(result.changes.length).toBeGreaterThan(0);
    expect(polls).toEqual([1, 2, 3]);
    expect(runs()).toBe(0);
  });

  test('gives up after maxUnchanged unchanged reads', async () => {
    api.use(http.get(`${base}/api/state/nemo_agent/me/s/latest`, () => ok({ session_id: 's', state: { draft: draft(1) } })));
    const result = await client().chat.recover('s', { baseline: decodeDraft(draft(1)), firstDelayMs: 0, intervalMs: 0, maxUnchanged: 4 });
    expect(result).toMatchObject({ changed: false, polls: 4, changes: [] });
    expect(api.count('/api/state/nemo_agent/me/s/latest')).toBe(4);
  });
});
