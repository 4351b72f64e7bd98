import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from 'msw';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { InvalidArgumentError, NemoVideo } from '../../src/index.js';
import { FileTokenStore } from '../../src/node/index.js';
import { anonymousTokens, base, mockApi, ok } from '../helpers/msw.js';

const api = mockApi();
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'nemovideo-home-'));
  vi.stubEnv('HOME', home);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

describe('FileTokenStore', () => {
  test('defaults to ~/.config/nemovideo with client_id as a plain file and credentials.json at 0600', async () => {
    api.use(anonymousTokens(), http.get(`${base}/api/credits/balance/simple`, () => ok({ available: 1 })));
    const store = new FileTokenStore();
    expect(store.dir).toBe(join(home, '.config', 'nemovideo'));
    await new NemoVideo({ baseURL: base, tokenStore: store, clientId: 'cid-file' }).credits.balance();
    expect(await readFile(join(store.dir, 'client_id'), 'utf8')).toBe('cid-file\n');
    const creds = JSON.parse(await readFile(join(store.dir, 'credentials.json'), 'utf8'));
    expect(creds).toMatchObject({ token: 'nmv_usr_anon00000001', userId: 'anon_user1' });
    expect((await stat(join(store.dir, 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(store.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A second client reuses the stored token: no new anonymous token.
    await new NemoVideo({ baseURL: base, tokenStore: new FileTokenStore() }).credits.balance();
    expect(api.count('/api/auth/anonymous-token')).toBe(1);
  });

  test('credentials for another API base go to hosts/<host>: a token from one service never replaces another', async () => {
    const root = join(home, '.config', 'nemovideo');
    expect(new FileTokenStore({ baseURL: 'https://mega-api-prod.nemovideo.ai/' }).dir).toBe(root);
    expect(new FileTokenStore({ baseURL: 'http://127.0.0.1:8787' }).dir).toBe(join(root, 'hosts', '127.0.0.1_8787'));
    expect(new FileTokenStore({ dir: '/x', baseURL: 'https://staging.example.com/v1' }).dir).toBe(join('/x', 'hosts', 'staging.example.com'));
    expect(() => new FileTokenStore({ baseURL: 'https://user:secret@api.test' })).toThrow(InvalidArgumentError);

    await new FileTokenStore().set({ clientId: 'cid-real', token: 'nmv_usr_real0001', userId: 'u1' });
    api.use(anonymousTokens(), http.get(`${base}/api/credits/balance/simple`, () => ok({ available: 1 })));
    const other = new FileTokenStore({ baseURL: base });
    await new NemoVideo({ baseURL: base, tokenStore: other }).credits.balance();
    // The other service got its own identity; the production one is untouched.
    expect(api.count('/api/auth/anonymous-token')).toBe(1);
    expect((await other.get())?.token).toBe('nmv_usr_anon00000001');
    expect(await new FileTokenStore().get()).toMatchObject({ clientId: 'cid-real', token: 'nmv_usr_real0001' });
  });

  test('reads a client_id written by another NemoVideo client', async () => {
    const dir = join(home, '.config', 'nemovideo');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'client_id'), 'shared-id\n');
    expect(await new FileTokenStore().get()).toEqual({ clientId: 'shared-id', token: undefined, userId: undefined, expiresAt: undefined });
  });

  test('a corrupt credentials.json is reported and ignored; the client gets a new token', async () => {
    const dir = join(home, '.config', 'nemovideo');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'client_id'), 'cid\n');
    await writeFile(join(dir, 'credentials.json'), '{"token": "nmv_usr_trunc');
    const errors: string[] = [];
    api.use(anonymousTokens(), http.get(`${base}/api/credits/balance/simple`, () => ok({ available: 2 })));
    const store = new FileTokenStore({ onError: (e) => errors.push(e.message) });
    await expect(new NemoVideo({ baseURL: base, tokenStore: store }).credits.balance()).resolves.toMatchObject({ available: 2 });
    expect(errors.join()).toMatch(/corrupt .*credentials\.json/);
    expect(api.seen[0]!.headers['x-client-id']).toBe('cid');
    expect(JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8')).token).toBe('nmv_usr_anon00000001');
  });

  test('an unreadable folder is reported, never thrown', async () => {
    const file = join(home, 'not-a-dir');
    await writeFile(file, 'x');
    const errors: string[] = [];
    const store = new FileTokenStore({ dir: file, onError: (e) => errors.push(e.message) });
    await expect(store.get()).resolves.toBeUndefined();
    expect(errors.join()).toMatch(/ENOTDIR/);
  });

  test('clear removes the token and keeps the shared client id', async () => {
    const store = new FileTokenStore();
    await store.set({ clientId: 'c', token: 'nmv_usr_abcdefgh1234' });
    await store.clear();
    const after = await store.get();
    expect(after?.clientId).toBe('c');
    expect(after?.token).toBeUndefined();
  });

  test('a writer killed mid-write leaves the old or the new file, never a corrupt one', async () => {
    const dir = join(home, 'kill');
    const store = new FileTokenStore({ dir });
    await store.set({ clientId: 'c', token: 'nmv_usr_old000000000' });
    const script = `
      import { FileTokenStore } from ${JSON.stringify(new URL('../../src/node/file-token-store.ts', import.meta.url).pathname)};
      const store = new FileTokenStore({ dir: ${JSON.stringify(dir)} });
      let i = 0;
      for (;;) await store.set({ clientId: 'c', token: 'nmv_usr_new' + String(i++).padStart(9, '0') + 'x'.repeat(20000) });
    `;
    let sawNew = 0;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1500 + round * 37));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const text = await readFile(join(dir, 'credentials.json'), 'utf8');
      const parsed = JSON.parse(text);
      expect(parsed.token).toMatch(/^nmv_usr_(old0{9}|new\d{9}x{20000})$/);
      if (parsed.token.startsWith('nmv_usr_new')) sawNew++;
    }
    expect(sawNew).toBeGreaterThan(0);
  }, 30_000);
});
