/**
 * `nemovideo/testing/msw`: [msw](https://mswjs.io) request handlers for an emulator, for tests
 * that intercept the global `fetch` instead of passing `emu.fetch` to the client. This is the only
 * module of the package that imports msw (an optional peer dependency, version 3): install it to
 * use this subpath; `nemovideo/testing` itself needs no msw.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { createEmulator } from 'nemovideo/testing';
 * import { mswHandlers } from 'nemovideo/testing/msw';
 *
 * const emu = createEmulator({ seed: 1 });
 * const server = setupServer(...mswHandlers(emu));
 * server.listen();
 * ```
 * @module
 */
import { http, type HttpHandler } from 'msw';
import type { EmulatorCore } from './emulator/emulator.js';
import { isEmulatorPath } from './emulator/handlers.js';

/**
 * msw request handlers that send NemoVideo API requests (any origin: `/api/…`, `/run_sse`,
 * `/_emulator/…`) to an emulator (`createEmulator()`, or `startEmulator().emulator`). Other
 * requests fall through to the next handler. A connection reset (fault `reset`) becomes a network
 * error: the fetch rejects with a `TypeError`.
 */
export function mswHandlers(emulator: Pick<EmulatorCore, 'handle'>): HttpHandler[] {
  return [
    http.all(
      ({ request }) => isEmulatorPath(new URL(request.url).pathname),
      async ({ request }) => {
        try {
          return await emulator.handle(request);
        } catch (error) {
          // `handle` rejects with a TypeError only for a reset fault (an abort rejects with the
          // signal's reason). Not `instanceof ConnectionReset`: the CommonJS build of this entry
          // has its own copy of that class.
          if (error instanceof TypeError && !request.signal.aborted) return Response.error();
          throw error;
        }
      },
    ),
  ];
}
