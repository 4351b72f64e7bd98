/**
 * Wire schemas (snake_case, as docs/protocol.md gives them), validated with zod/mini. Objects are
 * loose: unknown fields are kept, so a newer backend never breaks an older SDK.
 *
 * Each schema is one `z.custom` whose check walks the answer with the small checks below and
 * reports the first bad field with its path (`files.0.cdn_url`), as a zod object would. Zod's
 * object, array, string, nullable and optional kinds would accept the same values, but cost
 * about 7 KB more minified bundle.
 * @module
 */
import * as z from 'zod/mini';

// The first problem of a value: the path below it, then what was expected; `undefined` when valid.
type Check = (v: unknown) => (string | number)[] | undefined;

const is =
  (test: (v: unknown) => boolean, expected: string): Check =>
  (v) =>
    test(v) ? undefined : [expected];

// Absent is valid (and `null` too, with `orNull`).
const optional =
  (check: Check, orNull?: boolean): Check =>
  (v) =>
    v === undefined || (orNull && v === null) ? undefined : check(v);

// The first bad entry, its key in front of its path.
function first(entries: [string | number, Check, unknown][]): (string | number)[] | undefined {
  for (const [key, check, v] of entries) {
    const problem = check(v);
    if (problem) return [key, ...problem];
  }
  return undefined;
}

// A non-array object (what a zod object accepts), its known fields checked; others are kept.
const object =
  (fields: Record<string, Check>): Check =>
  (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? first(Object.entries(fields).map(([key, check]) => [key, check, (v as Record<string, unknown>)[key]]))
      : ['an object'];

const array =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) ? first(v.map((item: unknown, i) => [i, check, item])) : ['an array'];

/** A zod schema for `T` from a check: a failure is one issue at the bad field's path. */
const schema = <T>(check: Check) =>
  z.custom<T>().check((payload) => {
    const path = check(payload.value);
    if (path) {
      const message = `expected ${path.pop()}`;
      payload.issues.push({ code: 'custom', input: payload.value, path, message });
    }
  });

const string = is((v) => typeof v === 'string', 'a string');
// A number, or a string (some fields arrive as "7"): `toNumber` reads both.
const numeric = is((v) => typeof v === 'number' || typeof v === 'string', 'a number');
const optionalString = optional(string, true);
const optionalNumeric = optional(numeric, true);

/** A number, or a numeric string (`toNumber` reads both). */
type Numeric = number | string;

/** `POST /api/auth/anonymous-token` → data. */
export const anonymousTokenSchema = schema<{ token: string; user_id: string; expires_at?: string | null; credits?: Numeric | null }>(
  object({ token: string, user_id: string, expires_at: optionalString, credits: optionalNumeric }),
);

/** `POST /api/auth/claim-token` → data. */
export const claimTokenSchema = schema<{ claim_token: string; expires_in?: Numeric | null }>(object({ claim_token: string, expires_in: optionalNumeric }));

/** `POST /api/tasks/me/with-session/nemo_agent` → data. */
export const sessionSchema = schema<{ session_id: string; task_id: string; user_id?: string | null }>(
  object({ session_id: string, task_id: string, user_id: optionalString }),
);

/** `GET /api/credits/balance/simple` → data. */
export const creditsSchema = schema<{ available: Numeric; frozen?: Numeric | null; total?: Numeric | null }>(
  object({ available: numeric, frozen: optionalNumeric, total: optionalNumeric }),
);

/**
 * `GET /api/state/nemo_agent/me/<sid>/latest` → data. `state` is an object or null; its fields
 * may hold anything (`readSessionState` reads them).
 */
export const stateSchema = schema<{
  session_id?: string | null;
  task_id?: string | null;
  task_name?: string | null;
  state?: { draft?: unknown; video_infos?: unknown; canvas_config?: unknown; video_analyses?: unknown; generated_media?: unknown; [key: string]: unknown } | null;
}>(object({ session_id: optionalString, task_id: optionalString, task_name: optionalString, state: optional(object({}), true) }));

/** One uploaded file. */
interface WireFile {
  filename?: string;
  file_type?: string;
  cdn_url?: string;
  duration?: Numeric | null;
  width?: Numeric | null;
  height?: Numeric | null;
}

const uploadedFile = object({
  filename: optional(string),
  file_type: optional(string),
  cdn_url: optional(string),
  duration: optionalNumeric,
  width: optionalNumeric,
  height: optionalNumeric,
});

/** `POST /api/upload-video/nemo_agent/me/<sid>` → data. */
export const uploadSchema = schema<{ files?: WireFile[]; session_state_applied?: boolean }>(
  object({ files: optional(array(uploadedFile)), session_state_applied: optional(is((v) => typeof v === 'boolean', 'a boolean')) }),
);

/** `GET /api/render/proxy/lambda/<id>` (top level) or the submit answer. */
export const renderJobSchema = schema<{
  taskId?: string | null;
  id?: string | null;
  status?: string | null;
  progress?: Numeric | null;
  output?: { url?: string | null; duration?: Numeric | null; size?: Numeric | null } | null;
}>(
  object({
    taskId: optionalString,
    id: optionalString,
    status: optionalString,
    progress: optionalNumeric,
    output: optional(object({ url: optionalString, duration: optionalNumeric, size: optionalNumeric }), true),
  }),
);
