/**
 * Result types shared by the core and the resources. The wire (snake_case) types stay next to
 * their decoders; these are the public, camelCase shapes.
 * @module
 */

/** Options every method takes last. */
export interface RequestOptions {
  /** Cancels the call; the promise rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's per-request `timeout`, in milliseconds (headers and body); `0` means none. */
  timeout?: number | undefined;
}

/** A text event: the agent's words. With `partialText`, `partial: true` events carry deltas. */
export interface ChatTextEvent {
  type: 'text';
  text: string;
  /** A live delta; the closing whole event repeats the full text. */
  partial: boolean;
  author: string | undefined;
  raw: unknown;
}

/** The agent called a tool. */
export interface ChatToolCallEvent {
  type: 'tool_call';
  id: string | undefined;
  name: string;
  args: Record<string, unknown>;
  raw: unknown;
}

/** A tool answered the agent. */
export interface ChatToolResultEvent {
  type: 'tool_result';
  id: string | undefined;
  name: string;
  response: unknown;
  raw: unknown;
}

/** The connection is alive but the agent is still working (SSE comment or empty `data:`). */
export interface ChatHeartbeatEvent {
  type: 'heartbeat';
  raw: unknown;
}

/** The agent reported an error inside the stream (ADK `errorCode`); the run may go on. */
export interface ChatErrorEvent {
  type: 'error';
  code: string;
  message: string;
  raw: unknown;
}

/** An ADK event of a shape the SDK does not know yet: kept, never dropped. */
export interface ChatUnknownEvent {
  type: 'unknown';
  raw: unknown;
}

/** One event of a chat stream, discriminated on `type`; each keeps the ADK event on `raw`. */
export type ChatEvent =
  | ChatTextEvent
  | ChatToolCallEvent
  | ChatToolResultEvent
  | ChatHeartbeatEvent
  | ChatErrorEvent
  | ChatUnknownEvent;

/** What a chat stream delivered, as a whole. */
export interface ChatResult {
  /** The final answer text (whole texts joined by a blank line; partial chunks only where no whole text came). */
  text: string;
  /** The whole (non-partial, non-heartbeat) events, in order. */
  events: ChatEvent[];
  toolCalls: ChatToolCallEvent[];
  toolResults: ChatToolResultEvent[];
  /** True when no text came (e.g. an edit done with tool calls only): read state to see what changed. */
  silent: boolean;
}
