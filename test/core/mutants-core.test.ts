/**
 * Exact behaviour of the error map, redaction, retry helpers and the token manager, pinned
 * through the public client (an injected fetch answers as the service would). Written to kill
 * the mutants StrykerJS left alive in src/core (docs/testing.md › Mutation testing).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MemoryTokenStore, NemoVideo, redact } from '../../src/index.js';

const token = 'nmv_usr_mutants000001';
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A client whose every call gets this answer; `calls` counts them. */
function answering(answer: () => Response, options: ConstructorParameters<typeof NemoVideo>[0] = {}) {
  const calls: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    calls.push(new URL((input as Request).url).pathname);
    return answer();
  }) as typeof globalThis.fetch;
  return { nemo: new NemoVideo({ token, fetch, maxRetries: 0, ...options }), calls };
}
const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a rejection'), (e: unknown) => e as Error & Record<string, unknown>);

afterEach(() => vi.useRealTimers());

describe('error messages, exactly', () => {
  test.each([
    [400, { message: 'bad field.' }, 'Bad request (400): bad field.', 'APIError'],
    [403, { message: 'no scope' }, 'Permission denied (403): no scope. The token lacks the scope for this call.', 'PermissionDeniedError'],
    [418, { message: 'teapot' }, 'NemoVideo API error (418): teapot.', 'APIError'],
    [404, { message: 'nothing here' }, 'Not found (404): nothing here.', 'APIError'],
    [500, '', 'NemoVideo API error (500): HTTP 500.', 'APIError'],
  ])('HTTP %i', async (status, body, message, name) => {
    const error = await failure(answering(() => json(status, body)).nemo.credits.balance());
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error.code).toBe(status);
  });

  test('a 404 that says "session not found" is SessionNotFoundError with code 404; a 401 is AuthenticationError with code 401', async () => {
    const notFound = await failure(answering(() => json(404, { detail: 'Session not found: s1' })).nemo.credits.balance());
    expect(notFound).toMatchObject({ name: 'SessionNotFoundError', code: 404 });
    const unauthorized = await failure(answering(() => json(401, { msg: 'expired' })).nemo.credits.balance());
    expect(unauthorized).toMatchObject({ name: 'AuthenticationError', code: 401 });
    expect(unauthorized.message).toBe('Token invalid or expired (401): expired. Set a valid NEMO_TOKEN, or let the SDK get an anonymous token.');
  });

  test('code 200 with an error code and no message names the code; the message is read from message, msg, error or detail', async () => {
    const bare = await failure(answering(() => json(200, { code: 7777 })).nemo.credits.balance());
    expect(bare.message).toBe('NemoVideo API error (7777): code 7777.');
    for (const key of ['message', 'msg', 'error', 'detail']) {
      const e = await failure(answering(() => json(200, { code: 7777, [key]: `said in ${key}` })).nemo.credits.balance());
      expect(e.message).toBe(`NemoVideo API error (7777): said in ${key}.`);
    }
  });

  test('trailing periods, spaces and line breaks of the server text are dropped, inner ones kept', async () => {
    const e = await failure(answering(() => json(500, { message: ' a. b . \n\t. ' })).nemo.credits.balance());
    expect(e.message).toBe('NemoVideo API error (500):  a. b.');
    const dots = await failure(answering(() => json(500, { message: '...' })).nemo.credits.balance());
    expect(dots.message).toBe('NemoVideo API error (500): .');
  });

  test('an HTML page, even after blanks, is not quoted; text starting with other characters is', async () => {
    const html = await failure(answering(() => json(502, { message: '  \n<html>bad gateway</html>' })).nemo.credits.balance());
    expect(html.message).toBe('NemoVideo API error (502): HTTP 502.');
    const text = await failure(answering(() => json(502, { message: 'upstream <b>down</b>' })).nemo.credits.balance());
    expect(text.message).toBe('NemoVideo API error (502): upstream <b>down</b>.');
  });

  test('429: "Retry in N s" rounds up the wait, and the rate-limit headers are kept', async () => {
    const e = await failure(
      answering(() => json(429, { message: 'slow' }, { 'retry-after': '61', 'x-ratelimit-limit': '10', 'ratelimit-remaining': '0', 'x-other': '1' })).nemo.credits.balance(),
    );
    expect(e.message).toBe('Rate limited (429): slow. Retry in 61 s.');
    expect(e.rateLimit).toEqual({ 'retry-after': '61', 'x-ratelimit-limit': '10', 'ratelimit-remaining': '0' });
    const blank = await failure(answering(() => json(429, { message: 'slow' }, { 'retry-after': '   ' }), { maxRetryAfterMs: 0 }).nemo.credits.balance());
    expect(blank).toMatchObject({ retryAfterMs: 30_000 });
  });

  test('2001 and 402: the registration link for anonymous users (web base without its trailing slash), top-up text otherwise', async () => {
    const byPath = (async (input: RequestInfo | URL) =>
      new URL((input as Request).url).pathname.startsWith('/api/tasks')
        ? json(200, { code: 0, data: { task_id: 't', session_id: 's', user_id: 'anon_42' } })
        : json(200, { code: 2001, message: 'no credits' })) as typeof fetch;
    const anon = new NemoVideo({ token, webURL: 'https://web.test/', fetch: byPath });
    await anon.sessions.create();
    const out = await failure(anon.credits.balance());
    expect(out.message).toBe('Out of credits (2001): no credits. Register to get more: https://web.test?bind=anon_42');
    expect(out.bindUrl).toBe('https://web.test?bind=anon_42');
    const fetchAgain = (body: unknown, status = 200) => failure(new NemoVideo({ token, webURL: 'https://web.test/', fetch: (async () => json(status, body)) as typeof fetch }).credits.balance());
    // A registered user (no anon_ id known) tops up.
    const registered = await fetchAgain({ code: 2001, message: 'no credits' });
    expect(registered.message).toBe('Out of credits (2001): no credits. Top up your credits at https://web.test.');
    expect(registered.bindUrl).toBeUndefined();
    const blocked = await fetchAgain({ message: 'plan' }, 402);
    expect(blocked.message).toBe(
      'Export blocked (402): plan. The free plan may not export, or attribution headers were missing. Register to unlock: https://web.test',
    );
  });

  test('HTTP 400 on the anonymous-token call is MissingClientIdError; elsewhere a plain 400', async () => {
    const { nemo } = answering(() => json(400, { message: 'X-Client-Id required' }), { token: undefined, clientId: 'cid' });
    const e = await failure(nemo.credits.balance());
    expect(e.name).toBe('MissingClientIdError');
    expect(e.message).toBe('X-Client-Id missing (400): X-Client-Id required. Pass a clientId (any UUID) to the client.');
  });
});

