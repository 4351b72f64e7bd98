/**
 * Wire schemas (snake_case, as docs/protocol.md gives them), validated with zod/mini. Unknown
 * fields pass: `validate` returns the answer as received, so a newer backend never breaks an
 * older SDK.
 *
 * They use few of zod's kinds (object, optional, nullable, string, array, custom): every kind a
 * schema uses adds zod code to the bundle. Plain `z.object` is enough as the parsed output (which
 * drops unknown keys) is never used.
 * @module
 */
import * as z from 'zod/mini';

const string = z.string('expected a string');
// A number, or a string (some fields arrive as "7"): `toNumber` reads both. A custom check costs
// less bundle than `z.union` and accepts the same values.
const numeric = z.custom<number | string>((v) => typeof v === 'number' || typeof v === 'string', 'expected a number');
const optionalString = z.optional(z.nullable(string));
const optionalNumeric = z.optional(z.nullable(numeric));

/** `POST /api/auth/anonymous-token` → data. */
export const anonymousTokenSchema = z.object({
  token: string,
  user_id: string,
  expires_at: optionalString,
  credits: optionalNumeric,
});

/** `POST /api/auth/claim-token` → data. */
export const claimTokenSchema = z.object({
  claim_token: string,
  expires_in: optionalNumeric,
});

/** `POST /api/tasks/me/with-session/nemo_agent` → data. */
export const sessionSchema = z.object({
  session_id: string,
  task_id: string,
  user_id: optionalString,
});

/** `GET /api/credits/balance/simple` → data. */
export const creditsSchema = z.object({
  available: numeric,
  frozen: optionalNumeric,
  total: optionalNumeric,
});

/** The session state's fields: any value (`readSessionState` reads them). */
interface WireState {
  draft?: unknown;
  video_infos?: unknown;
  canvas_config?: unknown;
  video_analyses?: unknown;
  generated_media?: unknown;
  [key: string]: unknown;
}

/** `GET /api/state/nemo_agent/me/<sid>/latest` → data. `state` is an object or null. */
export const stateSchema = z.object({
  session_id: optionalString,
  task_id: optionalString,
  task_name: optionalString,
  state: z.optional(z.nullable(z.custom<WireState>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object'))),
});

/** `POST /api/upload-video/nemo_agent/me/<sid>` → data. */
export const uploadSchema = z.object({
  files: z.optional(
    z.array(
      z.object({
        filename: z.optional(string),
        file_type: z.optional(string),
        cdn_url: z.optional(string),
        duration: optionalNumeric,
        width: optionalNumeric,
        height: optionalNumeric,
      }),
    ),
  ),
  session_state_applied: z.optional(z.custom<boolean>((v) => typeof v === 'boolean', 'expected a boolean')),
});

/** `GET /api/render/proxy/lambda/<id>` (top level) or the submit answer. */
export const renderJobSchema = z.object({
  taskId: optionalString,
  id: optionalString,
  status: optionalString,
  progress: optionalNumeric,
  output: z.optional(
    z.nullable(
      z.object({
        url: optionalString,
        duration: optionalNumeric,
        size: optionalNumeric,
      }),
    ),
  ),
});
