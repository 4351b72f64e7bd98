import { afterEach, describe, expect, test, vi } from 'vitest';
import { NemoVideo } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';
import { mswHandlers } from '../../src/testing/msw.js';
import { VERSION } from '../../src/version.js';
import { base, mockApi, type Seen } from '../helpers/msw.js';

const api = mockApi();
const timing = { generationMs: 0, editMs: 0, replyMs: 0, secondStageMs: 0, renderTimeMs: 0, heartbeatEveryMs: 0 };

/** Every endpoint the SDK calls, with the method and path that reach the wire. */
const endpoints: [name: string, method: string, path: RegExp][] = [
  ['anonymous token', 'POST', /^\/api\/auth\/anonymous-token$/],
  ['sessions.create', 'POST', /^\/api\/tasks\/me\/with-session\/nemo_agent$/],
  ['chat.send (/run_sse)', 'POST', /^\/run_sse$/],
  ['uploads.create (file)', 'POST', /^\/api\/upload-video\/nemo_agent\/me\/[^/]+$/],
  ['credits.balance', 'GET', /^\/api\/credits\/balance\/simple$/],
  ['state.latest', 'GET', /^\/api\/state\/nemo_agent\/me\/[^/]+\/latest$/],
  ['auth.claimToken', 'POST', /^\/api\/auth\/claim-token$/],
  ['render.create (submit)', 'POST', /^\/api\/render\/proxy\/lambda$/],
  ['render.retrieve (poll)', 'GET', /^\/api\/render\/proxy\/lambda\/[^/]+$/],
  ['render.download (proxy)', 'GET', /^\/api\/render\/proxy\/[^/]+\/download$/],
];

/** Calls every endpoint once on the emulator (through msw) and returns what reached the wire. */
async function callEverything(nemo: NemoVideo): Promise<Seen[]> {
  api.use(...mswHandlers(createEmulator({ seed: 3, ...timing })));
  const { sessionId, taskId } = await nemo.sessions.create();
  await nemo.chat.send(sessionId, 'generate a 10-second video about a lighthouse').finalResult();
  await nemo.uploads.create(sessionId, { files: [new Blob([new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112])], { type: 'video/mp4' })] });
  await nemo.credits.balance();
  const state = await nemo.state.latest(sessionId);
  await nemo.auth.claimToken({ taskId, sessionId });
  const job = await nemo.render.create({ sessionId, draft: state.draft! });
  const done = await nemo.render.retrieve(job.id, { sessionId });
  // Without an output url the file comes through the API's own download endpoint.
  const stream = await nemo.render.download({ ...done, output: undefined });
  await new Response(stream).arrayBuffer();
  return api.seen.map((s) => ({ ...s }));
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.each([
  {
    label: 'a custom attribution option',
    attribution: { source: 'acme-video-bot', version: '3.4.5', platform: 'cursor' },
    expected: { source: 'acme-video-bot', version: '3.4.5', platform: 'cursor' },
  },
  {
    label: 'the defaults',
    attribution: undefined,
    expected: { source: 'video-generator-generator', version: VERSION, platform: 'unknown' },
  },
  {
    label: 'a partial attribution option (the rest defaulted)',
    attribution: { platform: 'clawhub' },
    expected: { source: 'video-generator-generator', version: VERSION, platform: 'clawhub' },
  },
])('attribution headers with $label', ({ attribution, expected }) => {
  let seen: Promise<Seen[]> | undefined;
  const wire = () => {
    // No SKILL_SOURCE: the platform comes from the option or the install path.
    vi.stubEnv('SKILL_SOURCE', '');
    return (seen ??= callEverything(new NemoVideo({ baseURL: base, attribution })));
  };

  test.each(endpoints)('%s sends X-Skill-Source, X-Skill-Version and X-Skill-Platform', async (_name, method, path) => {
    const requests = (await wire()).filter((s) => s.method === method && path.test(s.path));
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect({
        source: request.headers['x-skill-source'],
        version: request.headers['x-skill-version'],
        platform: request.headers['x-skill-platform'],
      }).toEqual(expected);
    }
  });

  test('no request reaches the wire without all three', async () => {
    const requests = await wire();
    expect(requests.length).toBeGreaterThanOrEqual(endpoints.length);
    for (const request of requests) {
      expect([request.method, request.path, request.headers['x-skill-source'], request.headers['x-skill-version'], request.headers['x-skill-platform']]).toEqual([
        request.method,
        request.path,
        expected.source,
        expected.version,
        expected.platform,
      ]);
    }
  });
});
