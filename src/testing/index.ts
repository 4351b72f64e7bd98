/**
 * `nemovideo/testing`: an in-memory NemoVideo backend for tests and demos. It speaks the wire
 * protocol of [docs/protocol.md](../../docs/protocol.md) (envelopes, error codes, ADK SSE with
 * heartbeats, uploads, credits, drafts, renders serving a real MP4) and takes faults to inject.
 * It needs no msw: pass `emu.fetch` to the client, or listen with `startEmulator`. For msw, the
 * handlers are in `nemovideo/testing/msw`.
 *
 * @example
 * ```ts
 * import { NemoVideo } from 'nemovideo';
 * import { createEmulator } from 'nemovideo/testing';
 *
 * const emu = createEmulator({ seed: 1 });
 * const nemo = new NemoVideo({ fetch: emu.fetch }); // gets an anonymous token from the emulator
 * const result = await nemo.generate('a coffee ad');
 * expect(emu.inspect().requests.filter((r) => r.path === '/run_sse')).toHaveLength(1);
 * ```
 * @module
 */
import { createEmulatorCore, type EmulatorCore } from './emulator/emulator.js';
import {
  processEnvironment,
  serveEmulator,
  withEnvironmentToken,
  type RunningEmulator,
  type StartEmulatorOptions,
} from './emulator/server.js';
import type { EmulatorOptions } from './emulator/types.js';

/**
 * An in-memory NemoVideo backend: `fetch` for the client's `fetch` option, `handle` for a server
 * or msw (`mswHandlers(emu)` from `nemovideo/testing/msw`), `inspect()` for assertions.
 */
export type Emulator = EmulatorCore;

/**
 * Makes an in-memory NemoVideo backend. Pass `emu.fetch` as the client's `fetch` option (or
 * `mswHandlers(emu)` from `nemovideo/testing/msw` to msw); read what happened with `emu.inspect()`.
 */
export function createEmulator(options?: EmulatorOptions): Emulator {
  return createEmulatorCore(options);
}

/**
 * Starts an emulator over HTTP on 127.0.0.1 (Node only; port 0 by default picks a free one).
 * Streams flush per event; `close()` ends open streams and connections. Besides the `tokens`
 * option, it accepts the token in the environment variable `NEMO_TOKEN` (read at start), so a
 * client configured by the environment works against it.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator<Emulator>> {
  const { port, host, ...rest } = options;
  return serveEmulator(createEmulator(withEnvironmentToken(rest, processEnvironment())), { port, host });
}

export { fastEmulatorOptions, fastEmulatorPolling } from './emulator/fast.js';
export { isEmulatorPath } from './emulator/handlers.js';
export type { EmulatorCore } from './emulator/emulator.js';
export type { RunningEmulator, StartEmulatorOptions } from './emulator/server.js';
export type {
  CreditBalance,
  EmulatorDelayFault,
  EmulatorErrorFault,
  EmulatorErrorFrameFault,
  EmulatorFaults,
  EmulatorOptions,
  EmulatorSnapshot,
  EmulatorTokenOptions,
  FaultFrequency,
  InspectedRender,
  InspectedRequest,
  InspectedSession,
  PathPattern,
  RequestContext,
} from './emulator/types.js';
