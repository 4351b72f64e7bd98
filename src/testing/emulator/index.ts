/**
 * The NemoVideo emulator's core: an in-memory backend implementing the wire protocol (docs/protocol.md) by itself (it
 * shares nothing with the SDK's transport, so it cannot repeat the client's bugs). Universal
 * code without msw; the msw glue lives in `../msw.ts`, the Node server in `./server.ts`.
 * @module
 */
export { createEmulatorCore, type EmulatorCore } from './emulator.js';
export type {
  CreditBalance,
  EmulatorErrorFault,
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
} from './types.js';
export { isEmulatorPath } from './handlers.js';
export { startEmulatorCore, serveEmulator, type RunningEmulator, type StartEmulatorOptions } from './server.js';