describe('redaction, exactly', () => {
  test('redact keeps a known prefix and the last four characters; four or fewer show none', () => {
    expect(redact(undefined)).toBe('');
    expect(redact('')).toBe('');
    expect(redact('nmv_usr_abcd')).toBe('nmv_usr_…');
    expect(redact('nmv_usr_abcde')).toBe('nmv_usr_…bcde');
    expect(redact('clm_123456789')).toBe('clm_…6789');
    expect(redact('x_nmv_usr_123456789')).toBe('…6789');
    expect(redact('secretvalue')).toBe('…alue');
  });

  test('error text and bodies are redacted deep: nested objects, arrays, Bearer values, and nothing else changes', async () => {
    const secret = 'nmv_usr_deepsecret123456';
    const body = { message: `Bearer ${secret} and ${secret}`, list: [secret, 1, null], nested: { again: { t: `t=${secret}` } }, plain: 'kept' };
    const e = await failure(answering(() => json(500, body)).nemo.credits.balance());
    expect(e.message).toBe('NemoVideo API error (500): Bearer nmv_usr_…3456 and nmv_usr_…3456.');
    expect(e.body).toEqual({ message: 'Bearer nmv_usr_…3456 and nmv_usr_…3456', list: ['nmv_usr_…3456', 1, null], nested: { again: { t: 't=nmv_usr_…3456' } }, plain: 'kept' });
  });
});

