/**
 * Server-Sent Events framing for `/run_sse`: bytes in, `data` payloads and heartbeats out.
 * Built on eventsource-parser's `createParser`, fed from the body's reader through one streaming
 * `TextDecoder`. The `TransformStream` pair (`TextDecoderStream` + `EventSourceParserStream`)
 * holds about 15 KiB more heap per open stream (docs/performance.md).
 * @module
 */
import { createParser } from 'eventsource-parser';

/** Where an {@link SseDecoder} delivers what it finds. Both are called unbound (no `this`). */
export interface SseHandler {
  /** A complete event with a non-blank `data` payload (multi-line data joined with `\n`). */
  onData: (data: string) => void;
  /** A heartbeat: an SSE comment line (its text, e.g. `ping`) or an event whose data is blank. */
  onHeartbeat: (comment: string) => void;
}

/**
 * Decodes an SSE byte stream into events, whatever the chunking: CRLF, CR or LF line ends,
 * comments, multi-line `data`, and UTF-8 characters split across chunks are all handled.
 * Feed it every chunk with {@link SseDecoder.push}, then call {@link SseDecoder.end} once.
 */
export class SseDecoder {
  /** Decodes one chunk of the body; complete events are delivered before it returns. */
  declare readonly push: (bytes: Uint8Array) => void;
  /**
   * Ends the input. Returns `true` when the body ended on a frame boundary, `false` when it
   * stopped inside a frame (that frame is dropped, as the SSE spec says, and not delivered).
   */
  declare readonly end: () => boolean;

  constructor(handler: SseHandler) {
    const text = new TextDecoder();
    // `ending` is set while end() flushes: an event dispatched then was still open when the body
    // ended, and sets `cut`. (Both start undefined, read as false.)
    let ending!: boolean;
    let cut!: boolean;
    const parser = createParser({
      onEvent({ data }) {
        // A blank check that stays O(1) on an ADK frame: trim() stops at its `{` and `}`.
        const blank = !data.trim();
        // An unfinished heartbeat is harmless; unfinished data means the body was cut mid-frame.
        if (ending) cut ||= !blank;
        else (blank ? handler.onHeartbeat : handler.onData)(data);
      },
      onComment: handler.onHeartbeat,
    });
    this.push = (bytes) => parser.feed(text.decode(bytes, { stream: true }));
    this.end = () => {
      ending = true;
      // What the decoder still holds is a cut UTF-8 sequence (U+FFFD, never a line end), so it
      // dispatches nothing itself. Two line feeds close any open line and any open event; whatever
      // that dispatches was cut.
      parser.feed(`${text.decode()}\n\n`);
      return !cut;
    };
  }
}
