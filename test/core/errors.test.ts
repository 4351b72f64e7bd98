import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import {
  APIError,
  AuthenticationError,
  ExportBlockedError,
  FileTooLargeError,
  InsufficientCreditsError,
  MissingClientIdError,
  NemoVideo,
  NemoVideoError,
  PermissionDeniedError,
  RateLimitError,
  SessionNotFoundError,
  UnsupportedFileTypeError,
  isNemoVideoError,
} from '../../src/index.js';
import { base, mockApi } from '../helpers/msw.js';

const api = mockApi();
const client = () => new NemoVideo({ token: 'nmv_usr_testtoken1234', baseURL: base, maxRetries: 0 });

// A row per line of the error-code table (docs/protocol.md › Error codes): [what the server answers, status, class, retryable].
const rows: [string, unknown, number, new (...a: never[]) => NemoVideoError, boolean][] = [
  ['1001 in a 200 envelope', { code: 1001, message: 'token expired' }, 200, AuthenticationError, false],
  ['HTTP 401', { message: 'unauthorized' }, 401, AuthenticationError, false],
  ['1002', { code: 1002, message: 'no such session' }, 200, SessionNotFoundError, false],
  ['2001', { code: 2001, message: 'no credits' }, 200, InsufficientCreditsError, false],
  ['4001', { code: 4001, msg: 'bad type' }, 200, UnsupportedFileTypeError, false],
  ['4002', { code: 4002, msg: 'too big' }, 200, FileTooLargeError, false],
  ['HTTP 402', { message: 'free plan' }, 402, ExportBlockedError, false],
  ['HTTP 403', { message: 'missing scope' }, 403, PermissionDeniedError, false],
  ['HTTP 429 (after the one retry)', { message: 'slow down' }, 429, RateLimitError, true],
  ['HTTP 500', { message: 'boom' }, 500, APIError, true],
  ['HTTP 503 without a body', '', 503, APIError, true],
  ['an unknown code', { code: 9999, message: 'odd' }, 200, APIError, false],
  ['HTTP 418', 'teapot', 418, APIError, false],
];

describe('error mapping', () => {
  test.each(rows)('maps %s to its class', async (_name, body, status, ErrorClass, retryable) => {
    api.use(
      http.get(`${base}/api/credits/balance/simple`, () =>
        typeof body === 'string'
          ? new HttpResponse(body, { status, headers: { 'x-request-id': 'req_42', 'retry-after': '0' } })
          : HttpResponse.json(body as never, { status, headers: { 'x-request-id': 'req_42', 'retry-after': '0' } }),
      ),
    );
    const error = await client().credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(NemoVideoError);
    expect(isNemoVideoError(error)).toBe(true);
    const e = error as NemoVideoError;
    expect(e.name).toBe(ErrorClass.name);
    expect(e.status).toBe(status);
    expect(e.requestId).toBe('req_42');
    expect(e.retryable).toBe(retryable);
    expect(e.code).toBe(typeof body === 'object' && body && 'code' in body ? (body as { code: number }).code : status);
  });

  test('2001 for an anonymous user links to registration with the user id', async () => {
    api.use(
      http.post(`${base}/api/auth/anonymous-token`, () =>
        HttpResponse.json({ code: 0, data: { token: 'nmv_usr_anonymous0001', user_id: 'anon_abc', expires_at: '2099-01-01T00:00:00Z' } }),
      ),
      http.get(`${base}/api/credits/balance/simple`, () => HttpResponse.json({ code: 2001, message: 'insufficient' })),
    );
    const nemo = new NemoVideo({ baseURL: base, webURL: 'https://web.test', clientId: 'c1' });
    const error = (await nemo.credits.balance().catch((e: unknown) => e)) as InsufficientCreditsError;
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error.bindUrl).toBe('https://web.test?bind=anon_abc');
    expect(error.message).toContain('https://web.test?bind=anon_abc');
  });

  test('4001 lists the accepted formats and 4002 names the 500 MB limit', async () => {
    api.use(http.get(`${base}/api/credits/balance/simple`, () => HttpResponse.json({ code: 4001, message: 'nope' })));
    const e1 = (await client().credits.balance().catch((e: unknown) => e)) as UnsupportedFileTypeError;
    expect(e1.supportedFormats).toEqual(expect.arrayContaining(['mp4', 'mov', 'png', 'mp3', 'm4a']));
    expect(e1.message).toMatch(/mp4, mov, avi, webm, mkv/);
    api.use(http.get(`${base}/api/credits/balance/simple`, () => HttpResponse.json({ code: 4002, message: 'nope' })));
    const e2 = (await client().credits.balance().catch((e: unknown) => e)) as FileTooLargeError;
    expect(e2.maxBytes).toBe(500 * 1024 * 1024);
    expect(e2.message).toMatch(/500 MB/);
  });

  test('400 on the anonymous-token call is MissingClientIdError', async () => {
    api.use(http.post(`${base}/api/auth/anonymous-token`, () => HttpResponse.json({ message: 'X-Client-Id required' }, { status: 400 })));
    const error = await new NemoVideo({ baseURL: base }).auth.anonymousToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingClientIdError);
  });

  test('errors inside a session carry its id', async () => {
    api.use(http.get(`${base}/api/state/nemo_agent/me/s_1/latest`, () => HttpResponse.json({ code: 1002, message: 'gone' })));
    const error = (await client().state.latest('s_1').catch((e: unknown) => e)) as SessionNotFoundError;
    expect(error).toBeInstanceOf(SessionNotFoundError);
    expect(error.sessionId).toBe('s_1');
  });
});
