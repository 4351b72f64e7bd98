/**
 * The live answer to one chat message: an async iterable of {@link ChatEvent}s over a single
 * `POST /run_sse`, with watchdogs, abort, and a {@link ChatResult} at the end.
 * @module
 */
import { AgentError, APIError, RateLimitError, StreamInterruptedError, StreamTimeoutError } from '../core/errors.js';
import { quote } from '../core/error-map.js';
import type { Logger } from '../core/logger.js';
import { redactDeep, redactText } from '../core/redact.js';
import { SseDecoder } from '../core/sse.js';
import type { ChatEvent, ChatResult, ChatToolCallEvent, ChatToolResultEvent } from '../core/types.js';
import { adkBareErrorMessage, decodeAdkEvent, parseAdkData } from '../decoders/adk.js';

/** How a {@link ChatStream} is opened and watched. Durations are in milliseconds; `0` or `Infinity` turns a limit off. */
export interface ChatStreamOptions {
  /** The session the message was sent in; every error of the stream carries it. */
  sessionId: string;
  /** Sends the one `POST /run_sse` and resolves with the response (HTTP errors already thrown as typed errors). Called once, never again. */
  open: (signal: AbortSignal) => Promise<Response>;
  /** Cancels the stream: iteration and `finalResult()` reject with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Only heartbeats, or nothing at all, for this long → `StreamTimeoutError`. Default 600 000 (10 minutes). */
  heartbeatTimeoutMs?: number | undefined;
  /**
   * Not a single byte for this long (headers included) → `StreamTimeoutError`. Default: off. The
   * service may send nothing at all while a tool runs (a video clip takes minutes), so silence is
   * bounded by `heartbeatTimeoutMs` unless you set this.
   */
  idleTimeoutMs?: number | undefined;
  /** The whole stream, from sending to close → `StreamTimeoutError`. Default 900 000 (15 minutes). */
  timeoutMs?: number | undefined;
  /** Called every `stillWorkingEveryMs` while the stream is open, to tell the user the agent is still working. */
  onStillWorking?: ((info: { elapsedMs: number }) => void) | undefined;
  /** Default 120 000 (docs/protocol.md: tell the user "still working" every 2 minutes). */
  stillWorkingEveryMs?: number | undefined;
  /** Receives a debug line when the stream ends and a warning when `onStillWorking` throws. */
  logger?: Partial<Logger> | undefined;
}

type Step = IteratorResult<ChatEvent>;
type Waiter = { promise: Promise<Step>; resolve: (step: Step) => void; reject: (error: unknown) => void };

const noop = (): void => {};
const done: Step = Object.freeze({ value: undefined, done: true });
const maxDelay = 2_147_483_647; // setTimeout's ceiling: a longer delay would fire at once.
const queueLimit = 64; // events the iterator may lag behind before the body is read further
const temporaryIssue = 'I encountered a temporary issue';
const notResent = 'The message was not re-sent: check the session state (chat.recover).';

const limit = (value: number | undefined, fallback: number): number => ((value ?? fallback) > 0 ? (value ?? fallback) : Infinity);
const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * Streams the agent's answer to one message. It starts at once: the request is sent when the
 * stream is created. Iterate it for live events (partial texts and heartbeats included), or
 * await {@link ChatStream.finalResult} (works with or without iterating). It can be iterated
 * once; leaving the loop early (`break`) aborts it. Rejects with `StreamInterruptedError` when
 * the connection is cut, `StreamTimeoutError` when a watchdog fires, `AgentError` on a bare
 * error frame, each holding the partial result and the `sessionId`; an abort rejects with the
 * signal's reason. The message is never re-sent: recover through state.
 *
 * @example
 * ```ts
 * const stream = nemo.chat.send(sessionId, 'make a 30-second coffee ad', { partialText: true });
 * for await (const event of stream) {
 *   if (event.type === 'text' && event.partial) process.stdout.write(event.text);
 *   if (event.type === 'tool_call') console.log(`\n→ ${event.name}`);
 * }
 * const { text, silent } = await stream.finalResult();
 * ```
 */
