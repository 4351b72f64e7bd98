/**
 * Argument checks run before any byte is sent: a bad input is an {@link InvalidArgumentError}.
 * @module
 */
import { InvalidArgumentError } from './errors.js';

/** Asserts a non-empty string id (session, task, render ids). */
export function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError(`${name} must be a non-empty string, got ${value === '' ? 'an empty string' : typeof value}.`);
  }
  return value;
}

/** Asserts a positive finite number (intervals, limits), or undefined. */
export function optionalPositive(value: unknown, name: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}.`);
  }
  return value;
}

/** Encodes one URL path segment. */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}
