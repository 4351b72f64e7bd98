/**
 * Response validation: a schema failure becomes a {@link ResponseValidationError} that names the
 * bad path; what passes is returned as received (unknown fields kept).
 * @module
 */
import type { ZodMiniType } from 'zod/mini';
import { ResponseValidationError } from './errors.js';

type Schemas = typeof import('../decoders/schemas.js');
let schemas: Promise<Schemas> | undefined;

/**
 * Loads the response schemas on first use: zod costs about 40 ms to load (docs/performance.md), which a
 * cold `import('nemovideo')` then does not pay.
 */
export function loadSchemas(): Promise<Schemas> {
  return (schemas ??= import('../decoders/schemas.js'));
}

/** Validates `value` against `schema`; `where` names the call for the message (e.g. `GET /api/credits/balance/simple`). */
export function validate<T>(schema: ZodMiniType<T>, value: unknown, where: string, sessionId?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return value as T;
  // A failed parse has at least one issue; a JSON answer has no symbol keys.
  const issue = result.error.issues[0]!;
  const path = ['data', ...issue.path].join('.');
  throw new ResponseValidationError(`Unexpected answer from ${where}: ${path}: ${issue.message}.`, path, { sessionId });
}

/** A number from a numeric field that may arrive as a string; `undefined` when absent or not a number. */
export function toNumber(value: unknown): number | undefined {
  // `Number` reads null and '' as 0, and undefined as NaN.
  const n = value === null || value === '' ? NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
}