export class ChatStream implements AsyncIterable<ChatEvent> {
  /** The session the message was sent in. */
  readonly sessionId: string;
  readonly #controller = new AbortController();
  readonly #sse: SseDecoder;
  readonly #result: Promise<ChatResult>;
  #resolve!: (result: ChatResult) => void;
  #reject!: (error: unknown) => void;
  #settled = false;
  #errorPending = false;
  #error: unknown;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #unlisten: (() => void) | undefined;
  readonly #options: ChatStreamOptions;

  // Delivery: events wait in `#queue` for the iterator. Nothing is queued once finalResult()
  // alone consumes the stream, so an unread 15-minute stream holds no backlog.
  #iterated = false;
  #buffering = true;
  #queue: ChatEvent[] = [];
  #head = 0;
  #waiter: Waiter | undefined;
  // Set while the reader waits for the loop to catch up: without this backpressure a fast body
  // outruns the loop and every event of the stream piles up in the queue.
  #drained: (() => void) | undefined;

  // The result keeps whole events only.
  readonly #events: ChatEvent[] = [];
  readonly #toolCalls: ChatToolCallEvent[] = [];
  readonly #toolResults: ChatToolResultEvent[] = [];
  readonly #texts: string[] = [];
  #partialText = '';
  #outputBeforeLastText = false;

  // One timer serves every watchdog: it sleeps until the nearest deadline and re-checks the
  // clocks there, so a chunk only stores a timestamp instead of resetting timers.
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #tick = (): void => this.#check();
  readonly #startedAt = Date.now();
  #lastByteAt = this.#startedAt;
  #lastEventAt = this.#startedAt;
  #nextStillAt: number;
  readonly #ms: { idle: number; heartbeat: number; total: number; still: number };

