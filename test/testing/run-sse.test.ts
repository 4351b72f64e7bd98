import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';
import { finalTexts, parseSse, trackKinds, wire, type Body } from './helpers.js';

const fixture = (name: string) =>
  parseSse(readFileSync(new URL(`../fixtures/adk-sse/${name}`, import.meta.url), 'utf8')).events;

type Kind = 'call' | 'result' | 'metadata' | 'partial' | 'partial-last' | 'text';

function kindOf(event: Body): Kind {
  const parts = (event.content?.parts ?? []) as Body[];
  if (!event.content) return 'metadata';
  if (parts.some((p) => p.functionCall)) return 'call';
  if (parts.some((p) => p.functionResponse)) return 'result';
  if (event.partial === true) return event.finishReason ? 'partial-last' : 'partial';
  return 'text';
}

/** Key lists (in order) per kind of event. */
function shapes(events: Body[]): Map<Kind, string[]> {
  const out = new Map<Kind, string[]>();
  for (const e of events) if (!out.has(kindOf(e))) out.set(kindOf(e), Object.keys(e));
  return out;
}

async function run(emu: ReturnType<typeof createEmulator>, sessionId: string, text: string, extra: Record<string, unknown> = {}) {
  const res = await wire(emu.fetch).send(sessionId, text, extra);
  return res;
}

let emu: ReturnType<typeof createEmulator>;
let api: ReturnType<typeof wire>;
let sid: string;

async function setup(options: Parameters<typeof createEmulator>[0] = {}) {
  emu = createEmulator({ seed: 42, heartbeatEveryMs: 0, ...options });
  api = wire(emu.fetch);
  await api.anonymous();
  sid = await api.session();
}

