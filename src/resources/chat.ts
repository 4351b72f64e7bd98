/**
 * Chat with the agent over SSE (docs/protocol.md › Send a message) and the documented recovery
 * through state when a stream is cut.
 * @module
 */
import { optionalPositive, requireId } from '../core/args.js';
import { InvalidArgumentError } from '../core/errors.js';
import { readSessionState, type SessionState } from '../core/session-state.js';
import { nextPollMs } from '../core/retry.js';
import { sleep } from '../core/sleep.js';
import type { RequestOptions } from '../core/types.js';
import type { Draft } from '../decoders/draft.js';
import { diffTimelines, type TimelineChange } from '../decoders/diff.js';
import { ChatStream, type ChatStreamOptions } from './chat-stream.js';
import { Resource } from './resource.js';

/** Options of {@link Chat.send}: the stream's watchdogs (see {@link ChatStreamOptions}) plus `partialText`. */
export interface ChatSendOptions extends Omit<ChatStreamOptions, 'sessionId' | 'open' | 'logger'> {
  /** Ask for live text deltas (`"streaming": true` on the wire). Default false: whole texts only. */
  partialText?: boolean | undefined;
}

/** Options of {@link Chat.recover}. */
export interface ChatRecoverOptions {
  /** The state (or draft) read before the message was sent; `null` for a new session. */
  baseline: SessionState | Draft | null | undefined;
  /** Wait before the first read. Default 30 000. */
  firstDelayMs?: number | undefined;
  /** Wait between reads while nothing changed. Default: the service's hint (`Retry-After`) when sooner, else 60 000. */
  intervalMs?: number | undefined;
  /** Unchanged reads before giving up. Default 5. */
  maxUnchanged?: number | undefined;
  /** Called after each read. */
  onProgress?: ((info: { polls: number; changed: boolean }) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What {@link Chat.recover} found. */
export interface ChatRecovery {
  /** Whether the draft changed since the baseline. */
  changed: boolean;
  /** The last state read. */
  state: SessionState;
  /** What changed in the timeline. */
  changes: TimelineChange[];
  /** How many times state was read. */
  polls: number;
}

/** Talks to the agent. */
export class Chat extends Resource {
  /**
   * Sends one message and returns its {@link ChatStream} at once. The message is sent exactly
   * once: a 429 or 1001 refusal is replayed once (the server did not take it). Any other failure
   * after sending (a reset, a timeout, a 5xx, a cut stream) rejects with `StreamInterruptedError`
   * or `StreamTimeoutError` (`retryable: false`): the service may have taken the message, so
   * recover through state with {@link Chat.recover} instead of sending it again.
   *
   * @example
   * ```ts
   * const stream = nemo.chat.send(sessionId, 'generate a 30-second video about a coffee brand launch');
   * for await (const event of stream) if (event.type === 'text') console.log(event.text);
   * const { text, silent } = await stream.finalResult();
   * ```
   */
  send(sessionId: string, text: string, options: ChatSendOptions = {}): ChatStream {
    requireId(sessionId, 'sessionId');
    if (typeof text !== 'string' || !text.trim()) throw new InvalidArgumentError('text must be a non-empty string.');
    const transport = this.transport;
    // The stream checks the watchdog options, before it sends.
    return new ChatStream({
      ...options,
      sessionId,
      logger: transport.options.logger,
      open: (signal) =>
        // A POST (it has a JSON body), sent once.
        transport.stream('/run_sse', {
          json: {
            app_name: 'nemo_agent',
            user_id: 'me',
            session_id: sessionId,
            new_message: { parts: [{ text }] },
            // Left out of the JSON unless asked for.
            streaming: options.partialText ? true : undefined,
          },
          signal,
          sessionId,
          idempotent: false,
          timeout: 0, // the stream's watchdogs bound it, not the request timeout
          headers: { accept: 'text/event-stream' },
        }),
    });
  }

  /**
   * The documented recovery after a cut or silent stream (docs/protocol.md): wait `firstDelayMs`,
   * read state; changed → report it; unchanged → wait `intervalMs` and read again; after
   * `maxUnchanged` unchanged reads, answer `changed: false`. Never re-sends the message.
   */
  async recover(sessionId: string, options: ChatRecoverOptions): Promise<ChatRecovery> {
    requireId(sessionId, 'sessionId');
    if (!('baseline' in Object(options))) {
      throw new InvalidArgumentError('recover needs { baseline }: the state read before sending (or null for a new session).');
    }
    const { baseline, signal } = options;
    const firstDelayMs = optionalPositive(options.firstDelayMs, 'firstDelayMs', true) ?? 30_000;
    const intervalMs = optionalPositive(options.intervalMs, 'intervalMs', true);
    const maxUnchanged = optionalPositive(options.maxUnchanged, 'maxUnchanged') ?? 5;
    // A draft has tracks; a state holds one.
    const before = !baseline ? null : 'tracks' in baseline ? baseline : baseline.draft;
    await sleep(firstDelayMs, signal);
    for (let polls = 1; ; polls++) {
      const state = await readSessionState(this.transport, sessionId, { signal });
      const after = state.draft;
      const changes = diffTimelines(before, after);
      // A change the timeline diff does not see (e.g. a new key) still counts as a change.
      const changed = !!changes[0] || (!!(before && after) && JSON.stringify(before.raw) !== JSON.stringify(after.raw));
      options.onProgress?.({ polls, changed });
      if (changed || polls >= maxUnchanged) return { changed, state, changes, polls };
      await sleep(nextPollMs(intervalMs, state.retryAfterMs, 60_000), signal);
    }
  }
}
