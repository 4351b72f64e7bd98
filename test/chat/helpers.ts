/** Test helpers for chat streams: captured ADK fixtures turned into `open` functions. */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ChatStream, type ChatStreamOptions } from '../../src/resources/chat-stream.js';
import type { ChatEvent } from '../../src/core/types.js';

const dir = new URL('../fixtures/adk-sse/', import.meta.url);

/** Names of every captured `.sse` fixture. */
export const fixtureNames: string[] = readdirSync(dir).filter((name) => name.endsWith('.sse')).sort();

/** The bytes of one fixture, exactly as captured. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}

/** UTF-8 bytes of a string. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export { chunksAt } from '../helpers/chunks.js';

/** What a test body stream reports about its life. */
export interface BodyProbe {
  cancelled: boolean;
  cancelReason: unknown;
}

/** A body that yields `chunks` one read at a time, then closes (or errors with `error`). */
export function readableStreamOf(chunks: Uint8Array[], options: { error?: unknown; probe?: BodyProbe } = {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (options.error !== undefined) controller.error(options.error);
      else controller.close();
    },
    cancel(reason) {
      if (options.probe) {
        options.probe.cancelled = true;
        options.probe.cancelReason = reason;
      }
    },
  });
}

/** A body the test feeds by hand (for watchdogs and aborts), with a probe for cancellation. */
export function manualBody(): { body: ReadableStream<Uint8Array>; push(text: string): void; close(): void; fail(error: unknown): void; probe: BodyProbe } {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const probe: BodyProbe = { cancelled: false, cancelReason: undefined };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
    },
    cancel(reason) {
      probe.cancelled = true;
      probe.cancelReason = reason;
    },
  });
  // Like a server writing to a closed socket: writes after a cancel go nowhere.
  return { body, push: (text) => void (probe.cancelled || ctrl.enqueue(bytes(text))), close: () => ctrl.close(), fail: (e) => ctrl.error(e), probe };
}

/** An SSE response around `body`, as the transport would resolve it. */
export function sseResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** An `open` function that counts its calls and records the signal it got. */
export function countingOpen(respond: (signal: AbortSignal) => Promise<Response> | Response): ChatStreamOptions['open'] & { calls: number; signal?: AbortSignal } {
  const open = Object.assign(
    (signal: AbortSignal) => {
      open.calls++;
      open.signal = signal;
      return Promise.resolve().then(() => respond(signal));
    },
    { calls: 0 } as { calls: number; signal?: AbortSignal },
  );
  return open;
}

/** A chat stream over the given chunks, with its counting `open`. */
export function streamOf(chunks: Uint8Array[], options: Partial<ChatStreamOptions> & { error?: unknown; probe?: BodyProbe } = {}) {
  const open = countingOpen(() => sseResponse(readableStreamOf(chunks, options)));
  const stream = new ChatStream({ sessionId: 'sess_test', ...options, open });
  return { stream, open };
}

/** Collects every event of a stream by iterating it. */
export async function collect(stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** A short, readable line per event: `text~delta` (partial), `text=whole`, `tool_call name id`… */
export function summarize(event: ChatEvent): string {
  switch (event.type) {
    case 'text':
      return `text${event.partial ? '~' : '='}${event.text}`;
    case 'tool_call':
      return `tool_call ${event.name} ${JSON.stringify(event.args)}`;
    case 'tool_result':
      return `tool_result ${event.name}`;
    case 'error':
      return `error ${event.code} ${event.message}`;
    case 'heartbeat':
      return 'heartbeat';
    case 'unknown':
      return `unknown ${typeof event.raw === 'string' ? event.raw : JSON.stringify(event.raw)}`;
  }
}

/** Asserts the events of a stream, summarized. */
export function expectEvents(events: ChatEvent[], expected: string[]): void {
  expect(events.map(summarize)).toEqual(expected);
}

/** Rejection reason of a promise (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
