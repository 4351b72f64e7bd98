import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { describe, expect, test, vi } from 'vitest';
import { Auth, Chat, Credits, InvalidArgumentError, NemoVideo, NemoVideoCore, Render, Sessions, State, Uploads } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';

const emulatorOptions = { seed: 3, replyMs: 5, generationMs: 20, editMs: 10, secondStageMs: 10, renderTimeMs: 30, heartbeatEveryMs: 10 };

describe('NemoVideoCore with the resources an app builds on it', () => {
  test('chat then export on one core: one anonymous token shared by every resource, the same calls as NemoVideo', async () => {
    const runs: string[][] = [];
    for (const make of ['core', 'full'] as const) {
      const emu = createEmulator(emulatorOptions);
      const options = { fetch: emu.fetch, clientId: 'core-test' };
      const core = make === 'core' ? new NemoVideoCore(options) : new NemoVideo(options);
      const sessions = make === 'core' ? new Sessions(core) : (core as NemoVideo).sessions;
      const chat = make === 'core' ? new Chat(core) : (core as NemoVideo).chat;
      const render = make === 'core' ? new Render(core) : (core as NemoVideo).render;

      const { sessionId } = await sessions.create({ language: 'en' });
      const result = await chat.send(sessionId, 'a 10-second video about tea').finalResult();
      expect(result.silent).toBe(false);
      // Read until the emulator's generation has built the draft, then export it.
      const state = new State(core);
      for (let i = 0; i < 50 && !(await state.latest(sessionId)).draft?.tracks.length; i++) await new Promise((r) => setTimeout(r, 10));
      const job = await render.export(sessionId, { intervalMs: 10, maxPolls: 50 });
      expect(job.status).toBe('completed');
      expect(job.output?.url).toMatch(/^https?:/);

      const requests = emu.inspect().requests;
      expect(requests.filter((r) => r.path === '/api/auth/anonymous-token')).toHaveLength(1);
      const bearer = new Set(requests.filter((r) => r.path !== '/api/auth/anonymous-token').map((r) => r.headers.authorization));
      expect(bearer.size).toBe(1);
      // The calls in order, with repeated polls (their number depends on timing) counted once.
      const calls = requests.filter((r) => !r.path.endsWith('/latest')).map((r) => `${r.method} ${r.path.replace(/render_\d+_[0-9a-f]+/, 'render_id')}`);
      runs.push(calls.filter((call, i) => call !== calls[i - 1]));
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toEqual(['POST /api/auth/anonymous-token', 'POST /api/tasks/me/with-session/nemo_agent', 'POST /run_sse', 'POST /api/render/proxy/lambda', 'GET /api/render/proxy/lambda/render_id']);
  });

  test('every resource builds on a core; auth on a core uses its client id and web URL', async () => {
    const emu = createEmulator(emulatorOptions);
    const core = new NemoVideoCore({ fetch: emu.fetch, clientId: 'client-7', webURL: 'https://web.test/' });
    const auth = new Auth(core);
    const token = await auth.anonymousToken();
    expect(emu.inspect().requests.at(-1)?.headers['x-client-id']).toBe('client-7');
    expect(token.token).toMatch(/^nmv_usr_/);
    const { sessionId, taskId } = await new Sessions(core).create();
    expect(await auth.claimUrl({ sessionId, taskId })).toMatch(/^https:\/\/web\.test\/workspace\/claim\?ct=/);
    expect((await new Credits(core).balance()).available).toBeGreaterThan(0);
    expect(new Uploads(core)).toBeInstanceOf(Uploads);
  });

  test('a resource built on something else than a client fails with a typed error, before any request', () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    vi.stubGlobal('fetch', fetch);
    try {
      for (const bad of [undefined, {}, { transport: undefined }, 'nmv_usr_x']) {
        expect(() => new Chat(bad as never)).toThrow(InvalidArgumentError);
        expect(() => new Render(bad as never)).toThrow(/pass a NemoVideoCore or a NemoVideo/);
      }
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  test('a core shows a redacted token in inspect and JSON, like the full client', () => {
    const core = new NemoVideoCore({ token: 'nmv_usr_secretsecret9f3a' });
    expect(inspect(core)).toContain('nmv_usr_…9f3a');
    expect(inspect(core, { depth: 5, showHidden: true })).not.toContain('secretsecret');
    expect(JSON.stringify(core)).not.toContain('secretsecret');
  });

  test('an app bundle of a core with chat and render leaves uploads, generate and the language tables out', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const entry = `
      import { NemoVideoCore, Chat, Render } from ${JSON.stringify(`${root}dist/index.js`)};
      const core = new NemoVideoCore();
      export const run = async (id) => [await new Chat(core).send(id, 'hi').finalResult(), await new Render(core).export(id)];
    `;
    const result = await build({ stdin: { contents: entry, resolveDir: root, loader: 'js' }, bundle: true, write: false, format: 'esm', platform: 'browser', minify: true, logLevel: 'silent' });
    const js = result.outputFiles[0]!.text;
    expect(js).toContain('/run_sse');
    expect(js).toContain('/api/render/proxy/lambda');
    expect(js).not.toContain('/api/upload-video'); // uploads
    expect(js).not.toContain('/api/credits'); // credits
    expect(js).not.toContain('quiero'); // detectLanguage's word lists (generate)
    expect(js).not.toContain('/workspace/claim'); // auth.claimUrl (generate)
  });
});
