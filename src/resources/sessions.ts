/**
 * Sessions: one conversation with the agent and its draft (docs/protocol.md › Create session).
 * @module
 */
import type { RequestOptions } from '../core/types.js';
import { InvalidArgumentError } from '../core/errors.js';
import { loadSchemas, validate } from '../core/validate.js';
import { Resource } from './resource.js';

/** Options of a new session. */
export interface SessionCreateParams {
  /** BCP 47 language of the user (e.g. `en`, `zh-CN`); default `en`. */
  language?: string;
  /** Task name; default `project`. */
  taskName?: string;
}

/** A new session. */
export interface Session {
  sessionId: string;
  taskId: string;
  userId: string | undefined;
  raw: unknown;
}

/** Creates sessions. */
export class Sessions extends Resource {
  /** Creates a session. Not retried on 5xx: a second create would make a second project. */
  async create(params: SessionCreateParams = {}, options?: RequestOptions): Promise<Session> {
    for (const key of ['language', 'taskName'] as const) {
      const value = params?.[key];
      if (value !== undefined && (typeof value !== 'string' || !value.trim())) {
        throw new InvalidArgumentError(`${key} must be a non-empty string, got ${JSON.stringify(value)}.`);
      }
    }
    const path = '/api/tasks/me/with-session/nemo_agent';
    const raw = await this.transport.request(path, {
      ...options,
      // A POST: not idempotent, so not retried on 5xx.
      json: { task_name: params.taskName ?? 'project', language: params.language ?? 'en' },
    });
    const data = validate((await loadSchemas()).sessionSchema, raw, `POST ${path}`);
    const userId = data.user_id ?? undefined;
    this.transport.options.tokens.noteUserId(userId);
    return { sessionId: data.session_id, taskId: data.task_id, userId, raw };
  }
}
