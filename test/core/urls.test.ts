import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { InvalidArgumentError, NemoVideo, NemoVideoCore } from '../../src/index.js';
import { mockApi } from '../helpers/msw.js';

const api = mockApi();
const token = 'nmv_usr_urls0test1234';
const password = 'hunter2-Pa55';

afterEach(() => {
  vi.unstubAllEnvs();
});

// The constructor's error, or undefined when it built a client.
function refusal(build: () => unknown): Error | undefined {
  try {
    build();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

const bad: [string, string, string][] = [
  ['user and password', `https://admin:${password}@api.test`, 'https://***@api.test'],
  ['a password with a slash (unparsable)', `https://admin:${password}/x@api.test`, 'https://***@api.test'],
  ['a user name only', `https://${password}@api.test/v1`, 'https://***@api.test/v1'],
  ['no scheme, user and password', `admin:${password}@api.test`, 'admin:***@api.test'],
  ['an ftp URL with a password', `ftp://admin:${password}@api.test`, 'ftp://***@api.test'],
  ['a query', `https://api.test/?key=${password}`, 'https://api.test?…'],
  ['an empty query', 'https://api.test/v1?', 'https://api.test/v1?…'],
  ['a fragment', `https://api.test/#${password}`, 'https://api.test?…'],
  ['another scheme', 'javascript:alert(1)', 'javascript:alert(1)'],
  ['a file URL', 'file:///etc/passwd', 'file:///etc/passwd'],
  ['no scheme', 'api.test', 'api.test'],
  ['spaces in the host', 'https://api test', 'https://api test'],
];

describe('baseURL and webURL are checked in the constructor', () => {
  for (const name of ['baseURL', 'webURL'] as const) {
    test.each(bad)(`${name} with %s is refused, the URL shown without secrets`, (_, value, shown) => {
      const fetch = vi.fn(globalThis.fetch);
      const error = refusal(() => new NemoVideo({ token, [name]: value, fetch }));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error!.message).toContain(`${name} must`);
      expect(error!.message).toContain(JSON.stringify(shown));
      expect(error!.message).not.toContain(password);
      expect(String(error)).not.toContain(password);
      expect(JSON.stringify(error)).not.toContain(password);
      expect(fetch).not.toHaveBeenCalled();
      expect(api.seen).toHaveLength(0);
    });
  }

  test('the core client checks them the same way', () => {
    const error = refusal(() => new NemoVideoCore({ token, baseURL: `http://u:${password}@localhost:8787` }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error!.message).toBe('baseURL must not carry a user name or password (pass the token as `token`), got "http://***@localhost:8787".');
  });

  test('NEMO_API_URL and NEMO_WEB_URL are checked too, and the message names the variable', () => {
    vi.stubEnv('NEMO_API_URL', `https://admin:${password}@api.test`);
    const fromEnv = refusal(() => new NemoVideo({ token }));
    expect(fromEnv).toBeInstanceOf(InvalidArgumentError);
    expect(fromEnv!.message).toMatch(/^baseURL \(env NEMO_API_URL\) must not carry a user name or password/);
    expect(fromEnv!.message).not.toContain(password);
    vi.stubEnv('NEMO_API_URL', '');
    vi.stubEnv('NEMO_WEB_URL', `https://nemovideo.test/?t=${password}`);
    const web = refusal(() => new NemoVideo({ token }));
    expect(web!.message).toMatch(/^webURL \(env NEMO_WEB_URL\) must not carry a query or a fragment/);
    expect(web!.message).not.toContain(password);
    // An explicit option wins over a bad variable.
    expect(new NemoVideo({ token, webURL: 'https://nemovideo.test' }).webURL).toBe('https://nemovideo.test');
    expect(api.seen).toHaveLength(0);
  });

  test('good URLs are kept without trailing slashes and used for every request', async () => {
    api.use(http.get('https://api.test/prefix/api/credits/balance/simple', () => HttpResponse.json({ code: 0, data: { available: 5, frozen: 0 } })));
    const nemo = new NemoVideo({ token, baseURL: 'https://api.test/prefix/', webURL: 'http://localhost:3000/' });
    expect(nemo.baseURL).toBe('https://api.test/prefix');
    expect(nemo.webURL).toBe('http://localhost:3000');
    expect((await nemo.credits.balance()).available).toBe(5);
    expect(api.seen.map((s) => s.path)).toEqual(['/prefix/api/credits/balance/simple']);
  });
});
