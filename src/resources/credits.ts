/**
 * The credit balance (docs/protocol.md › Credits).
 * @module
 */
import type { RequestOptions } from '../core/types.js';
import { loadSchemas, toNumber, validate } from '../core/validate.js';
import { Resource } from './resource.js';

/** The balance: `frozen` is reserved by operations in progress. */
export interface CreditBalance {
  available: number;
  frozen: number;
  total: number;
  raw: unknown;
}

/** Reads credits. */
export class Credits extends Resource {
  /** Reads the balance. Retried on network errors, 408 and 5xx. */
  async balance(options?: RequestOptions): Promise<CreditBalance> {
    const path = '/api/credits/balance/simple';
    const raw = await this.transport.request(path, options);
    const data = validate((await loadSchemas()).creditsSchema, raw, `GET ${path}`);
    const available = toNumber(data.available) ?? 0;
    const frozen = toNumber(data.frozen) ?? 0;
    return { available, frozen, total: toNumber(data.total) ?? available + frozen, raw };
  }
}
