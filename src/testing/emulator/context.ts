import type { Faults } from './faults.js';
import type { ResolvedOptions } from './options.js';
import type { Random } from './random.js';
import { bearerOf, failure } from './reply.js';
import type { SessionRecord, Store, TokenRecord } from './store.js';
import type { InspectedRequest } from './types.js';

/** The emulator's parts, shared by the route handlers. Replaced as a whole by `reset()`. */
export interface EmulatorState {
  options: ResolvedOptions;
  random: Random;
  store: Store;
  faults: Faults;
  requests: InspectedRequest[];
  /** Ends every open stream (used by `reset()` and by closing the server). */
  streams: Set<(reason?: unknown) => void>;
}

/** One request being handled. */
export interface Call {
  request: Request;
  url: URL;
  path: string;
  /** Where this request's media URLs point: its own origin, or a fake one for the real service's hosts (`mediaOrigin`). */
  origin: string;
  ip: string;
  entry: InspectedRequest;
}

/** Checks the bearer token and its scope: 1001 when missing, never issued nor given, expired or revoked (or the expiry fault fires); 403 without the scope. */
export function authenticate(emu: EmulatorState, call: Call, scope?: string): TokenRecord {
  const token = bearerOf(call.request);
  if (!token) throw failure(401, 1001, 'Missing bearer token: send Authorization: Bearer <token>');
  const record = emu.store.lookup(token);
  if (!record) {
    throw failure(401, 1001, 'Token invalid: the emulator accepts only the anonymous tokens it issued and the tokens it was given');
  }
  if (!emu.store.isValid(record)) throw failure(401, 1001, 'Token invalid or expired: get a new anonymous token');
  if (emu.faults.expireToken()) {
    record.revoked = true;
    throw failure(401, 1001, 'Token expired: get a new anonymous token');
  }
  if (scope && !record.scopes.includes('*') && !record.scopes.includes(scope)) {
    throw failure(403, 403, `Token lacks the "${scope}" scope`);
  }
  return record;
}

/** Finds the caller's session or answers 1002. */
export function requireSession(emu: EmulatorState, sessionId: string, token: TokenRecord): SessionRecord {
  const session = emu.store.session(sessionId, token.userId);
  if (!session) throw failure(200, 1002, `Session not found or expired: ${sessionId}. Create a new session.`);
  return session;
}

const encoder = new TextEncoder();

/** Reads a JSON object body (400 when it is not one) and notes its size. */
export async function readJson(call: Call): Promise<Record<string, unknown>> {
  const text = await call.request.text();
  call.entry.bodyBytes = encoder.encode(text).length;
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw failure(400, 400, 'Request body must be a JSON object');
}

/** Reads a string field (first of several spellings, e.g. snake_case then camelCase). */
export function stringField(body: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = body[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Decodes one path segment (400 when malformed). */
export function segment(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? '');
  } catch {
    throw failure(400, 400, 'Malformed path');
  }
}
