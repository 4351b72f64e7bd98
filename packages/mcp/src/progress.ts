/**
 * Progress notifications of one tool call: sent only when the request carried a
 * `progressToken`, with a value that always grows, and repeated while the call waits so that
 * clients which reset their timeout on progress keep waiting.
 * @module
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { redactSecrets } from './redact.js';

/** The `extra` argument of a tool handler. */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Reports progress of one call; `close()` stops the keep-alive. */
export interface Progress {
  /** Sends a notification with this message (the progress value grows by one). */
  report(message: string): void;
  /** Stops the keep-alive timer and waits for the notifications sent so far, so none trails the result. */
  close(): Promise<void>;
}

/**
 * Starts reporting for a call. Without a `progressToken` it sends nothing. While open, a
 * notification repeating the last message goes out whenever `keepaliveMs` passed without one.
 */
export function startProgress(extra: ToolExtra, keepaliveMs: number): Progress {
  const token = extra._meta?.progressToken;
  if (token === undefined) return { report() {}, close: async () => {} };
  let step = 0;
  let pending: Promise<void> = Promise.resolve();
  let last = '';
  let lastAt = Date.now();
  const started = Date.now();
  const send = (message: string) => {
    step += 1;
    lastAt = Date.now();
    const params = { progressToken: token, progress: step, message: redactSecrets(message) };
    // Chained, so notifications keep their order and `close()` can wait for them.
    pending = pending.then(() => extra.sendNotification({ method: 'notifications/progress', params })).catch(() => {}); // a client gone away is no reason to fail the job
  };
  const timer = setInterval(() => {
    if (Date.now() - lastAt >= keepaliveMs) send(`${last || 'Working'} (still waiting, ${Math.round((Date.now() - started) / 1000)} s)`);
  }, Math.max(100, Math.floor(keepaliveMs / 4)));
  timer.unref();
  return {
    report(message) {
      last = message;
      send(message);
    },
    async close() {
      clearInterval(timer);
      await pending;
      // The official client handles a notification a microtask after the response read in the same
      // chunk, and by then drops its progress handler: leave a gap after a recent notification.
      const since = Date.now() - lastAt;
      if (step > 0 && since < 100) await new Promise((resolve) => setTimeout(resolve, 100 - since));
    },
  };
}
