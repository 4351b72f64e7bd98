/**
 * The live answer to one chat message: an async iterable of {@link ChatEvent}s over a single
 * `POST /run_sse`, with watchdogs, abort, and a {@link ChatResult} at the end.
 * @module
 */
import { optionalPositive } from '../core/args.js';
import { AgentError, APIError, InvalidArgumentError, RateLimitError, StreamInterruptedError, StreamTimeoutError } from '../core/errors.js';
import { quote } from '../core/error-map.js';
import type { Logger } from '../core/logger.js';
import { redactDeep, redactText } from '../core/redact.js';
import { SseDecoder } from '../core/sse.js';
import type { ChatEvent, ChatResult, ChatToolCallEvent, ChatToolResultEvent } from '../core/types.js';
import { adkBareErrorMessage, decodeAdkEvent, parseAdkData } from '../decoders/adk.js';

/** How a {@link ChatStream} is opened and watched. Durations are in milliseconds (finite, not negative); `0` turns a limit off. */
export interface ChatStreamOptions {
  /** The session the message was sent in; every error of the stream carries it. */
  sessionId: string;
  /**
   * Sends the one `POST /run_sse` and resolves with the response; HTTP errors are thrown as typed
   * errors (as the transport does), since the response it resolves with is read as the stream.
   * Called once, never again.
   */
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

const noop = (): void => {};
// A new object each time: a caller may change what it got.
const done = (): Step => ({ value: undefined, done: true });
const notResent = 'The message was not re-sent: check the session state (chat.recover).';

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
export class ChatStream {
  /** The session the message was sent in. */
  declare readonly sessionId: string;

