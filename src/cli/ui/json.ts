/**
 * Shapes for `--json` lines: SDK objects without their `raw` wire copies.
 * @module
 */
import type { ChatEvent } from '../../index.js';

/** A chat event as a `{"event": …}` line holds it (no `raw`). */
export function eventJson(event: ChatEvent): Record<string, unknown> {
  const { raw: _raw, ...rest } = event as ChatEvent & { raw?: unknown };
  return rest;
}

/** A copy of `value` without `raw` keys at any depth (decoded drafts, jobs, files). */
export function withoutRaw(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRaw);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'raw').map(([key, v]) => [key, withoutRaw(v)]));
}
