/**
 * The base of every resource: a handle on the client's transport.
 * @module
 */
import type { Transport } from '../core/transport.js';

/** A group of API calls sharing the client's transport. */
export abstract class Resource {
  /** @internal */
  protected readonly transport: Transport;

  /** @internal */
  constructor(transport: Transport) {
    this.transport = transport;
  }
}

