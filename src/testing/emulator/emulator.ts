import type { EmulatorState } from './context.js';
import { Faults } from './faults.js';
import { handleRequest } from './handlers.js';
import { resolveOptions } from './options.js';
import { createRandom } from './random.js';
import { Store } from './store.js';
import type { EmulatorOptions, EmulatorSnapshot, RequestContext } from './types.js';

/** The emulator without msw handlers: what the CLI and `startEmulator` use. */
export interface EmulatorCore {
  /** Answers a request like `globalThis.fetch` would, for any origin: pass it as the client's `fetch` option. A `reset` fault rejects it with a `TypeError` ("fetch failed"), as a dropped connection does. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Answers a `Request` (what msw handlers and the Node server call). `context.ip` is the caller's address. Rejects with a `TypeError` when a `reset` fault drops the connection. */
  handle(request: Request, context?: RequestContext): Promise<Response>;
  /** Clears all state: tokens, users, sessions, renders, recorded requests and fault counts; ends open streams; restarts the seeded generator. */
  reset(): void;
  /** A copy of what the emulator saw and holds, for assertions (tokens redacted). */
  inspect(): EmulatorSnapshot;
  /** Ends every open `/run_sse` stream abruptly (the server going away). */
  closeStreams(reason?: unknown): void;
  /**
   * Expires a token: the next request with it gets HTTP 401 with code 1001, and so does every
   * later one (until `reset()`), so a test can drive a client's token renewal. The same client id
   * then gets a new anonymous token for the same user. An unknown token is refused already.
   */
  expireToken(token: string): void;
}

// Relative URLs have no origin of their own outside a browser: give them one.
const fallbackBase = 'http://emulator.invalid';

/** Makes an emulator core. See {@link EmulatorOptions} for the options and their defaults. */
export function createEmulatorCore(options: EmulatorOptions = {}): EmulatorCore {
  const resolved = resolveOptions(options);
  const fresh = (): EmulatorState => {
    const random = createRandom(resolved.seed);
    return {
      options: resolved,
      random,
      store: new Store(resolved, random),
      faults: new Faults(resolved.faults, random),
      requests: [],
      streams: new Set(),
    };
  };
  let emu = fresh();

  const closeStreams = (reason?: unknown) => {
    for (const kill of [...emu.streams]) kill(reason);
    emu.streams.clear();
  };

  const handle = (request: Request, context?: RequestContext) => handleRequest(emu, request, context);

  return {
    handle,
    async fetch(input, init) {
      const request =
        typeof input === 'string' && !/^[a-z][a-z\d+.-]*:/i.test(input)
          ? new Request(new URL(input, fallbackBase), init)
          : new Request(input, init);
      if (request.signal.aborted) throw request.signal.reason;
      return handle(request);
    },
    reset() {
      closeStreams();
      emu = fresh();
    },
    closeStreams,
    expireToken(token) {
      emu.store.expire(token);
    },
    inspect() {
      const { store } = emu;
      const sessions = [...store.sessions.values()].map((s) => {
        store.settle(s);
        return {
          sessionId: s.id,
          taskId: s.taskId,
          taskName: s.taskName,
          language: s.language,
          userId: s.userId,
          expired: store.isExpired(s),
          messages: s.messages,
          state: s.state as unknown as Record<string, unknown>,
        };
      });
      const credits = Object.fromEntries([...store.users.keys()].map((id) => [id, store.balance(id)]));
      const renders = [...store.renders.values()].map((r) => ({ id: r.id, sessionId: r.sessionId, ...store.renderStatus(r) }));
      return structuredClone({ requests: emu.requests, sessions, credits, renders });
    },
  };
}
