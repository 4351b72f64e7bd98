import { afterEach, describe, expect, test, vi } from 'vitest';
import { AuthenticationError, MemoryTokenStore, NemoVideo, SessionNotFoundError } from '../../src/index.js';
import { createEmulator, startEmulator, type Emulator, type RunningEmulator } from '../../src/testing/index.js';
import { run } from '../cli/helpers.js';
import { base, wire } from './helpers.js';

let running: RunningEmulator<Emulator> | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await running?.close();
  running = undefined;
});

/** The requests of one path, as `[method status]` pairs. */
function wireOf(emu: Pick<Emulator, 'inspect'>, path: string): Array<[string, number | undefined]> {
  return emu.inspect().requests.filter((r) => r.path === path).map((r) => [r.method, r.status]);
}

const balance = '/api/credits/balance/simple';
const anonymous = '/api/auth/anonymous-token';

describe('tokens the emulator issued', () => {
  test('an anonymous token from POST /api/auth/anonymous-token is accepted', async () => {
    const emu = createEmulator({ seed: 1 });
    const store = new MemoryTokenStore();
    const nemo = new NemoVideo({ fetch: emu.fetch, tokenStore: store });
    expect(await nemo.credits.balance()).toMatchObject({ available: 500 });
    const token = (await store.get())?.token;
    expect(token).toMatch(/^nmv_usr_/);
    expect(wireOf(emu, anonymous)).toEqual([['POST', 200]]);
    expect(wireOf(emu, balance)).toEqual([['GET', 200]]);
    expect(emu.inspect().requests.at(-1)?.headers.authorization).toBe(`Bearer nmv_usr_…${token?.slice(-4)}`);
  });
});

describe('tokens the emulator never issued nor was given', () => {
  test('answer HTTP 401 with envelope code 1001 on the wire', async () => {
    const emu = createEmulator();
    const res = await emu.fetch(`${base}${balance}`, { headers: { authorization: 'Bearer nmv_usr_madeup0000000000' } });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { code: number; message: string; data: unknown };
    expect(body).toMatchObject({ code: 1001, data: null });
    expect(body.message).not.toContain('madeup');
  });

  test('make a client with that token fail with AuthenticationError, with no anonymous token and no replay', async () => {
    const emu = createEmulator();
    const nemo = new NemoVideo({ token: 'nmv_usr_madeup0000000000', fetch: emu.fetch, tokenStore: new MemoryTokenStore() });
    const error = await nemo.credits.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 1001, status: 401 });
    expect(String((error as Error).message)).not.toContain('nmv_usr_madeup0000000000');
    expect(wireOf(emu, balance)).toEqual([['GET', 401]]);
    expect(wireOf(emu, anonymous)).toEqual([]);
    // Nothing was created for it.
    expect(emu.inspect().credits).toEqual({});
  });

  test('include anonymous tokens of another emulator', async () => {
    const issuer = createEmulator({ seed: 3 });
    const api = wire(issuer.fetch);
    await api.anonymous();
    const other = wire(createEmulator({ seed: 4 }).fetch);
    other.token = api.token;
    const res = await other.get(balance);
    expect([res.status, res.body.code]).toEqual([401, 1001]);
  });
});