  /**
   * Sends the message through `options.open` right away and starts watching the stream.
   * @throws {InvalidArgumentError} for a bad watchdog option, before anything is sent.
   */
  constructor(options: ChatStreamOptions) {
    const { sessionId, signal, onStillWorking } = options;
    // The options are checked here, before the request (chat.send passes them on as given).
    const limit = (key: 'idleTimeoutMs' | 'heartbeatTimeoutMs' | 'timeoutMs' | 'stillWorkingEveryMs', fallback: number): number =>
      // Checked: finite and not negative; 0 turns the limit off.
      (optionalPositive(options[key], key, true) ?? fallback) || Infinity;
    const heartbeat = limit('heartbeatTimeoutMs', 600_000);
    const idle = limit('idleTimeoutMs', 0);
    const total = limit('timeoutMs', 900_000);
    const still = limit('stillWorkingEveryMs', 120_000);
    if (onStillWorking !== undefined && typeof onStillWorking !== 'function') throw new InvalidArgumentError('onStillWorking must be a function.');
    const controller = new AbortController();
    const startedAt = Date.now();

    // Flags start undefined, read as false.
    let settled!: boolean;
    // An error not yet thrown by the iterator: it throws it once, then says done.
    let errorPending!: boolean;
    let error: unknown;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

    // Delivery: events wait in `queue` (read from `head`) for the iterator. Nothing is queued
    // once finalResult() alone consumes the stream, so an unread 15-minute stream holds no backlog.
    let iterated!: boolean;
    let buffering = true;
    const queue: ChatEvent[] = [];
    let head = 0;
    // The iterator waits on `woken` (shared by every pending next()); `wake` settles it.
    let woken: Promise<void> | undefined;
    let wake: (() => void) | undefined;
    // Set while the reader waits for the loop to catch up: without this backpressure a fast body
    // outruns the loop and every event of the stream piles up in the queue.
    let drained: (() => void) | undefined;

    // The result keeps whole events only.
    const events: ChatEvent[] = [];
    const toolCalls: ChatToolCallEvent[] = [];
    const toolResults: ChatToolResultEvent[] = [];
    const texts: string[] = [];
    let partialText = '';
    let outputBeforeLastText!: boolean;

    // One timer serves every watchdog: it sleeps until the nearest deadline and re-checks the
    // clocks there, so a chunk only stores a timestamp instead of resetting timers.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastByteAt = startedAt;
    let lastEventAt = startedAt;
    let nextStillAt = onStillWorking ? startedAt + still : Infinity;

    let resolve!: (result: ChatResult) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<ChatResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may ever call finalResult(): its rejection must not become an unhandled rejection.
    result.catch(noop);

    const ring = (): void => {
      wake?.();
      woken = undefined;
    };
    const release = (): void => {
      drained = void drained?.();
    };

    const pushText = (text: string): void => {
      outputBeforeLastText = texts.push(text) + toolCalls.length + toolResults.length > 1;
    };
    // Deltas that no whole text closed still count as text (a turn cut short).
    const flushPartial = (): void => {
      if (partialText) pushText(partialText);
      partialText = '';
    };
    const snapshot = (): ChatResult => {
      flushPartial();
      // The backend may append this after finishing the work; it is not the answer (docs/protocol.md).
      const answer = outputBeforeLastText && /^\s*I encountered a temporary issue/.test(texts.at(-1)!) ? texts.slice(0, -1) : texts;
      const text = answer.filter((t) => t).join('\n\n');
      return { text, events, toolCalls, toolResults, silent: !text.trim() };
    };

    const take = (event: ChatEvent): void => {
      const { type } = event;
      if (type !== 'text') {
        flushPartial();
        ({ tool_call: toolCalls, tool_result: toolResults } as Record<string, ChatEvent[]>)[type]?.push(event);
        events.push(event);
      } else if (event.partial) partialText += event.text;
      else {
        // The whole text repeats the deltas before it: replace them, never append.
        partialText = '';
        pushText(event.text);
        events.push(event);
      }
      emit(event);
    };
    const emit = (event: ChatEvent): void => {
      if (buffering) {
        queue.push(event);
        ring();
      }
    };

    // Settles the stream, once: fails it with `reason`, or with `ok` resolves the whole result
    // (`fail(0, true)`).
    const fail = (reason: unknown, ok?: boolean): void => {
      if (settled) return;
      settled = true;
      release();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ring();
      if (!ok) {
        errorPending = true;
        error = reason;
        // Release the connection: a still pending open() or read() settles, and is ignored. (An
        // abort() already made keeps its reason.)
        controller.abort(reason);
        reader?.cancel(reason).catch(noop);
        reject(reason);
      } else {
        const final = snapshot();
        options.logger?.debug?.(`chat stream closed after ${Date.now() - startedAt} ms: ${final.events.length} events, session ${sessionId}`);
        resolve(final);
      }
    };
    // Fails with a ChatStreamError that holds the partial result and the session.
    const failWith = (type: typeof AgentError, message: string, cause?: unknown, status?: number): void =>
      fail(new type(message, snapshot(), { sessionId, cause, status }));
    const interrupted = (how: string, cause?: unknown): void =>
      failWith(StreamInterruptedError, `The chat stream ${how} after ${events.length} events. ${notResent}`, cause);
    const abort = (reason?: unknown): void => {
      if (settled) return;
      controller.abort(reason);
      queue.length = head = 0;
      fail(controller.signal.reason);
    };
    const onAbort = (): void => abort(signal!.reason);

    const arm = (now: number): void => {
      const deadline = Math.min(lastByteAt + idle, lastEventAt + heartbeat, startedAt + total, nextStillAt);
      // Never past now (see check()); capped at setTimeout's ceiling, past which it fires at once.
      if (deadline < Infinity) timer = setTimeout(check, Math.min(deadline - now, 2_147_483_647));
    };
    // Never runs once settled: settling clears the timer.
    const check = (): void => {
      const now = Date.now();
      // While the loop is still busy with earlier events the body is not read: the quiet is ours.
      if (drained) lastByteAt = lastEventAt = now;
      const [what, ms] =
        now - startedAt >= total
          ? ['ran longer than', total]
          : now - lastByteAt >= idle
            ? ['sent nothing for', idle]
            : now - lastEventAt >= heartbeat
              ? [`sent ${lastByteAt > lastEventAt ? 'only heartbeats' : 'nothing'} for`, heartbeat]
              : [];
      if (what) return failWith(StreamTimeoutError, `The chat stream ${what} ${Math.round(ms! / 1000)} s. ${notResent}`);
      if (now >= nextStillAt) {
        while (nextStillAt <= now) nextStillAt += still;
        try {
          options.onStillWorking!({ elapsedMs: now - startedAt });
        } catch (e) {
          options.logger?.warn?.(`onStillWorking threw: ${String(e)}`);
        }
      }
      // Every deadline is now in the future: each clock was just checked against it.
      if (!settled) arm(now);
    };

    const sse = new SseDecoder({
      onData: (data) => {
        if (settled) return;
        // Any frame that is not a heartbeat shows the agent is working (even metadata-only events).
        lastEventAt = lastByteAt;
        const value = parseAdkData(data);
        const bare = adkBareErrorMessage(value);
        if (bare === undefined) decodeAdkEvent(value).forEach(take);
        else failWith(AgentError, `The agent failed: ${quote(redactText(bare))}`, redactDeep(value));
      },
      onHeartbeat: (raw) => settled || emit({ type: 'heartbeat', raw }),
    });

    const run = async (): Promise<void> => {
      let body: ReadableStream<Uint8Array> | null;
      try {
        body = (await options.open(controller.signal)).body;
      } catch (e) {
        // Also a synchronous throw of `open`. After an abort or a timeout the stream has settled,
        // and this changes nothing. The one rule for a failed `/run_sse`: once the body may have
        // reached the service, the message may be in work (and paid for), so every failure is a
        // cut stream: never retryable, recovered through state. Only an answer that says the
        // service did not take the message (a refusal: 4xx or an error code, e.g. 1002 or 2001)
        // keeps its own class.
        if (e instanceof APIError && (!e.retryable || e instanceof RateLimitError)) {
          // The transport does not know the session; the caller needs it. (A frozen error stays as is.)
          e.sessionId ?? Reflect.set(e, 'sessionId', sessionId);
          return fail(e);
        }
        const status = (e as APIError | undefined)?.status;
        const how = status ? `got HTTP ${status}` : 'lost its connection';
        return failWith(StreamInterruptedError, `The chat request ${how} before the answer; the service may have taken the message. ${notResent}`, e, status);
      }
      if (!body) return fail(0, true);
      for (reader = body.getReader(); ; ) {
        // Aborted or timed out (while waiting for headers, or for the loop): release the
        // connection, unread.
        if (settled) return reader.cancel().catch(noop);
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          // undici reports a dropped connection as `TypeError: terminated`: a cut, not a bug.
          return interrupted('was cut', e);
        }
        // A body that stops inside a frame was cut.
        if (chunk.done) return sse.end() ? fail(0, true) : interrupted('ended inside an event');
        lastByteAt = Date.now();
        sse.push(chunk.value);
        if (buffering && queue.length - head > 64) await new Promise<void>((r) => (drained = r));
      }
    };