describe('retry helpers, exactly', () => {
  test.each([
    [599, 2],
    [600, 1],
    [499, 1],
    [408, 2],
  ])('HTTP %i on a GET: %i requests with maxRetries 1', async (status, requests) => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { nemo, calls } = answering(() => json(status, { message: 'x' }), { maxRetries: 1 });
    await failure(nemo.credits.balance());
    expect(calls).toHaveLength(requests);
    vi.restoreAllMocks();
  });
});

describe('token manager, exactly', () => {
  const future = new Date(Date.now() + 864e5).toISOString();
  const anonymous = (n: number) => json(200, { code: 0, data: { token: `nmv_usr_anon${String(n).padStart(9, '0')}`, user_id: `anon_${n}`, expires_at: future } });

  test('the client id is saved to the store when the store had none, and kept when it had one', async () => {
    let n = 0;
    const fetch = (async (input: RequestInfo | URL) =>
      new URL((input as Request).url).pathname.endsWith('anonymous-token') ? anonymous(++n) : json(200, { code: 0, data: { available: 1, frozen: 0, total: 1 } })) as typeof globalThis.fetch;
    const empty = new MemoryTokenStore();
    await new NemoVideo({ fetch, tokenStore: empty, clientId: 'given' }).credits.balance();
    expect(await empty.get()).toMatchObject({ clientId: 'given', token: 'nmv_usr_anon000000001' });
    const kept = new MemoryTokenStore({ clientId: 'stored' });
    const sets = vi.spyOn(kept, 'set');
    await new NemoVideo({ fetch, tokenStore: kept }).credits.balance();
    // One write: the acquired token; the stored client id is not written again on its own.
    expect(sets).toHaveBeenCalledTimes(1);
    expect(sets.mock.calls[0]![0]).toMatchObject({ clientId: 'stored' });
  });

  test('an acquired token past its expiry is renewed before use, without a 1001 first', async () => {
    let n = 0;
    const paths: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      const path = new URL((input as Request).url).pathname;
      paths.push(path);
      if (!path.endsWith('anonymous-token')) return json(200, { code: 0, data: { available: 1, frozen: 0, total: 1 } });
      n++;
      const expires = n === 1 ? new Date(Date.now() + 1_000).toISOString() : future;
      return json(200, { code: 0, data: { token: `nmv_usr_anon${String(n).padStart(9, '0')}`, user_id: 'anon_1', expires_at: expires } });
    }) as typeof globalThis.fetch;
    const nemo = new NemoVideo({ fetch, clientId: 'c' });
    await nemo.credits.balance();
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ['Date'] });
    await nemo.credits.balance();
    expect(paths.filter((p) => p.endsWith('anonymous-token'))).toHaveLength(2);
  });

  test('a store that cannot be read or written is reported with its own message, and the client goes on', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const store = { get: async () => Promise.reject(new Error('unreadable disk')), set: async () => Promise.reject(new Error('read-only disk')), clear: async () => {} };
    const fetch = (async (input: RequestInfo | URL) =>
      new URL((input as Request).url).pathname.endsWith('anonymous-token') ? anonymous(1) : json(200, { code: 0, data: { available: 1, frozen: 0, total: 1 } })) as typeof globalThis.fetch;
    await new NemoVideo({ fetch, tokenStore: store, logger, logLevel: 'warn' }).credits.balance();
    expect(warnings.some((w) => w.includes('token store unreadable, ignoring it: unreadable disk'))).toBe(true);
    expect(warnings.some((w) => w.includes('token store not writable, keeping credentials in memory: read-only disk'))).toBe(true);
  });
});
