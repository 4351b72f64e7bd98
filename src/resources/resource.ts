/**
 * The base of every resource: a handle on a client's transport.
 * @module
 */
import type { NemoVideoCore } from '../core/client.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Transport } from '../core/transport.js';

/** A group of API calls built on a client ({@link NemoVideoCore} or {@link NemoVideo}); it shares the client's token and settings. */
export abstract class Resource {
  /** @internal */
  protected readonly transport: Transport;

  /** @param client the client whose token, settings and connection the calls use. */
  constructor(client: NemoVideoCore) {
    const transport = (client as Partial<NemoVideoCore> | undefined)?.transport;
    if (transport === undefined) throw new InvalidArgumentError('Build resources on a client: pass a NemoVideoCore or a NemoVideo.');
    this.transport = transport;
  }
}
