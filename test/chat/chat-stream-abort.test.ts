import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StreamInterruptedError } from '../../src/core/errors.js';
import { ChatStream } from '../../src/resources/chat-stream.js';
import { type BodyProbe, chunksAt, collect, countingOpen, fixture, manualBody, readableStreamOf, rejectionOf, sseResponse, streamOf, summarize } from './helpers.js';

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
/** Lets pending rejections surface: unhandled ones are reported after a macrotask. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', record);
});
afterEach(async () => {
  await settle();
  process.off('unhandledRejection', record);
  expect(unhandled).toEqual([]);
});

const firstFrames = (name: string, n: number) => {
  const text = new TextDecoder().decode(fixture(name));
  return new TextEncoder().encode(text.split('\n\n').slice(0, n).join('\n\n') + '\n\n');
};

describe('ChatStream on a cut connection', () => {
  test('rejects with StreamInterruptedError holding the partial result, never a raw TypeError', async () => {
    const cause = new TypeError('terminated');
    const { stream, open } = streamOf([firstFrames('text_stream.sse', 2)], { error: cause });
    const seen: string[] = [];
    const error = await rejectionOf((async () => { for await (const e of stream) seen.push(summarize(e)); })());
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const cut = error as StreamInterruptedError;
    expect(cut.sessionId).toBe('sess_test');
    expect(cut.cause).toBe(cause);
    expect(cut.retryable).toBe(false);
    // A cut stream keeps the deltas it got: no whole text came.
    expect(cut.partial).toMatchObject({ text: 'NemoVideo turns a short prompt into a finished video: ', silent: false, events: [] });
    expect(seen).toEqual(['text~NemoVideo turns a short ', 'text~prompt into a finished video: ']);
    await expect(stream.finalResult()).rejects.toBe(error);
    expect(open.calls).toBe(1);
  });

  test('a cut with nobody listening leaves no unhandled rejection', async () => {
    const { open } = streamOf([firstFrames('tool_silent.sse', 1)], { error: new TypeError('terminated') });
    await settle();
    expect(open.calls).toBe(1);
  });

  test('rejects with StreamInterruptedError when the body ends inside a frame', async () => {
    const whole = fixture('tool_then_text.sse');
    const { stream } = streamOf(chunksAt(whole.subarray(0, whole.length - 40), [100]));
    const error = await rejectionOf(stream.finalResult());
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partial.toolCalls).toHaveLength(1);
    expect((error as StreamInterruptedError).partial.text).toBe('Your 10-second video is ready: https://cdn.example.com/v/vid_001.mp4');
  });
});

describe('ChatStream abort', () => {
  test('does not send at all when the signal is already aborted', async () => {
    const reason = new Error('user left');
    const open = countingOpen(() => sseResponse(readableStreamOf([fixture('text_stream.sse')])));
    const stream = new ChatStream({ sessionId: 's', open, signal: AbortSignal.abort(reason) });
    await expect(stream.finalResult()).rejects.toBe(reason);
    await expect(collect(stream)).rejects.toBe(reason);
    expect(open.calls).toBe(0);
  });

  test('rejects with the signal reason while waiting for headers, and cancels a late body', async () => {
    const probe: BodyProbe = { cancelled: false, cancelReason: undefined };
    let respond!: (response: Response) => void;
    const open = countingOpen(() => new Promise<Response>((resolve) => (respond = resolve)));
    const controller = new AbortController();
    const stream = new ChatStream({ sessionId: 's', open, signal: controller.signal });
    const iterating = rejectionOf(collect(stream));
    await settle();
    controller.abort();
    const error = await iterating;
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(error).toBe(controller.signal.reason);
    expect(open.signal?.aborted).toBe(true);
    // An `open` that ignores its signal and answers late: the body is released, not read.
    respond(sseResponse(readableStreamOf([fixture('text_stream.sse')], { probe })));
    await settle();
    expect(probe.cancelled).toBe(true);
    expect(open.calls).toBe(1);
  });

  test('passes on open rejecting with the abort reason, untouched', async () => {
    const open = countingOpen((signal) => new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    const stream = new ChatStream({ sessionId: 's', open });
    const reason = { custom: 'reason' };
    stream.abort(reason);
    await expect(stream.finalResult()).rejects.toBe(reason);
    expect(open.calls).toBe(1);
  });

  test('rejects mid-stream with the signal reason, cancels the body and sends once', async () => {
    const body = manualBody();
    const open = countingOpen(() => sseResponse(body.body));
    const controller = new AbortController();
    const stream = new ChatStream({ sessionId: 's', open, signal: controller.signal, onStillWorking: () => {} });
    const seen: string[] = [];
    const iterating = rejectionOf((async () => {
      for await (const e of stream) {
        seen.push(summarize(e));
        if (seen.length === 2) controller.abort(new Error('stop'));
      }
    })());
    body.push(new TextDecoder().decode(fixture('text_stream.sse')).split('\n\n').slice(0, 3).join('\n\n') + '\n\n');
    const error = await iterating;
    expect(error).toBe(controller.signal.reason);
    expect(seen).toHaveLength(2);
    await expect(stream.finalResult()).rejects.toBe(controller.signal.reason);
    await settle();
    expect(body.probe.cancelled).toBe(true);
    expect(open.calls).toBe(1);
  });

  test('abort() mid-stream with nobody awaiting leaves no unhandled rejection', async () => {
    const body = manualBody();
    const open = countingOpen(() => sseResponse(body.body));
    const stream = new ChatStream({ sessionId: 's', open });
    body.push(new TextDecoder().decode(fixture('text_stream.nostream.sse')));
    await settle();
    stream.abort();
    await settle();
    expect(body.probe.cancelled).toBe(true);
    expect((body.probe.cancelReason as DOMException).name).toBe('AbortError');
    expect(open.calls).toBe(1);
  });

  test('leaving a for-await loop early aborts the stream and releases the body', async () => {
    const body = manualBody();
    const open = countingOpen(() => sseResponse(body.body));
    const stream = new ChatStream({ sessionId: 's', open });
    body.push(new TextDecoder().decode(fixture('multi_tool.sse')));
    let first: string | undefined;
    for await (const event of stream) {
      first = summarize(event);
      break;
    }
    await settle();
    expect(first).toBe('text~Sure, generating the video and picking music.');
    expect(body.probe.cancelled).toBe(true);
    await expect(stream.finalResult()).rejects.toMatchObject({ name: 'AbortError' });
    expect(open.calls).toBe(1);
  });

  test('abort() after a normal end changes nothing', async () => {
    const { stream, open } = streamOf([fixture('text_stream.nostream.sse')]);
    const result = await stream.finalResult();
    stream.abort();
    await expect(stream.finalResult()).resolves.toBe(result);
    expect(open.calls).toBe(1);
  });

  test('removes its listener from the caller signal when done', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => { listeners++; add(...args); }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => { listeners--; remove(...args); }) as typeof remove;
    const { stream } = streamOf([fixture('tool_silent.sse')], { signal });
    await stream.finalResult();
    expect(listeners).toBe(0);
  });
});
