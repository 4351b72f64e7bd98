import { describe, expect, expectTypeOf, test } from 'vitest';
import { AgentError, RateLimitError, APIConnectionError, StreamInterruptedError } from '../../src/core/errors.js';
import type { ChatEvent, ChatResult } from '../../src/core/types.js';
import { ChatStream } from '../../src/resources/chat-stream.js';
import { bytes, collect, countingOpen, expectEvents, fixture, rejectionOf, streamOf, summarize } from './helpers.js';

const textStream = 'NemoVideo turns a short prompt into a finished video: script, footage, music and captions.';
const catVideo = 'Your 10-second video is ready: https://cdn.example.com/v/vid_001.mp4';
const nonAscii = '好的！我来为你生成一段小猫视频 🐱🎬，时长约 10 秒。✨ Ça marche — 完成后会通知你 👍🏽';

// Per fixture: the events yielded while iterating, and the final result (README › Files).
const cases: Array<[file: string, events: string[], result: Partial<ChatResult> & { eventCount: number }]> = [
  ['text_stream.sse', ['text~NemoVideo turns a short ', 'text~prompt into a finished video: ', 'text~script, footage, music and captions.', `text=${textStream}`], { text: textStream, silent: false, eventCount: 1 }],
  ['text_stream.nostream.sse', [`text=${textStream}`], { text: textStream, silent: false, eventCount: 1 }],
  ['tool_silent.sse', ['tool_call generate_video {"prompt":"sunset over the sea","duration":5}', 'tool_result generate_video'], { text: '', silent: true, eventCount: 2 }],
  ['tool_then_text.sse', ['tool_call generate_video {"prompt":"a cat surfing a wave","duration":10}', 'tool_result generate_video', 'text~Your 10-second video is ready: ', 'text~https://cdn.example.com/v/vid_001.mp4', `text=${catVideo}`], { text: catVideo, silent: false, eventCount: 3 }],
  ['tool_then_text.nostream.sse', ['tool_call generate_video {"prompt":"a cat surfing a wave","duration":10}', 'tool_result generate_video', `text=${catVideo}`], { text: catVideo, silent: false, eventCount: 3 }],
  ['multi_tool.sse', ['text~Sure, generating the video and picking music.', 'text=Sure, generating the video and picking music.', 'tool_call generate_video {"prompt":"city timelapse at night","duration":8}', 'tool_call add_bgm {"style":"lofi"}', 'tool_result generate_video', 'tool_result add_bgm', 'text~Done: the timelapse has ', 'text~a lofi track (lofi_chill_01) added.', 'text=Done: the timelapse has a lofi track (lofi_chill_01) added.'], { text: 'Sure, generating the video and picking music.\n\nDone: the timelapse has a lofi track (lofi_chill_01) added.', silent: false, eventCount: 6 }],
  ['error_llm_http.sse', ['error 429 Resource has been exhausted (e.g. check quota).'], { text: '', silent: true, eventCount: 1 }],
  ['error_finish_reason.sse', ['error SAFETY The agent stopped (SAFETY).', 'error SAFETY The agent stopped (SAFETY).'], { text: '', silent: true, eventCount: 2 }],
  ['error_unknown_tool.sse', ['tool_call upload_to_youtube {"video_id":"vid_001"}', 'error UNKNOWN_ERROR Function upload_to_youtube is not found in the toolsDict.', 'text~I cannot upload to YouTube yet.', 'text=I cannot upload to YouTube yet.'], { text: 'I cannot upload to YouTube yet.', silent: false, eventCount: 3 }],
  ['tool_error_result.sse', ['tool_call add_bgm {"style":"jazz"}', 'tool_result add_bgm', 'text~Sorry, adding background music failed: ', 'text~the music service is unavailable.', 'text=Sorry, adding background music failed: the music service is unavailable.'], { text: 'Sorry, adding background music failed: the music service is unavailable.', silent: false, eventCount: 3 }],
  ['non_ascii.sse', ['text~好的！我来为你', 'text~生成一段小猫视频 🐱🎬', 'text~，时长约 10 秒。✨ Ça marche — ', 'text~完成后会通知你 👍🏽', `text=${nonAscii}`], { text: nonAscii, silent: false, eventCount: 1 }],
];

