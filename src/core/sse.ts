/**
 * Server-Sent Events framing for `/run_sse`: bytes in, `data` payloads and heartbeats out.
 * Built on eventsource-parser's `createParser`, fed from the body's reader through one streaming
 * `TextDecoder`. The `TransformStream` pair (`TextDecoderStream` + `EventSourceParserStream`)
 * holds about 15 KiB more heap per open stream (docs/performance.md).
 * @module
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

/** Where an {@link SseDecoder} delivers what it finds. */
export interface SseHandler {
  /** A complete event with a non-blank `data` payload (multi-line data joined with `\n`). */
  onData(data: string): void;
  /** A heartbeat: an SSE comment line (its text, e.g. `ping`) or an event whose data is blank. */
  onHeartbeat(comment: string): void;
}

const openBrace = 123;

/**
 * Decodes an SSE byte stream into events, whatever the chunking: CRLF, CR or LF line ends,
 * comments, multi-line `data`, and UTF-8 characters split across chunks are all handled.
 * Feed it every chunk with {@link SseDecoder.push}, then call {@link SseDecoder.end} once.
 */
export class SseDecoder {
  readonly #handler: SseHandler;
  readonly #text = new TextDecoder();
  readonly #parser: EventSourceParser;
  // Set while end() flushes: an event dispatched then was still open when the body ended.
  #ending = false;
  #cut = false;

  constructor(handler: SseHandler) {
    this.#handler = handler;
    this.#parser = createParser({
      onEvent: (event) => this.#dispatch(event),
      onComment: (comment) => handler.onHeartbeat(comment),
    });
  }

  /** Decodes one chunk of the body; complete events are delivered before it returns. */
  push(bytes: Uint8Array): void {
    this.#parser.feed(this.#text.decode(bytes, { stream: true }));
  }

  /**
   * Ends the input. Returns `true` when the body ended on a frame boundary, `false` when it
   * stopped inside a frame (that frame is dropped, as the SSE spec says, and not delivered).
   */
  end(): boolean {
    const rest = this.#text.decode();
    if (rest !== '') this.#parser.feed(rest);
    // Two line feeds close any open line and any open event; whatever that dispatches was cut.
    this.#ending = true;
    this.#parser.feed('\n\n');
    return !this.#cut;
  }

  #dispatch(event: EventSourceMessage): void {
    const data = event.data;
    // ADK frames always start with `{`: test that first so the blank check stays off the hot path.
    const blank = data.charCodeAt(0) !== openBrace && data.trim() === '';
    if (this.#ending) {
      // An unfinished heartbeat is harmless; unfinished data means the body was cut mid-frame.
      if (!blank) this.#cut = true;
    } else if (blank) this.#handler.onHeartbeat(data);
    else this.#handler.onData(data);
  }
}
