import type { Random } from './random.js';
import { wait } from './wait.js';

/** An ADK event as serialized by its API server (fixtures/adk-sse/README.md › Event JSON). */
export type AdkEvent = Record<string, unknown>;

/** An event to send `atMs` after the run started. */
export interface Frame {
  atMs: number;
  event: AdkEvent;
}

/** A function call: `functionCall {id,name,args}`. */
export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

const emptyActions = () => ({ stateDelta: {}, artifactDelta: {}, requestedAuthConfigs: {}, requestedToolConfirmations: {} });

function usage(prompt: number, candidates?: number): Record<string, unknown> {
  const total = prompt + (candidates ?? 0);
  return candidates === undefined
    ? { promptTokenCount: prompt, totalTokenCount: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }] }
    : {
        promptTokenCount: prompt,
        candidatesTokenCount: candidates,
        totalTokenCount: total,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
      };
}

/** Builds the events of one run (one invocation id), in the key order the JS ADK server writes. */
export class EventFactory {
  readonly invocationId: string;
  private readonly promptTokens: number;
  constructor(
    private readonly random: Random,
    private readonly streaming: boolean,
    promptText: string,
  ) {
    this.invocationId = `e-${random.uuid()}`;
    this.promptTokens = 100 + Math.ceil(promptText.length / 4);
  }

  /** A tool call id as ADK makes them. */
  callId(): string {
    return `adk-${this.random.uuid()}`;
  }

  private head(): AdkEvent {
    return {
      invocationId: this.invocationId,
      author: 'nemo_agent',
      id: this.random.id(8),
      actions: emptyActions(),
      longRunningToolIds: [],
      timestamp: 0,
    };
  }

  private model(parts: unknown[], extra: AdkEvent): AdkEvent {
    return { ...this.head(), content: { role: 'model', parts }, ...extra };
  }

  /** One event with the function calls of a model turn. */
  calls(calls: ToolCall[]): AdkEvent {
    const parts = calls.map((c) => ({ functionCall: { name: c.name, args: c.args, id: c.id } }));
    return this.model(parts, {
      usageMetadata: usage(this.promptTokens, 10),
      finishReason: 'STOP',
      ...(this.streaming ? { partial: false } : {}),
    });
  }

  /** One event with the results (role `user`, no partial, no usage). */
  results(calls: ToolCall[], responses: Array<Record<string, unknown>>): AdkEvent {
    const parts = calls.map((c, i) => ({ functionResponse: { id: c.id, name: c.name, response: responses[i] ?? {} } }));
    const head = this.head();
    return {
      invocationId: head.invocationId,
      author: head.author,
      content: { role: 'user', parts },
      actions: head.actions,
      id: head.id,
      longRunningToolIds: head.longRunningToolIds,
      timestamp: 0,
    };
  }

  /** A metadata-only event closing a model turn (streaming mode only). */
  metadata(): AdkEvent {
    return { ...this.head(), usageMetadata: usage(this.promptTokens, 10), finishReason: 'STOP', partial: false };
  }

  /** A text turn: in streaming mode partial deltas then the full text again; else one whole text without `partial`. */
  text(text: string): AdkEvent[] {
    const candidates = Math.ceil(text.length / 4);
    const whole = (): AdkEvent =>
      this.model([{ text }], {
        usageMetadata: usage(this.promptTokens, candidates),
        finishReason: 'STOP',
        ...(this.streaming ? { partial: false } : {}),
      });
    if (!this.streaming) return [whole()];
    const chunks = splitText(text, this.random.int(2, 4));
    const partials = chunks.map((chunk, i) => {
      const last = i === chunks.length - 1;
      const event: AdkEvent = { ...this.head(), content: { parts: [{ text: chunk }], role: 'model' } };
      event.usageMetadata = usage(this.promptTokens, last ? candidates : undefined);
      if (last) event.finishReason = 'STOP';
      event.partial = true;
      return event;
    });
    return [...partials, whole()];
  }
}