describe('the tokens option', () => {
  test('a list of tokens: each one a registered user that can create sessions and spend credits', async () => {
    const emu = createEmulator({ tokens: ['nmv_usr_given_one_0001', 'nmv_usr_given_two_0002'] });
    for (const token of ['nmv_usr_given_one_0001', 'nmv_usr_given_two_0002']) {
      const nemo = new NemoVideo({ token, fetch: emu.fetch });
      expect(await nemo.credits.balance()).toMatchObject({ available: 500 });
      expect((await nemo.sessions.create()).sessionId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(wireOf(emu, anonymous)).toEqual([]);
    const users = emu.inspect().sessions.map((s) => s.userId);
    expect(new Set(users).size).toBe(2);
    expect(users.every((id) => id.startsWith('user_'))).toBe(true);
  });

  test('settings by token keep their scopes, credits and user id', async () => {
    const emu = createEmulator({ tokens: { nmv_usr_reader_000001: { scopes: ['read'], credits: 7, userId: 'user_reader' } } });
    const nemo = new NemoVideo({ token: 'nmv_usr_reader_000001', fetch: emu.fetch, maxRetries: 0 });
    expect(await nemo.credits.balance()).toMatchObject({ available: 7 });
    await expect(nemo.sessions.create()).rejects.toMatchObject({ status: 403 });
    expect(Object.keys(emu.inspect().credits)).toEqual(['user_reader']);
  });

  test('a session of another user still answers 1002', async () => {
    const emu = createEmulator({ tokens: ['nmv_usr_owner_0000001', 'nmv_usr_stranger_0001'] });
    const owner = new NemoVideo({ token: 'nmv_usr_owner_0000001', fetch: emu.fetch });
    const stranger = new NemoVideo({ token: 'nmv_usr_stranger_0001', fetch: emu.fetch });
    const { sessionId } = await owner.sessions.create();
    await expect(stranger.state.latest(sessionId)).rejects.toBeInstanceOf(SessionNotFoundError);
    expect((await owner.state.latest(sessionId)).sessionId).toBe(sessionId);
    const reads = emu.inspect().requests.filter((r) => r.path.endsWith('/latest')).map((r) => r.status);
    expect(reads).toEqual([200, 200]); // 1002 comes in the envelope, with HTTP 200
  });
});

describe('NEMO_TOKEN', () => {
  test('startEmulator accepts the token in NEMO_TOKEN, so a client configured by the environment works', async () => {
    vi.stubEnv('NEMO_TOKEN', 'nmv_usr_fromenvironment1');
    running = await startEmulator({ seed: 2 });
    const nemo = new NemoVideo({ baseURL: running.url, tokenStore: new MemoryTokenStore() });
    expect(await nemo.credits.balance()).toMatchObject({ available: 500 });
    expect(wireOf(running.emulator, balance)).toEqual([['GET', 200]]);
    expect(wireOf(running.emulator, anonymous)).toEqual([]);
  });

  test('createEmulator does not read the environment: only its tokens option counts', async () => {
    vi.stubEnv('NEMO_TOKEN', 'nmv_usr_fromenvironment1');
    const emu = createEmulator();
    const res = await emu.fetch(`${base}${balance}`, { headers: { authorization: 'Bearer nmv_usr_fromenvironment1' } });
    expect(res.status).toBe(401);
  });

  test('`nemovideo emulator` accepts the NEMO_TOKEN of its run', async () => {
    const controller = new AbortController();
    const token = 'nmv_usr_cli_environment1';
    let answers: Promise<number[]> | undefined;
    const r = await run(['emulator', '--port', '0', '--json'], {
      env: { NEMO_TOKEN: token },
      signal: controller.signal,
      onStdout: (text) => {
        const url = (JSON.parse(text) as { result?: { url?: string } }).result?.url;
        if (!url) return;
        const get = (bearer: string) => fetch(`${url}${balance}`, { headers: { authorization: `Bearer ${bearer}` } }).then((res) => res.status);
        answers = Promise.all([get(token), get('nmv_usr_someone_else_01')]).finally(() => controller.abort());
      },
    });
    expect(r.code).toBe(0);
    expect(await answers).toEqual([200, 401]);
  });
});

describe('expireToken(token)', () => {
  test('drives one renewal through the SDK: one extra anonymous-token call, the call replayed and succeeding', async () => {
    const emu = createEmulator({ seed: 5 });
    const store = new MemoryTokenStore();
    const nemo = new NemoVideo({ fetch: emu.fetch, tokenStore: store });
    await nemo.credits.balance();
    const first = (await store.get())?.token as string;
    emu.expireToken(first);

    expect(await nemo.credits.balance()).toMatchObject({ available: 500 });
    const second = (await store.get())?.token as string;
    expect(second).toMatch(/^nmv_usr_/);
    expect(second).not.toBe(first);
    expect(wireOf(emu, anonymous)).toEqual([
      ['POST', 200],
      ['POST', 200],
    ]);
    expect(wireOf(emu, balance)).toEqual([
      ['GET', 200],
      ['GET', 401],
      ['GET', 200],
    ]);
    const auths = emu.inspect().requests.filter((r) => r.path === balance).map((r) => r.headers.authorization);
    expect(auths).toEqual([`Bearer nmv_usr_…${first.slice(-4)}`, `Bearer nmv_usr_…${first.slice(-4)}`, `Bearer nmv_usr_…${second.slice(-4)}`]);
    // The same client id gets a new token for the same user.
    expect(Object.keys(emu.inspect().credits)).toHaveLength(1);
  });

  test('the token stays dead; other tokens are unaffected', async () => {
    const emu = createEmulator({ tokens: ['nmv_usr_keep_00000001', 'nmv_usr_kill_00000001'] });
    emu.expireToken('nmv_usr_kill_00000001');
    const keep = wire(emu.fetch);
    keep.token = 'nmv_usr_keep_00000001';
    const kill = wire(emu.fetch);
    kill.token = 'nmv_usr_kill_00000001';
    for (let i = 0; i < 2; i++) {
      expect((await kill.get(balance)).body.code).toBe(1001);
      expect((await keep.get(balance)).body.code).toBe(0);
    }
  });

  test('a given token, once expired, fails the SDK call (a token you supply is never swapped)', async () => {
    const emu = createEmulator({ tokens: ['nmv_usr_supplied_0001'] });
    const nemo = new NemoVideo({ token: 'nmv_usr_supplied_0001', fetch: emu.fetch });
    await nemo.credits.balance();
    emu.expireToken('nmv_usr_supplied_0001');
    await expect(nemo.credits.balance()).rejects.toBeInstanceOf(AuthenticationError);
    expect(wireOf(emu, anonymous)).toEqual([]);
    expect(wireOf(emu, balance)).toEqual([
      ['GET', 200],
      ['GET', 401],
    ]);
  });

  test('reset() brings the given tokens back', async () => {
    const emu = createEmulator({ tokens: ['nmv_usr_revived_00001'] });
    const api = wire(emu.fetch);
    api.token = 'nmv_usr_revived_00001';
    emu.expireToken('nmv_usr_revived_00001');
    expect((await api.get(balance)).status).toBe(401);
    emu.reset();
    expect((await api.get(balance)).status).toBe(200);
  });
});
