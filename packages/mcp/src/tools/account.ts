/**
 * The media and account tools: `upload_media`, `get_credits`, `get_claim_link`.
 * @module
 */
import { fileFromPath } from 'nemovideo/node';
import type { UploadResult } from 'nemovideo';
import * as z from 'zod';
import type { ToolContext } from '../context.js';
import { toolError, ToolInputError } from '../errors.js';
import { checkPaths, clientRoots } from '../paths.js';
import { startProgress } from '../progress.js';
import { result } from './video.js';

const uploadOutput = {
  session_id: z.string(),
  files: z.array(
    z.object({
      filename: z.string(),
      file_type: z.string().describe('video, image or audio'),
      cdn_url: z.string(),
      duration_seconds: z.number().optional(),
    }),
  ),
  added_to_session: z.boolean().describe('Whether the backend added the files to the session, where the agent sees them.'),
};

/** Registers `upload_media`, `get_credits` and `get_claim_link`. */
export function registerAccountTools(ctx: ToolContext): void {
  const { mcp } = ctx;

  mcp.registerTool(
    'upload_media',
    {
      title: 'Upload media (free)',
      description:
        'Adds footage, images or music to a session so the agent can use them (then ask for it with edit_video). URLs (http/https) are fetched by NemoVideo. ' +
        'Local paths work only over stdio, and only inside the folders the client shares (roots) or the server was given with --allow-dir; they are checked before anything is sent. ' +
        'Accepted: mp4 mov avi webm mkv jpg jpeg png gif webp mp3 wav m4a aac, at most 500 MB each. Uploading is free.',
      inputSchema: {
        session_id: z.string({ error: 'session_id is required: create a session with create_video first.' }).trim().min(1, 'session_id is empty.'),
        urls: z.array(z.string()).optional().describe('Public http(s) URLs of media files.'),
        paths: z.array(z.string()).optional().describe('Local file paths (stdio only; inside the roots or --allow-dir folders).'),
      },
      outputSchema: uploadOutput,
      annotations: { title: 'Upload media (free)', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ session_id: sessionId, urls = [], paths = [] }, extra) => {
      const nemo = ctx.nemo();
      const progress = startProgress(extra, ctx.backend.keepaliveMs);
      try {
        if (urls.length === 0 && paths.length === 0) throw new ToolInputError('Nothing to upload: pass `urls` (public http/https links) or `paths` (local files).');
        let files: Awaited<ReturnType<typeof fileFromPath>>[] = [];
        if (paths.length > 0) {
          if (!ctx.localPaths) {
            throw new ToolInputError('Local paths are not accepted over HTTP: the server cannot tell whose files they are. Pass public URLs in `urls` instead.');
          }
          const allowed = [...(await clientRoots(mcp, extra.signal)), ...(ctx.backend.options.allowDirs ?? [])];
          const checked = await checkPaths(paths, allowed);
          files = await Promise.all(checked.map((p) => fileFromPath(p)));
        }
        const answers: UploadResult[] = [];
        if (urls.length > 0) {
          progress.report(`Sending ${urls.length} URL(s) to session ${sessionId}`);
          answers.push(await nemo.uploads.create(sessionId, { urls }, { signal: extra.signal }));
        }
        if (files.length > 0) {
          progress.report(`Uploading ${files.length} file(s) to session ${sessionId}`);
          answers.push(
            await nemo.uploads.create(sessionId, { files }, {
              signal: extra.signal,
              onProgress: ({ loaded, total }) => progress.report(`Uploaded ${Math.round(loaded / 1e6)} MB${total ? ` of ${Math.round(total / 1e6)} MB` : ''}`),
            }),
          );
        }
        const uploaded = answers.flatMap((a) => a.files);
        const out = {
          session_id: sessionId,
          files: uploaded.map((f) => ({ filename: f.filename, file_type: f.fileType, cdn_url: f.cdnUrl, ...(f.duration === undefined ? {} : { duration_seconds: f.duration }) })),
          added_to_session: answers.every((a) => a.sessionStateApplied),
        };
        const text = `Uploaded ${uploaded.length} file(s) to session ${sessionId}: ${uploaded.map((f) => `${f.filename} (${f.fileType})`).join(', ')}. Ask edit_video to use them.`;
        return result(out, text);
      } catch (error) {
        return toolError(error, { sessionId, webURL: nemo.webURL });
      } finally {
        await progress.close();
      }
    },
  );

  mcp.registerTool(
    'get_credits',
    {
      title: 'Credit balance (free)',
      description: 'Reads the credit balance of this identity. A generated clip costs about 100 credits, edits cost credits too, export is free. Use it before a long job or after an out-of-credits error.',
      outputSchema: {
        available: z.number().describe('Credits that can be spent now.'),
        frozen: z.number().describe('Credits reserved by jobs in progress.'),
        total: z.number(),
      },
      annotations: { title: 'Credit balance (free)', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (extra) => {
      const nemo = ctx.nemo();
      try {
        const { available, frozen, total } = await nemo.credits.balance({ signal: extra.signal });
        const clips = Math.floor(available / 100);
        return result({ available, frozen, total }, `${available} credits available (${frozen} reserved): about ${clips} generated clip${clips === 1 ? '' : 's'}. Export is free.`);
      } catch (error) {
        return toolError(error, { webURL: nemo.webURL });
      }
    },
  );

  mcp.registerTool(
    'get_claim_link',
    {
      title: 'Claim link (free)',
      description:
        "A browser link that opens the session's project in the NemoVideo web app, where the user can watch, edit and keep it (and register to keep an anonymous project). It carries a short-lived claim token, never the API token. Free.",
      inputSchema: {
        session_id: z.string({ error: 'session_id is required: the id create_video returned.' }).trim().min(1, 'session_id is empty.'),
      },
      outputSchema: { session_id: z.string(), claim_url: z.string() },
      annotations: { title: 'Claim link (free)', readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ session_id: sessionId }, extra) => {
      const nemo = ctx.nemo();
      try {
        const state = await nemo.state.latest(sessionId, { signal: extra.signal });
        if (!state.taskId) throw new ToolInputError(`Session ${sessionId} has no project yet: create the video first (create_video).`);
        const claimUrl = await nemo.auth.claimUrl({ taskId: state.taskId, sessionId }, { signal: extra.signal });
        return result({ session_id: sessionId, claim_url: claimUrl }, `Open the project in the browser: ${claimUrl}`);
      } catch (error) {
        return toolError(error, { sessionId, webURL: nemo.webURL });
      }
    },
  );
}
