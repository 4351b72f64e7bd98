import { http, type HttpHandler } from 'msw';
import { isEmulatorPath, type EmulatorCore } from './emulator/index.js';
import { ConnectionReset } from './emulator/reply.js';

/**
 * msw request handlers that send NemoVideo API requests (any origin: `/api/…`, `/run_sse`,
 * `/_emulator/…`) to an emulator. Other requests fall through to the next handler. A connection
 * reset (fault `reset`) becomes a network error: the fetch rejects with a `TypeError`. This is the
 * only file that imports msw.
 */
export function mswHandlers(emulator: Pick<EmulatorCore, 'handle'>): HttpHandler[] {
  return [
    http.all(
      ({ request }) => isEmulatorPath(new URL(request.url).pathname),
      async ({ request }) => {
        try {
          return await emulator.handle(request);
        } catch (error) {
          if (error instanceof ConnectionReset) return Response.error();
          throw error;
        }
      },
    ),
  ];
}
