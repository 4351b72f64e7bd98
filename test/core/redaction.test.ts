import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { AuthenticationError, InvalidArgumentError, MemoryTokenStore, NemoVideo, redact } from '../../src/index.js';
import { FileTokenStore } from '../../src/node/index.js';
import { base, mockApi } from '../helpers/msw.js';

const api = mockApi();
const canary = 'nmv_usr_CANARYcanary0123456789abcdef3f9a';
const secretPart = 'CANARYcanary0123456789abcdef';

describe('redaction', () => {
  test('redact keeps the prefix and the last four characters only', () => {
    expect(redact(canary)).toBe('nmv_usr_…3f9a');
    expect(redact('clm_abcdefgh1234')).toBe('clm_…1234');
  });

  test('an error message that echoes the token is redacted everywhere', async () => {
    api.use(http.get(`${base}/api/credits/balance/simple`, () => HttpResponse.json({ code: 1001, message: `token ${canary} expired (Bearer ${canary})` })));
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const nemo = new NemoVideo({ baseURL: base, token: canary, logger, logLevel: 'debug' });
    const error = (await nemo.credits.balance().catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    const surfaces: [string, string][] = [
      ['message', error.message],
      ['toString', String(error)],
      ['JSON.stringify(error)', JSON.stringify(error)],
      ['inspect(error)', inspect(error, { depth: 10, showHidden: true })],
      ['stack', error.stack ?? ''],
      ['JSON.stringify(client)', JSON.stringify(nemo)],
      ['inspect(client)', inspect(nemo, { depth: 10 })],
      ['log lines', lines.join('\n')],
    ];
    for (const [name, text] of surfaces) {
      expect.soft(text, name).not.toContain(secretPart);
    }
    expect(error.message).toContain('nmv_usr_…3f9a');
  });

  test('token stores never show the token', async () => {
    const memory = new MemoryTokenStore({ clientId: 'c', token: canary });
    const file = new FileTokenStore({ dir: '/nonexistent/nemovideo' });
    for (const text of [JSON.stringify(memory), inspect(memory, { depth: 5 }), JSON.stringify(file), inspect(file)]) {
      expect(text).not.toContain(secretPart);
    }
    expect(JSON.stringify(memory)).toContain('nmv_usr_…3f9a');
  });

  test('tokens never go into URLs', async () => {
    api.use(http.get(`${base}/api/state/nemo_agent/me/*`, () => HttpResponse.json({ code: 0, data: { state: {} } })));
    const nemo = new NemoVideo({ baseURL: base, token: canary });
    // An id that would change the path is refused before any request carries the token.
    await expect(nemo.state.latest('s/../1?x=y')).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(api.seen).toHaveLength(0);
    await nemo.state.latest('s 1+ü');
    expect(api.seen[0]!.path).toBe('/api/state/nemo_agent/me/s%201%2B%C3%BC/latest');
    expect(api.seen.every((s) => !s.path.includes(secretPart) && !JSON.stringify(s).includes(`?${secretPart}`))).toBe(true);
  });
});