describe('ChatStream on captured ADK streams', () => {
  test.each(cases)('%s yields the expected events and result', async (file, expected, { eventCount, ...result }) => {
    const { stream, open } = streamOf([fixture(file)]);
    expectEvents(await collect(stream), expected);
    const final = await stream.finalResult();
    expect(final).toMatchObject(result);
    expect(final.events).toHaveLength(eventCount);
    expect(final.events.every((e) => !(e.type === 'text' && e.partial) && e.type !== 'heartbeat')).toBe(true);
    expect(open.calls).toBe(1);
  });

  test.each(cases)('%s gives the same result through finalResult() alone', async (file, _events, { eventCount, ...result }) => {
    const { stream, open } = streamOf([fixture(file)]);
    const final = await stream.finalResult();
    expect(final).toMatchObject(result);
    expect(final.events).toHaveLength(eventCount);
    expect(open.calls).toBe(1);
  });

  test('replaces the streamed deltas with the whole text instead of appending it', async () => {
    const { stream } = streamOf([fixture('text_stream.sse')]);
    const events = await collect(stream);
    const deltas = events.filter((e) => e.type === 'text' && e.partial).map((e) => (e as { text: string }).text).join('');
    const { text } = await stream.finalResult();
    expect(deltas).toBe(textStream);
    expect(text).toBe(deltas);
  });

  test('keeps the ADK event on raw, shared by the parts of one event', async () => {
    const { stream } = streamOf([fixture('multi_tool.sse')]);
    const { toolCalls, toolResults } = await stream.finalResult();
    expect(toolCalls.map((c) => c.name)).toEqual(['generate_video', 'add_bgm']);
    expect(toolCalls[0]?.raw).toBe(toolCalls[1]?.raw);
    expect(toolResults.map((r) => r.id)).toEqual(toolCalls.map((c) => c.id));
    expect(toolResults[1]?.response).toEqual({ status: 'success', track: 'lofi_chill_01', style: 'lofi' });
    expect((toolCalls[0]?.raw as { invocationId: string }).invocationId).toMatch(/^e-/);
  });

  test('sets author on text events', async () => {
    const { stream } = streamOf([fixture('text_stream.nostream.sse')]);
    const [event] = await collect(stream);
    expect(event).toMatchObject({ type: 'text', author: 'nemo_agent', partial: false });
  });

  test('ends with AgentError on a bare error frame, holding the partial result and session', async () => {
    const body = new Uint8Array([...fixture('tool_silent.sse'), ...fixture('error_unhandled.sse'), ...fixture('text_stream.sse')]);
    const { stream, open } = streamOf([body]);
    const seen: string[] = [];
    const error = await rejectionOf((async () => { for await (const e of stream) seen.push(summarize(e)); })());
    expect(error).toBeInstanceOf(AgentError);
    const agentError = error as AgentError;
    expect(agentError.message).toContain('session quota exceeded');
    expect(agentError.sessionId).toBe('sess_test');
    expect(agentError.partial.toolCalls).toHaveLength(1);
    expect(agentError.partial.silent).toBe(true);
    expect(seen).toEqual(['tool_call generate_video {"prompt":"sunset over the sea","duration":5}', 'tool_result generate_video']);
    await expect(stream.finalResult()).rejects.toBe(error);
    expect(open.calls).toBe(1);
  });

  test('error_unhandled.sse alone rejects finalResult() with AgentError and an empty partial', async () => {
    const { stream } = streamOf([fixture('error_unhandled.sse')]);
    const error = await rejectionOf(stream.finalResult());
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).partial).toEqual({ text: '', events: [], toolCalls: [], toolResults: [], silent: true });
  });

  test('recognizes a Python error frame that is not valid JSON', async () => {
    const { stream } = streamOf([bytes('data: {"error": "bad "quote" here"}\n\n')]);
    const error = await rejectionOf(stream.finalResult());
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).message).toContain('bad "quote" here');
  });

  test('keeps a data line that is not JSON as an unknown event and goes on', async () => {
    const { stream } = streamOf([bytes('data: hello there\n\n'), fixture('text_stream.nostream.sse')]);
    const events = await collect(stream);
    expectEvents(events, ['unknown hello there', `text=${textStream}`]);
    expect((await stream.finalResult()).text).toBe(textStream);
  });

  test('treats errorCode STOP as a silent, normal end', async () => {
    const { stream } = streamOf([bytes('data: {"invocationId":"e-1","author":"nemo_agent","errorCode":"STOP","timestamp":1732540000.5}\n\n')]);
    const result = await stream.finalResult();
    expect(result).toEqual({ text: '', events: [], toolCalls: [], toolResults: [], silent: true });
  });

  test('drops a trailing "I encountered a temporary issue" after normal output', async () => {
    const frame = (text: string) => `data: ${JSON.stringify({ author: 'nemo_agent', content: { role: 'model', parts: [{ text }] } })}\n\n`;
    const { stream } = streamOf([fixture('tool_then_text.nostream.sse'), bytes(frame('I encountered a temporary issue. Please try again.'))]);
    const result = await stream.finalResult();
    expect(result.text).toBe(catVideo);
    expect(result.events.at(-1)).toMatchObject({ type: 'text', text: 'I encountered a temporary issue. Please try again.' });

    const alone = streamOf([bytes(frame('I encountered a temporary issue.'))]).stream;
    expect((await alone.finalResult()).text).toBe('I encountered a temporary issue.');
  });

  test('joins several whole texts with a blank line', async () => {
    const { stream } = streamOf([fixture('text_stream.nostream.sse'), fixture('tool_then_text.nostream.sse')]);
    expect((await stream.finalResult()).text).toBe(`${textStream}\n\n${catVideo}`);
  });

  test('finalResult() while iterating resolves to the same result', async () => {
    const { stream } = streamOf([fixture('multi_tool.sse')]);
    const pending = stream.finalResult();
    const events = await collect(stream);
    const result = await pending;
    expect(events).toHaveLength(9);
    expect(result.toolCalls).toHaveLength(2);
    expect(await stream.finalResult()).toBe(result);
  });

  test('finalResult() first and an iterator in the same tick both see everything', async () => {
    const { stream } = streamOf([fixture('text_stream.sse')]);
    const pending = stream.finalResult();
    const events = await collect(stream);
    expect(events).toHaveLength(4);
    expect((await pending).text).toBe(textStream);
  });

  test('an unconsumed stream pauses reading, and finalResult() later still completes it', async () => {
    const many = new Uint8Array(Array.from({ length: 40 }, () => [...fixture('text_stream.sse')]).flat());
    const { stream, open } = streamOf([many]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await stream.finalResult();
    expect(result.events).toHaveLength(40);
    expect(open.calls).toBe(1);
  });

  test('answers next() calls made without waiting, in order', async () => {
    const { stream } = streamOf([fixture('tool_then_text.nostream.sse')]);
    const it = stream[Symbol.asyncIterator]();
    const steps = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(steps.map((s) => (s.done ? 'done' : summarize(s.value)))).toEqual([
      'tool_call generate_video {"prompt":"a cat surfing a wave","duration":10}',
      'tool_result generate_video',
      `text=${catVideo}`,
      'done',
    ]);
  });

  test('turns a synchronous throw of open into a rejection', async () => {
    const stream = new ChatStream({ sessionId: 's', open: () => { throw new TypeError('bad url'); } });
    const error = await rejectionOf(stream.finalResult());
    // Whether a byte left is unknown: it is a cut stream, never "retry".
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ retryable: false, sessionId: 's' });
    expect((error as StreamInterruptedError).cause).toBeInstanceOf(TypeError);
  });

  test('refuses a second iteration with a clear error', async () => {
    const { stream } = streamOf([fixture('text_stream.sse')]);
    await collect(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/iterated once/);
  });

  test('keeps the sessionId on a typed error from open and sends once', async () => {
    const open = countingOpen(() => Promise.reject(new RateLimitError('Rate limited', 30_000)));
    const stream = new ChatStream({ sessionId: 'sess_1', open });
    const error = await rejectionOf(stream.finalResult());
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).sessionId).toBe('sess_1');
    expect(open.calls).toBe(1);
  });

  test('a network failure of open is a StreamInterruptedError with an empty partial, not a retryable connection error', async () => {
    const cause = new TypeError('fetch failed');
    const open = countingOpen(() => Promise.reject(cause));
    const stream = new ChatStream({ sessionId: 'sess_2', open });
    const error = await rejectionOf(collect(stream));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).not.toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ sessionId: 'sess_2', cause, retryable: false, partial: { text: '', events: [], silent: true } });
    expect(open.calls).toBe(1);
  });

  test('narrows ChatEvent on type', () => {
    const event = { type: 'text', text: 'hi', partial: false, author: undefined, raw: {} } as ChatEvent;
    if (event.type === 'text') expectTypeOf(event.text).toEqualTypeOf<string>();
    if (event.type === 'tool_call') expectTypeOf(event.args).toEqualTypeOf<Record<string, unknown>>();
    if (event.type === 'tool_result') expectTypeOf(event.response).toBeUnknown();
    if (event.type === 'error') expectTypeOf(event).toHaveProperty('code').toEqualTypeOf<string>();
    expectTypeOf<Extract<ChatEvent, { type: 'heartbeat' }>>().not.toHaveProperty('text');
    expectTypeOf<ChatStream>().toMatchTypeOf<AsyncIterable<ChatEvent>>();
    expectTypeOf<ChatStream['finalResult']>().returns.resolves.toEqualTypeOf<ChatResult>();
    expect(event.type).toBe('text');
  });
});