/** Splits a text into up to `count` chunks at spaces (or anywhere for text without spaces). */
export function splitText(text: string, count: number): string[] {
  if (count <= 1 || text.length < count * 2) return [text];
  const chunks: string[] = [];
  let rest = text;
  for (let i = count; i > 1 && rest.length > 0; i--) {
    const target = Math.ceil(rest.length / i);
    let cut = rest.indexOf(' ', target);
    cut = cut < 0 || cut - target > 20 ? [...rest].slice(0, target).join('').length : cut + 1;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) chunks.push(rest);
  return chunks.filter((c) => c.length > 0);
}

/** How a stream behaves, besides its frames. */
export interface StreamSettings {
  /** `Date.now()` the run started at; frame offsets count from it. */
  startedAt: number;
  /** Heartbeat interval while waiting, 0 for none. */
  heartbeatEveryMs: number;
  /** Cut the connection after this many events. */
  dropAfterEvents?: number;
  /** Go silent after this many events. */
  stallAfterEvents?: number;
  /** After this many events, send this bare error frame's `data` and end the stream cleanly. */
  errorFrame?: { afterEvents: number; data: string } | undefined;
  /** The request's signal: aborting it stops the stream and its timers. */
  signal: AbortSignal;
  /** Called once when the stream ends in any way. */
  onEnd?: () => void;
}

/** The error a cut stream fails with (like undici's "terminated"). */
export class StreamCutError extends TypeError {
  constructor() {
    super('terminated: the emulator cut the stream (fault dropStreamAfterEvents)');
    this.name = 'StreamCutError';
  }
}

const encoder = new TextEncoder();

/** Serializes one event as an ADK frame: `data: <one-line JSON>\n\n`. */
export function frame(event: AdkEvent): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(event)}\n\n`);
}

/** Streams frames at their times with `: ping` heartbeats in between. Returns the body and a function that ends it abruptly. */
export function sseBody(frames: Frame[], settings: StreamSettings): { body: ReadableStream<Uint8Array>; kill: (reason?: unknown) => void } {
  const stop = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    settings.signal.removeEventListener('abort', onAbort);
    // Like fetch, an abort or a cut errors the body at once, dropping frames not yet read.
    if (error !== undefined) controller.error(error);
    if (!stop.signal.aborted) stop.abort(error);
    settings.onEnd?.();
  };
  const onAbort = () => end(settings.signal.reason);
  settings.signal.addEventListener('abort', onAbort, { once: true });
  const run = async () => {
    let sent = 0;
    let lastWrite = Date.now();
    const failed = settings.errorFrame;
    for (const item of frames) {
      if (sent === failed?.afterEvents) break;
      if (sent === settings.dropAfterEvents) throw new StreamCutError();
      if (sent === settings.stallAfterEvents) await wait(Number.POSITIVE_INFINITY, stop.signal);
      const due = settings.startedAt + item.atMs;
      for (let now = Date.now(); now < due; now = Date.now()) {
        const nextBeat = settings.heartbeatEveryMs > 0 ? lastWrite + settings.heartbeatEveryMs : Number.POSITIVE_INFINITY;
        if (nextBeat < due) {
          await wait(nextBeat - now, stop.signal);
          controller.enqueue(encoder.encode(': ping\n\n'));
          lastWrite = Date.now();
        } else {
          await wait(due - now, stop.signal);
        }
      }
      item.event.timestamp = Date.now();
      controller.enqueue(frame(item.event));
      lastWrite = Date.now();
      sent += 1;
    }
    if (failed) {
      controller.enqueue(encoder.encode(`data: ${failed.data}\n\n`));
      return;
    }
    if (sent === settings.dropAfterEvents) throw new StreamCutError();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (settings.signal.aborted) {
        end(settings.signal.reason);
        return;
      }
      run().then(
        () => {
          if (!ended) controller.close();
          end();
        },
        (error: unknown) => end(error),
      );
    },
    cancel() {
      ended = true;
      settings.signal.removeEventListener('abort', onAbort);
      stop.abort();
      settings.onEnd?.();
    },
  });
  return { body, kill: (reason) => end(reason ?? new StreamCutError()) };
}