  /** Sends the message through `options.open` right away and starts watching the stream. */
  constructor(options: ChatStreamOptions) {
    this.sessionId = options.sessionId;
    this.#options = options;
    const ms = (this.#ms = {
      idle: limit(options.idleTimeoutMs, 0),
      heartbeat: limit(options.heartbeatTimeoutMs, 600_000),
      total: limit(options.timeoutMs, 900_000),
      still: limit(options.stillWorkingEveryMs, 120_000),
    });
    this.#nextStillAt = options.onStillWorking ? this.#startedAt + ms.still : Infinity;
    this.#sse = new SseDecoder({
      onData: (data) => this.#onData(data),
      onHeartbeat: (raw) => this.#settled || !this.#buffering || this.#emit({ type: 'heartbeat', raw }),
    });
    this.#result = new Promise<ChatResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody may ever call finalResult(): its rejection must not become an unhandled rejection.
    this.#result.catch(noop);

    const signal = options.signal;
    // Aborted before the request: do not send it at all.
    if (signal?.aborted) {
      this.#fail(signal.reason);
      return;
    }
    if (signal) {
      const onAbort = () => this.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#unlisten = () => signal.removeEventListener('abort', onAbort);
    }
    this.#arm(this.#startedAt);
    // The executor turns a synchronous throw of `open` into a rejection, handled like any other.
    const opened = new Promise<Response>((resolve) => resolve(options.open(this.#controller.signal)));
    this.#run(opened).catch((error: unknown) => this.#fail(error));
  }

  /**
   * Resolves with the whole answer once the stream closes normally; rejects as the stream does.
   * Works whether or not the stream is iterated: without an iterator it reads the stream itself
   * (an iterator started after that may miss events; start it first, or in the same tick).
   */
  finalResult(): Promise<ChatResult> {
    if (!this.#iterated) {
      this.#buffering = false;
      this.#release();
    }
    return this.#result;
  }

  /** Stops the stream and releases the connection: everything waiting rejects with `reason` (an `AbortError` by default). */
  abort(reason?: unknown): void {
    if (this.#settled) return;
    this.#controller.abort(reason);
    this.#queue = [];
    this.#head = 0;
    this.#fail(this.#controller.signal.reason);
  }

  /** Yields every event live, partial texts and heartbeats included. Throws if the stream is already being iterated. */
  [Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    if (this.#iterated) {
      throw new Error('This ChatStream is already being iterated; a stream can be iterated once. Use finalResult() for the whole answer.');
    }
    this.#iterated = true;
    this.#buffering = true;
    const finish = (): Promise<Step> => {
      this.abort(); // also empties the queue
      this.#errorPending = false;
      return Promise.resolve(done);
    };
    return { next: () => this.#next(), return: finish, throw: finish };
  }

  #next(): Promise<Step> {
    const queue = this.#queue;
    if (this.#head < queue.length) {
      const value = queue[this.#head++] as ChatEvent;
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
        if (this.#drained) this.#release();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#settled) {
      if (!this.#errorPending) return Promise.resolve(done);
      // Deliver the error once; a later next() says done, as an ended generator does.
      this.#errorPending = false;
      return Promise.reject(this.#error);
    }
    // A second next() before the first settled (for-await never does this): line up behind it.
    if (this.#waiter) return this.#waiter.promise.then(() => this.#next(), () => this.#next());
    const waiter = (this.#waiter = {} as Waiter);
    return (waiter.promise = new Promise<Step>((resolve, reject) => Object.assign(waiter, { resolve, reject })));
  }

  #emit(event: ChatEvent): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
    } else if (this.#buffering) this.#queue.push(event);
  }

  async #run(opened: Promise<Response>): Promise<void> {
    let response: Response;
    try {
      response = await opened;
    } catch (error) {
      return this.#fail(this.#openError(error));
    }
    const body = response.body;
    // Aborted or timed out while waiting for headers: release the connection unread.
    if (this.#settled) return void body?.cancel().catch(noop);
    if (!response.ok) {
      body?.cancel().catch(noop);
      return this.#fail(this.#openError(new APIError(`HTTP ${response.status}`, response.status, { status: response.status })));
    }
    if (body === null) return this.#end(true);
    const reader = body.getReader();
    this.#reader = reader;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        // undici reports a dropped connection as `TypeError: terminated`: a cut, not a bug.
        return this.#interrupted('was cut', error);
      }
      if (this.#settled) return;
      if (chunk.done) break;
      this.#lastByteAt = Date.now();
      this.#sse.push(chunk.value);
      if (this.#buffering && this.#queue.length - this.#head > queueLimit) {
        await new Promise<void>((resolve) => (this.#drained = resolve));
      }
      if (this.#settled) return;
    }
    this.#end(this.#sse.end());
  }

  #end(clean: boolean): void {
    if (this.#settled) return;
    if (!clean) return this.#interrupted('ended in the middle of an event', undefined);
    this.#settled = true;
    this.#cleanup();
    const result = this.#snapshot();
    this.#options.logger?.debug?.(`chat stream closed after ${Date.now() - this.#startedAt} ms: ${result.events.length} events, session ${this.sessionId}`);
    this.#resolve(result);
    this.#waiter?.resolve(done);
    this.#waiter = undefined;
  }

  #interrupted(how: string, cause: unknown): void {
    const message = `The chat stream ${how} after ${this.#events.length} events. ${notResent}`;
    this.#fail(new StreamInterruptedError(message, this.#snapshot(), { sessionId: this.sessionId, cause }));
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#errorPending = true;
    this.#error = error;
    // Release the connection: a still pending open() or read() settles, and is ignored.
    if (!this.#controller.signal.aborted) this.#controller.abort(error);
    this.#reader?.cancel(error).catch(noop);
    this.#cleanup();
    this.#reject(error);
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#errorPending = false;
      waiter.reject(error);
    }
  }

  #release(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  #cleanup(): void {
    this.#release();
    clearTimeout(this.#timer);
    this.#unlisten?.();
    this.#timer = this.#unlisten = undefined;
  }

  // The one rule for a failed `/run_sse`: once the body may have reached the service, the
  // message may be in work (and paid for), so every failure is a cut stream: never retryable,
  // recovered through state. Only an answer that says the service did not take the message
  // (a refusal: 4xx or an error code, e.g. 1002 or 2001) keeps its own class.
  #openError(error: unknown): unknown {
    if (this.#controller.signal.aborted) return this.#controller.signal.reason;
    const sessionId = this.sessionId;
    if (error instanceof APIError && (!error.retryable || error instanceof RateLimitError)) {
      // The transport does not know the session; the caller needs it. (A frozen error stays as is.)
      if (error.sessionId === undefined) Reflect.set(error, 'sessionId', sessionId);
      return error;
    }
    const status = (error as APIError | undefined)?.status;
    const how = status === undefined ? 'lost its connection' : `got HTTP ${status}`;
    const message = `The chat request ${how} before the answer began; the service may have taken the message. ${notResent}`;
    return new StreamInterruptedError(message, this.#snapshot(), { sessionId, status, cause: error });
  }

  #arm(now: number): void {
    const deadline = Math.min(this.#lastByteAt + this.#ms.idle, this.#lastEventAt + this.#ms.heartbeat, this.#startedAt + this.#ms.total, this.#nextStillAt);
    if (deadline !== Infinity) this.#timer = setTimeout(this.#tick, Math.min(Math.max(deadline - now, 0), maxDelay));
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#settled) return;
    const now = Date.now();
    // While the loop is still busy with earlier events the body is not read: the quiet is ours.
    if (this.#drained) this.#lastByteAt = this.#lastEventAt = now;
    let timedOut: string | undefined;
    if (now - this.#startedAt >= this.#ms.total) timedOut = `ran longer than ${seconds(this.#ms.total)}`;
    else if (now - this.#lastByteAt >= this.#ms.idle) timedOut = `sent nothing for ${seconds(this.#ms.idle)}`;
    else if (now - this.#lastEventAt >= this.#ms.heartbeat) {
      timedOut = `sent ${this.#lastByteAt > this.#lastEventAt ? 'only heartbeats' : 'nothing'} for ${seconds(this.#ms.heartbeat)}`;
    }
    if (timedOut !== undefined) {
      const message = `The chat stream ${timedOut}. ${notResent}`;
      return this.#fail(new StreamTimeoutError(message, this.#snapshot(), { sessionId: this.sessionId }));
    }
    if (now >= this.#nextStillAt) {
      while (this.#nextStillAt <= now) this.#nextStillAt += this.#ms.still;
      try {
        this.#options.onStillWorking?.({ elapsedMs: now - this.#startedAt });
      } catch (error) {
        this.#options.logger?.warn?.(`onStillWorking threw: ${String(error)}`);
      }
    }
    if (!this.#settled) this.#arm(now);
  }

  #onData(data: string): void {
    if (this.#settled) return;
    // Any frame that is not a heartbeat shows the agent is working (even metadata-only events).
    this.#lastEventAt = this.#lastByteAt;
    const value = parseAdkData(data);
    const events = decodeAdkEvent(value);
    const first = events[0];
    if (events.length === 1 && first !== undefined) {
      // Only a frame that decodes to one unknown event can be a bare error frame: test it then.
      const bare = first.type === 'unknown' ? adkBareErrorMessage(value) : undefined;
      if (bare === undefined) return this.#take(first);
      return this.#fail(new AgentError(`The agent failed: ${quote(redactText(bare))}`, this.#snapshot(), { sessionId: this.sessionId, cause: redactDeep(value) }));
    }
    for (let i = 0; i < events.length; i++) this.#take(events[i] as ChatEvent);
  }

  #take(event: ChatEvent): void {
    if (event.type === 'text') {
      if (event.partial) this.#partialText += event.text;
      else {
        // The whole text repeats the deltas before it: replace them, never append.
        this.#partialText = '';
        this.#pushText(event.text);
        this.#events.push(event);
      }
    } else {
      // Deltas that no whole text closed still count as text (a turn cut short).
      if (this.#partialText !== '') this.#flushPartial();
      if (event.type === 'tool_call') this.#toolCalls.push(event);
      else if (event.type === 'tool_result') this.#toolResults.push(event);
      this.#events.push(event);
    }
    this.#emit(event);
  }

  #pushText(text: string): void {
    this.#outputBeforeLastText = this.#texts.length > 0 || this.#toolCalls.length > 0 || this.#toolResults.length > 0;
    this.#texts.push(text);
  }

  #flushPartial(): void {
    this.#pushText(this.#partialText);
    this.#partialText = '';
  }

  #snapshot(): ChatResult {
    if (this.#partialText !== '') this.#flushPartial();
    let texts = this.#texts;
    const last = texts[texts.length - 1];
    // The backend may append this after finishing the work; it is not the answer (docs/protocol.md).
    if (last !== undefined && this.#outputBeforeLastText && last.trimStart().startsWith(temporaryIssue)) texts = texts.slice(0, -1);
    const text = texts.filter((t) => t !== '').join('\n\n');
    return { text, events: this.#events, toolCalls: this.#toolCalls, toolResults: this.#toolResults, silent: text.trim() === '' };
  }
}
