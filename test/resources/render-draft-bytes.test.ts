import { http, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { decodeDraft, NemoVideoCore, Render, State } from '../../src/index.js';
import { parseStateAnswer } from '../../src/core/session-state.js';
import { draftJson } from '../../src/decoders/draft.js';
import { base, mockApi, ok } from '../helpers/msw.js';

// What JSON.parse + JSON.stringify would damage: an integer beyond 2^53, `1.0`, a key order that
// puts `z` and the integer-like key "10" where the service put them, a key the SDK does not
// know, escapes and whitespace.
const draftText =
  '{"z":1.0,"t":[{"tt":0,"sg":[{"st":0,"d":4000,"id":1234567890123456789,"m":{"name":"caf\\u00e9 \\"intro\\""}}]}], "10":{"speed":2.50},"unknownTop":{"kept":[1e3,-0.0]}}';

const api = mockApi();
const token = 'nmv_usr_test1234';
const submitPath = '/api/render/proxy/lambda';
const statePath = '/api/state/nemo_agent/me/sess-1/latest';

function setup() {
  const nemo = new NemoVideoCore({ token, baseURL: base });
  return { render: new Render(nemo), state: new State(nemo) };
}
const submitted = () => api.seen.filter((s) => s.method === 'POST' && s.path === submitPath).map((s) => s.body);
const acceptSubmits = () => api.use(http.post(`${base}${submitPath}`, () => ok({ status: 'queued' })));
const completeAll = () =>
  api.use(http.get(`${base}${submitPath}/:id`, ({ params }) => HttpResponse.json({ taskId: params.id, status: 'completed', output: { url: 'https://cdn.test/v.mp4' } })));
/** Serves the state answer as text, so its bytes are exactly what the test says. */
const stateAnswer = (text: string) =>
  api.use(http.get(`${base}${statePath}`, () => new HttpResponse(text, { headers: { 'content-type': 'application/json' } })));

describe('the draft goes back to render byte for byte', () => {
  test('render.create sends a draft decoded from JSON text as that very text', async () => {
    acceptSubmits();
    const { render } = setup();
    const job = await render.create({ sessionId: 'sess-1', draft: decodeDraft(draftText), id: 'render_own' });
    const [body] = submitted();
    expect(body).toBe(`{"id":"render_own","sessionId":"sess-1","draft":${draftText},"output":{"format":"mp4","quality":"high"}}`);
    expect(body).toContain('1234567890123456789');
    expect(body).toContain('"z":1.0');
    expect(api.seen[0]!.headers['content-type']).toBe('application/json');
    expect(job).toMatchObject({ id: 'render_own', status: 'pending' });
  });

  test('render.export sends the draft of a state that carries it as a JSON string, unchanged', async () => {
    stateAnswer(JSON.stringify({ code: 0, data: { session_id: 'sess-1', state: { draft: draftText } } }));
    acceptSubmits();
    completeAll();
    const job = await setup().render.export('sess-1', { intervalMs: 0 });
    const [body] = submitted();
    expect(body).toContain(`"draft":${draftText},"output"`);
    expect(job.status).toBe('completed');
  });

  // The state answer nests the draft as an object: its bytes are kept from the answer's text.
  test('render.export sends a nested state draft with the bytes the state answer had', async () => {
    stateAnswer(`{"code":0,"data":{"session_id":"sess-1","state":{"draft":${draftText},"video_infos":[]}}}`);
    acceptSubmits();
    completeAll();
    await setup().render.export('sess-1', { intervalMs: 0 });
    expect(submitted()[0]).toContain(`"draft":${draftText},"output"`);
  });

  test('a draft edited in code after decoding is sent as edited, every key kept in order', async () => {
    acceptSubmits();
    const draft = decodeDraft(draftText);
    (draft.raw as Record<string, unknown>).added = true;
    await setup().render.create({ sessionId: 'sess-1', draft, id: 'render_edit' });
    const sent = JSON.parse(submitted()[0]!) as { draft: Record<string, unknown> };
    expect(Object.keys(sent.draft)).toEqual(['10', 'z', 't', 'unknownTop', 'added']);
    expect(sent.draft.added).toBe(true);
  });

  test('state.latest still decodes the draft, whatever its form on the wire', async () => {
    stateAnswer(JSON.stringify({ code: 0, data: { session_id: 'sess-1', state: { draft: draftText } } }));
    const { draft } = await setup().state.latest('sess-1');
    expect(draft?.tracks[0]?.segments[0]).toMatchObject({ startMs: 0, durationMs: 4000, label: 'café "intro"' });
    expect(draftJson(draft)).toBe(draftText);
  });
});

describe('parseStateAnswer', () => {
  test('keeps the text of the draft in an envelope, taking a repeated key at its last occurrence like JSON.parse', () => {
    const text = `{"code":0,"data":{"state":{"draft":{"t":[]},"note":"\\"draft\\": {","draft":${draftText}},"session_id":"s"}}`;
    const body = parseStateAnswer(text) as { data: { state: { draft: unknown } } };
    expect(body).toEqual(JSON.parse(text));
    expect(draftJson(body.data.state.draft)).toBe(draftText);
  });

  test('keeps the text of a top-level draft (no envelope) and leaves other answers as JSON.parse reads them', () => {
    const top = parseStateAnswer(` { "state" : { "draft" :\n${draftText} } } `) as { state: { draft: unknown } };
    expect(draftJson(top.state.draft)).toBe(draftText);
    for (const text of ['{"code":0,"data":{"state":null}}', '{"code":0,"data":{"state":{"draft":"{\\"t\\":[]}"}}}', '{"code":1002,"message":"gone"}', '[1,2]']) {
      expect(parseStateAnswer(text)).toEqual(JSON.parse(text));
    }
    expect(() => parseStateAnswer('<html>')).toThrow(SyntaxError);
  });
});
