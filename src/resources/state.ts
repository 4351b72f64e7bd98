/**
 * Session state: the draft and the media of a session (docs/protocol.md › Session state).
 * @module
 */
import { readSessionState, type SessionState } from '../core/session-state.js';
import type { RequestOptions } from '../core/types.js';
import { Resource } from './resource.js';

/** Reads session state. */
export class State extends Resource {
  /** Reads the latest state of a session. Retried on network errors, 408 and 5xx; 1002 → `SessionNotFoundError`. */
  latest(sessionId: string, options?: RequestOptions): Promise<SessionState> {
    return readSessionState(this.transport, sessionId, options);
  }
}