/** Sends a message and reads the whole stream while fake time runs. */
async function exchange(text: string, extra: Record<string, unknown> = {}) {
  const res = await api.send(sid, text, extra);
  const body = res.text();
  await vi.advanceTimersByTimeAsync(60_000);
  return { res, ...parseSse(await body) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('POST /run_sse framing', () => {
  test('streams frames shaped exactly like the captured ADK stream (streaming: true)', async () => {
    await setup();
    const { res, frames, events, comments } = await exchange('generate a video about a cat surfing', { streaming: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(comments).toEqual([]);
    for (const f of frames) expect(f).toMatch(/^data: [^\n\r]+$/);
    const ours = shapes(events);
    const theirs = shapes(fixture('tool_then_text.sse'));
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [kind, keys] of theirs) expect(ours.get(kind)).toEqual(keys);
    expect(new Set(events.map((e) => e.invocationId)).size).toBe(1);
    expect(events[0]?.invocationId).toMatch(/^e-[0-9a-f-]{36}$/);
    for (const e of events) {
      expect(e.id).toMatch(/^[A-Za-z0-9]{8}$/);
      expect(e.author).toBe('nemo_agent');
      expect(e.actions).toEqual({ stateDelta: {}, artifactDelta: {}, requestedAuthConfigs: {}, requestedToolConfirmations: {} });
      expect(e.longRunningToolIds).toEqual([]);
      expect(Number.isInteger(e.timestamp) && e.timestamp > 1e11).toBe(true);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test('sends whole texts without partial keys or metadata-only events when streaming is absent', async () => {
    await setup();
    const { events } = await exchange('generate a video about a cat surfing');
    expect(events.map(kindOf)).toEqual(['call', 'result', 'text']);
    expect(events.every((e) => !('partial' in e))).toBe(true);
    const theirs = shapes(fixture('tool_then_text.nostream.sse'));
    // Key order of content (role/parts) varies in real streams; the event keys do not.
    for (const [kind, keys] of shapes(events)) expect(keys).toEqual(theirs.get(kind));
  });

  test('makes partial deltas whose concatenation is the final full text', async () => {
    await setup();
    const { events } = await exchange('what can you do?', { streaming: true });
    const partials = events.filter((e) => e.partial === true).map((e) => e.content.parts[0].text as string);
    expect(partials.length).toBeGreaterThanOrEqual(2);
    expect(finalTexts(events)).toEqual([partials.join('')]);
  });

  test('pairs function calls and results by id, the result with role user', async () => {
    await setup();
    const { events } = await exchange('generate a 12 second video about rain');
    const call = events[0]?.content.parts[0].functionCall;
    const result = events[1];
    expect(call).toMatchObject({ name: 'generate_video', args: { duration: 12 }, id: expect.stringMatching(/^adk-/) });
    expect(result?.content.role).toBe('user');
    expect(result?.content.parts[0].functionResponse).toMatchObject({ id: call.id, name: 'generate_video', response: { status: 'success' } });
  });

  test('accepts camelCase body keys', async () => {
    await setup();
    const res = await emu.fetch('https://x.test/run_sse', {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ appName: 'nemo_agent', userId: 'me', sessionId: sid, newMessage: { role: 'user', parts: [{ text: 'hi?' }] } }),
    });
    const body = res.text();
    await vi.advanceTimersByTimeAsync(5000);
    expect(finalTexts(parseSse(await body).events)).toHaveLength(1);
  });

  test('answers 404 {"error":"Session not found: <sid>"} for a missing or idle-expired session', async () => {
    await setup({ sessionIdleMs: 1000 });
    const missing = await api.send('nope', 'hello');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Session not found: nope' });
    await vi.advanceTimersByTimeAsync(1001);
    const expired = await api.send(sid, 'hello');
    expect(expired.status).toBe(404);
    expect(await expired.json()).toEqual({ error: `Session not found: ${sid}` });
  });
});

describe('POST /run_sse behaviour', () => {
  test('sends : ping heartbeats every heartbeatEveryMs while the agent works', async () => {
    await setup({ heartbeatEveryMs: 1000, generationMs: 5000, replyMs: 0 });
    const { frames } = await exchange('generate a video about the sea');
    const call = frames.findIndex((f) => f.includes('functionCall'));
    const result = frames.findIndex((f) => f.includes('functionResponse'));
    expect(frames.slice(call + 1, result)).toEqual(Array(4).fill(': ping'));
  });

  test('answers silently (tool calls only) at silentRate 1, closing the turn with a metadata-only event', async () => {
    await setup({ silentRate: 1 });
    const { events } = await exchange('generate a video about the sea', { streaming: true });
    expect(finalTexts(events)).toEqual([]);
    expect(events.map(kindOf)).toEqual(['call', 'result', 'metadata', 'metadata']);
    expect(trackKinds(await api.state(sid)).length).toBeGreaterThan(0);
  });

  test('adds the trailing temporary-issue text at temporaryIssueRate 1', async () => {
    await setup({ temporaryIssueRate: 1 });
    const { events } = await exchange('generate a video about the sea');
    const texts = finalTexts(events);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toMatch(/^I encountered a temporary issue/);
  });

  test('answers a question with text only and changes nothing', async () => {
    await setup();
    const { events } = await exchange('what can you do?');
    expect(events.map(kindOf)).toEqual(['text']);
    expect((await api.state(sid)).data.state.draft.t).toEqual([]);
  });

  test('records one message per send in inspect()', async () => {
    await setup();
    await exchange('generate a video about bees');
    await exchange('add music');
    expect(emu.inspect().sessions[0]?.messages).toEqual(['generate a video about bees', 'add music']);
    expect(emu.inspect().requests.filter((r) => r.path === '/run_sse')).toHaveLength(2);
  });

  test('gives the same ids and stream for the same seed', async () => {
    const transcript = async () => {
      await setup({ seed: 'same' });
      const { events } = await exchange('generate a video about owls', { streaming: true });
      return { sid, token: api.token, events: events.map(({ timestamp: _t, ...rest }) => rest) };
    };
    const a = await transcript();
    const b = await transcript();
    expect(b).toEqual(a);
    await setup({ seed: 'other' });
    expect(sid).not.toBe(a.sid);
  });

  test('stops the stream and leaves no timer when the client aborts', async () => {
    await setup({ heartbeatEveryMs: 1000, generationMs: 60_000 });
    const controller = new AbortController();
    const res = await api.send(sid, 'generate a video about ants', {}, controller.signal);
    const reader = res.body!.getReader();
    await vi.advanceTimersByTimeAsync(2500);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('stops its timers when the reader cancels the body', async () => {
    await setup({ generationMs: 60_000 });
    const res = await api.send(sid, 'generate a video about ants');
    await vi.advanceTimersByTimeAsync(500);
    await res.body!.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });
});
