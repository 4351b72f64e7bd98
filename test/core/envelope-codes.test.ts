/**
 * Codes 402, 403 and 429 carried in the envelope of an HTTP 200 mean what the HTTP statuses
 * mean: one table in the error map, the same classes, the same guidance.
 */
import { describe, expect, test } from 'vitest';
import { ExportBlockedError, NemoVideo, PermissionDeniedError, RateLimitError, type GenerateOptions } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';

const token = 'nmv_usr_envelope0001';
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

async function errorOf(status: number, body: unknown, headers?: Record<string, string>) {
  const nemo = new NemoVideo({ token, fetch: (async () => json(status, body, headers)) as typeof fetch, maxRetries: 0 });
  return nemo.credits.balance().catch((e: unknown) => e);
}

describe('envelope codes in a 200 map like the HTTP status', () => {
  test.each([
    [403, PermissionDeniedError],
    [429, RateLimitError],
  ])('code %i', async (code, Class) => {
    const inEnvelope = await errorOf(200, { code, message: 'refused' }, { 'retry-after': '1' });
    const asStatus = await errorOf(code, { code, message: 'refused' }, { 'retry-after': '1' });
    expect(inEnvelope).toBeInstanceOf(Class);
    expect(asStatus).toBeInstanceOf(Class);
    expect((inEnvelope as Error).message).toBe((asStatus as Error).message);
  });

  test('code 429 in a 200 carries retryAfterMs from the headers', async () => {
    const error = await errorOf(200, { code: 429, message: 'slow' }, { 'retry-after': '12' });
    expect(error).toMatchObject({ retryAfterMs: 12_000, code: 429 });
  });

  test('code 402 in a 200 on render submit: generate() returns exportError and the claim link, as for HTTP 402', async () => {
    const emu = createEmulator({
      seed: 3,
      replyMs: 5,
      generationMs: 20,
      editMs: 10,
      secondStageMs: 20,
      renderTimeMs: 30,
      heartbeatEveryMs: 10,
      faults: { errors: [{ method: 'POST', path: '/api/render/proxy/lambda', code: 402, status: 200, message: 'Free plan cannot export' }] },
    });
    const nemo = new NemoVideo({ fetch: emu.fetch, clientId: 'envelope-402' });
    const quick: GenerateOptions = { settle: { intervalMs: 40, maxPolls: 10 }, render: { intervalMs: 20, maxPolls: 20 } };
    const result = await nemo.generate('a video about a lighthouse', quick);
    expect(result.exportError).toBeInstanceOf(ExportBlockedError);
    expect((result.exportError as ExportBlockedError).bindUrl).toMatch(/\?bind=anon_/);
    expect(result.claimUrl).toMatch(/claim\?ct=clm_/);
    expect(result.render).toBeUndefined();
    const submits = emu.inspect().requests.filter((r) => r.path === '/api/render/proxy/lambda');
    expect(submits).toHaveLength(1);
  });
});

describe('error text from the server', () => {
  test("a proxy's HTML page is not quoted; a long message is cut at 300 characters", async () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(5_000)}</body></html>`;
    const nemo = new NemoVideo({
      token,
      maxRetries: 0,
      fetch: (async () => new Response(page, { status: 502, headers: { 'content-type': 'text/html' } })) as typeof fetch,
    });
    const html = (await nemo.credits.balance().catch((e: unknown) => e)) as Error;
    expect(html.message).toBe('NemoVideo API error (502): HTTP 502.');
    const long = (await errorOf(500, { code: 500, message: `${'why '.repeat(1_000)}end` })) as Error;
    expect(long.message.length).toBeLessThan(400);
    expect(long.message).toContain('why why');
    expect(long.message).not.toContain('end');
  });
});

describe('1001 and 1002 messages', () => {
  test('1002 names both causes and how to keep an identity, without repeating the server', async () => {
    const error = (await errorOf(200, { code: 1002, message: 'Session not found or expired: s_1' })) as Error;
    expect(error.name).toBe('SessionNotFoundError');
    expect(error.message).toMatch(/^Session not found \(1002\)\. It expired after idle time, or another identity \(token or client id\) created it/);
    expect(error.message).toMatch(/NEMO_CLIENT_ID or a FileTokenStore/);
    expect(error.message.match(/not found/gi)).toHaveLength(1);
  });

  test("the server's words stay when they add something", async () => {
    const error = (await errorOf(200, { code: 1002, message: 'Session s_1 belongs to another user' })) as Error;
    expect(error.message).toMatch(/^Session not found \(1002\): Session s_1 belongs to another user\. /);
    const auth = (await errorOf(200, { code: 1001, message: 'Token invalid or expired' })) as Error;
    expect(auth.message).toBe('Token invalid or expired (1001). Set a valid NEMO_TOKEN, or let the SDK get an anonymous token.');
  });
});
