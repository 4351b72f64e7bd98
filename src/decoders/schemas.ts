/**
 * Wire schemas (snake_case, as docs/protocol.md gives them), validated with zod/mini. Objects are
 * loose: unknown fields are kept, so a newer backend never breaks an older SDK.
 * @module
 */
import * as z from 'zod/mini';

// A number, or a string (some fields arrive as "7"): `toNumber` reads both. A custom check costs
// less bundle than `z.union` and accepts the same values.
const numeric = z.custom<number | string>((v) => typeof v === 'number' || typeof v === 'string', 'expected a number');
const optionalString = z.optional(z.nullable(z.string()));
const optionalNumeric = z.optional(z.nullable(numeric));

/** `POST /api/auth/anonymous-token` → data. */
export const anonymousTokenSchema = z.looseObject({
  token: z.string(),
  user_id: z.string(),
  expires_at: optionalString,
  credits: optionalNumeric,
});

/** `POST /api/auth/claim-token` → data. */
export const claimTokenSchema = z.looseObject({
  claim_token: z.string(),
  expires_in: optionalNumeric,
});

/** `POST /api/tasks/me/with-session/nemo_agent` → data. */
export const sessionSchema = z.looseObject({
  session_id: z.string(),
  task_id: z.string(),
  user_id: optionalString,
});

/** `GET /api/credits/balance/simple` → data. */
export const creditsSchema = z.looseObject({
  available: numeric,
  frozen: optionalNumeric,
  total: optionalNumeric,
});

/** `GET /api/state/nemo_agent/me/<sid>/latest` → data. */
export const stateSchema = z.looseObject({
  session_id: optionalString,
  task_id: optionalString,
  task_name: optionalString,
  state: z.optional(
    z.nullable(
      z.looseObject({
        draft: z.optional(z.unknown()),
        video_infos: z.optional(z.unknown()),
        canvas_config: z.optional(z.unknown()),
        video_analyses: z.optional(z.unknown()),
        generated_media: z.optional(z.unknown()),
      }),
    ),
  ),
});

/** One uploaded file. */
export const uploadedFileSchema = z.looseObject({
  filename: z.optional(z.string()),
  file_type: z.optional(z.string()),
  cdn_url: z.optional(z.string()),
  duration: optionalNumeric,
  width: optionalNumeric,
  height: optionalNumeric,
});

/** `POST /api/upload-video/nemo_agent/me/<sid>` → data. */
export const uploadSchema = z.looseObject({
  files: z.optional(z.array(uploadedFileSchema)),
  session_state_applied: z.optional(z.boolean()),
});

/** `GET /api/render/proxy/lambda/<id>` (top level) or the submit answer. */
export const renderJobSchema = z.looseObject({
  taskId: optionalString,
  id: optionalString,
  status: optionalString,
  progress: optionalNumeric,
  output: z.optional(
    z.nullable(
      z.looseObject({
        url: optionalString,
        duration: optionalNumeric,
        size: optionalNumeric,
      }),
    ),
  ),
});