    const next = async (): Promise<Step> => {
      while (head === queue.length) {
        if (settled) {
          if (!errorPending) return done();
          // Deliver the error once; a later next() says done, as an ended generator does.
          errorPending = false;
          throw error;
        }
        await (woken ??= new Promise<void>((r) => (wake = r)));
      }
      const value = queue[head++]!;
      if (head === queue.length) {
        queue.length = head = 0;
        release();
      }
      return { value, done: false };
    };

    // The stream's state lives in this closure (short names once minified); the instance gets
    // its fields and methods as own properties (typed by the interface ChatStream below).
    Object.assign(this, {
      sessionId,
      finalResult: () => {
        if (!iterated) {
          buffering = false;
          release();
        }
        return result;
      },
      abort,
      [Symbol.asyncIterator]: () => {
        if (iterated) throw Error('A ChatStream can be iterated once; finalResult() gives the whole answer.');
        iterated = buffering = true;
        const finish = async (): Promise<Step> => {
          // A next() waiting now gets the abort; none waiting: the iterator just ends.
          const waiting = woken;
          abort(); // also empties the queue
          errorPending &&= !!waiting;
          return done();
        };
        return { next, return: finish, throw: finish };
      },
    });

    // Aborted before the request: do not send it at all.
    if (signal?.aborted) fail(signal.reason);
    else {
      // Removed when the stream settles (an abort fires once).
      signal?.addEventListener('abort', onAbort);
      arm(startedAt);
      void run().catch(fail);
    }
  }
}

// The methods of a ChatStream, which its constructor sets (declaration merging: to callers they
// are methods like any other).
export interface ChatStream extends AsyncIterable<ChatEvent> {
  /**
   * Resolves with the whole answer once the stream closes normally; rejects as the stream does.
   * Works whether or not the stream is iterated: without an iterator it reads the stream itself
   * (an iterator started after that may miss events; start it first, or in the same tick).
   */
  finalResult(): Promise<ChatResult>;

  /** Stops the stream and releases the connection: everything waiting rejects with `reason` (an `AbortError` by default). */
  abort(reason?: unknown): void;

  /** Yields every event live, partial texts and heartbeats included. Throws if the stream is already being iterated. */
  [Symbol.asyncIterator](): AsyncIterator<ChatEvent>;
}
