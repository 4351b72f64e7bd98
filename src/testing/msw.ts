import { http, type HttpHandler } from 'msw';
import { isEmulatorPath, type EmulatorCore } from './emulator/index.js';

/**
 * msw request handlers that send NemoVideo API requests (any origin: `/api/…`, `/run_sse`,
 * `/_emulator/…`) to an emulator. Other requests fall through to the next handler. This is the
 * only file that imports msw.
 */
export function mswHandlers(emulator: Pick<EmulatorCore, 'handle'>): HttpHandler[] {
  return [
    http.all(
      ({ request }) => isEmulatorPath(new URL(request.url).pathname),
      ({ request }) => emulator.handle(request),
    ),
  ];
}
