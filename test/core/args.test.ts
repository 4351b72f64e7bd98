import { http, HttpResponse } from 'msw';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError, NemoVideo } from '../../src/index.js';
import { downloadToFile } from '../../src/node/index.js';
import { base, mockApi } from '../helpers/msw.js';

const api = mockApi();
const token = 'nmv_usr_args0test1234';
const nemo = () => new NemoVideo({ token, baseURL: base, maxRetries: 0 });
const draft = { tracks: [] };

// Ids that would change the request's path or query, or cannot be put in a URL at all.
const badIds: [string, unknown][] = [
  ['empty', ''],
  ['blank', '   '],
  ['a dot', '.'],
  ['two dots', '..'],
  ['a path up', '../../api/credits/balance/simple'],
  ['a slash', 'sess/1'],
  ['a query', 'sess?x=1'],
  ['a fragment', 'sess#x'],
  ['a backslash', 'sess\\..\\x'],
  ['a percent escape', '%2e%2e'],
  ['a newline', 'sess\n1'],
  ['a NUL', 'sess\u00001'],
  ['a DEL', 'sess\u007f'],
  ['a C1 control', 'sess\u0085'],
  ['an escape sequence', '\u001b[31mred'],
  ['a lone surrogate', 'sess\ud800'],
  ['a number', 42],
  ['null', null],
];

// Every public method that takes an id, called with `id` in that place.
const methods: [string, (id: string) => unknown][] = [
  ['state.latest', (id) => nemo().state.latest(id)],
  ['chat.send', (id) => nemo().chat.send(id, 'add a title')],
  ['chat.recover', (id) => nemo().chat.recover(id, { baseline: null, firstDelayMs: 0 })],
  ['uploads.create (urls)', (id) => nemo().uploads.create(id, { urls: ['https://example.com/a.mp4'] })],
  ['uploads.create (files)', (id) => nemo().uploads.create(id, { files: [new File(['x'], 'a.mp4')] })],
  ['render.create (sessionId)', (id) => nemo().render.create({ sessionId: id, draft })],
  ['render.create (id)', (id) => nemo().render.create({ sessionId: 'sess-1', draft, id })],
  ['render.retrieve', (id) => nemo().render.retrieve(id)],
  ['render.wait', (id) => nemo().render.wait(id, { intervalMs: 0 })],
  ['render.export', (id) => nemo().render.export(id)],
  ['render.download (id)', (id) => nemo().render.download(id)],
  ['render.download (job)', (id) => nemo().render.download({ id, status: 'completed', output: { url: 'https://cdn.test/v.mp4' }, raw: {} })],
  ['auth.claimToken (sessionId)', (id) => nemo().auth.claimToken({ taskId: 'task-1', sessionId: id })],
  ['auth.claimToken (taskId)', (id) => nemo().auth.claimToken({ taskId: id, sessionId: 'sess-1' })],
  ['auth.claimUrl', (id) => nemo().auth.claimUrl({ taskId: 'task-1', sessionId: id })],
  ['auth.anonymousToken (clientId)', (id) => nemo().auth.anonymousToken({ clientId: id })],
  ['generate (sessionId)', (id) => nemo().generate('a coffee ad', { sessionId: id })],
  // A non-string there is read as a job object, not an id: only the string ids apply.
  ['downloadToFile (render id)', (id) => downloadToFile(nemo(), typeof id === 'string' ? id : '', join(tmpdir(), 'nemovideo-never-written.mp4'))],
];

// Sync throws and rejections alike.
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('ids are checked before any request', () => {
  describe.each(methods)('%s', (_, method) => {
    test.each(badIds)('refuses %s with InvalidArgumentError and sends nothing', async (_what, id) => {
      const error = await outcome(() => method(id as string));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(api.seen).toHaveLength(0);
      const message = (error as Error).message;
      // No raw control or invisible formatting character ever reaches a message.
      expect(message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    });
  });

  test('the message names the argument and shows the id JSON-escaped', async () => {
    const error = (await outcome(() => nemo().state.latest('sess\n\u001b[2J\u007f'))) as Error;
    expect(error.message).toContain('sessionId is not a valid id: "sess\\n\\u001b[2J\\u007f".');
    expect(error.message).toContain('/, ?, #, \\, %');
    // Invisible formatting characters (a right-to-left override, a tag character) are escaped too.
    const hidden = (await outcome(() => nemo().render.retrieve('x/\u202e\u{E0041}'))) as Error;
    expect(hidden.message).toContain('id is not a valid id: "x/\\u202e\\udb40\\udc41".');
  });

  test('a long id is shown cut, and a token pasted as an id is shown redacted', async () => {
    const long = `${'a'.repeat(200)}/`;
    const error = (await outcome(() => nemo().render.retrieve(long))) as Error;
    expect(error.message).toContain(`"${'a'.repeat(48)}"…`);
    expect(error.message).not.toContain('a'.repeat(49));
    const pasted = 'nmv_usr_0123456789abcdefSECRET/x';
    const leaked = (await outcome(() => nemo().state.latest(pasted))) as Error;
    expect(leaked.message).not.toContain('0123456789abcdef');
    expect(api.seen).toHaveLength(0);
  });

  test('ids with other characters are sent, each encoded as one path segment', async () => {
    api.use(http.get(`${base}/api/state/nemo_agent/me/*`, () => HttpResponse.json({ code: 0, data: { state: {} } })));
    for (const id of ['sess_1', 'sess 1', 'café', '...', '.hidden', 'a+b=c&d', 'sess:1@x']) await nemo().state.latest(id);
    expect(api.seen.map((s) => s.path)).toEqual([
      '/api/state/nemo_agent/me/sess_1/latest',
      '/api/state/nemo_agent/me/sess%201/latest',
      '/api/state/nemo_agent/me/caf%C3%A9/latest',
      '/api/state/nemo_agent/me/.../latest',
      '/api/state/nemo_agent/me/.hidden/latest',
      '/api/state/nemo_agent/me/a%2Bb%3Dc%26d/latest',
      '/api/state/nemo_agent/me/sess%3A1%40x/latest',
    ]);
  });
});
