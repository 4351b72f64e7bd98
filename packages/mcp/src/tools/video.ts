/**
 * The video tools: `create_video` (the whole job), `edit_video` (one message, recovered through
 * state), `get_video_status` and `export_video`. None ever sends a chat message twice.
 * @module
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  describeChanges,
  detectLanguage,
  diffTimelines,
  isExportable,
  StreamInterruptedError,
  StreamTimeoutError,
  summarizeTimeline,
  translateGuiText,
  type ChatResult,
  type GenerateProgress,
  type GenerateResult,
  type NemoVideo,
  type RenderJob,
} from 'nemovideo';
import * as z from 'zod';
import type { ToolContext } from '../context.js';
import { cancelledText, guidance, isAbort, toolError, ToolInputError } from '../errors.js';
import { startProgress, type Progress, type ToolExtra } from '../progress.js';
import { redactDeep } from '../redact.js';

const sessionIdInput = z
  .string({ error: 'session_id is required: the id create_video returned (sess_…).' })
  .trim()
  .min(1, 'session_id is empty: pass the id create_video returned (sess_…).')
  .describe('The session id create_video returned.');

const createOutput = {
  status: z.enum(['done', 'started']).describe('`done`: the job finished; `started` (wait: false): it runs on, follow it with get_video_status.'),
  session_id: z.string(),
  task_id: z.string().optional(),
  summary: z.string().optional().describe('The timeline, one line per track.'),
  changes: z.array(z.string()).optional().describe('What the job changed in the timeline.'),
  agent_text: z.string().optional().describe("The agent's answer, without its GUI wording."),
  video_url: z.string().optional(),
  render_id: z.string().optional(),
  claim_url: z.string().optional().describe('Opens the project in a browser (claim link; it carries no bearer token).'),
  export_error: z.string().optional().describe('Why there is no video although export was asked (e.g. a free plan).'),
  emulated: z.boolean().optional().describe('True when the server runs against the offline emulator: the URLs are local demo files.'),
};

const editOutput = {
  session_id: z.string(),
  agent_text: z.string().describe("The agent's answer with GUI wording (\"click Export\") removed; empty when it answered silently."),
  suggested_actions: z.array(z.string()).describe('Tools that stand for the GUI steps the agent mentioned (e.g. export_video).'),
  silent: z.boolean().describe('True when the agent answered without text: `changes` then come from the timeline diff.'),
  changes: z.array(z.string()),
  summary: z.string(),
  exportable: z.boolean(),
};

const statusOutput = {
  session_id: z.string(),
  task_id: z.string().optional(),
  summary: z.string(),
  exportable: z.boolean(),
  job: z
    .object({ status: z.enum(['running', 'done', 'failed', 'cancelled']), phase: z.string(), error: z.string().optional() })
    .optional()
    .describe('The job this server started in the session, if any.'),
  render: z
    .object({ render_id: z.string(), status: z.string(), progress: z.number().optional(), video_url: z.string().optional() })
    .optional(),
  next: z.string().describe('What to do next.'),
};

const exportOutput = {
  session_id: z.string(),
  render_id: z.string(),
  video_url: z.string(),
  duration_seconds: z.number().optional(),
  size_bytes: z.number().optional(),
  emulated: z.boolean().optional(),
};

const costNote = 'Cost: about 100 credits per generated clip; edits cost credits too; export is free.';

/** Registers the video tools on the session's MCP server. */
export function registerVideoTools(ctx: ToolContext): void {
  const { mcp } = ctx;

  mcp.registerTool(
    'create_video',
    {
      title: 'Create a video (spends credits)',
      description:
        `Makes a whole video from a prompt: opens a session (or uses session_id), sends the prompt to the NemoVideo agent once, waits for the timeline, exports it and returns the video URL, a claim link and the session id. ${costNote} ` +
        'Takes one to several minutes: progress notifications come at every phase. With wait: false it returns the session id at once and runs on; follow it with get_video_status. ' +
        'Use edit_video, not this, to change an existing video. If a call fails, resume with the ids in the error instead of calling again: a new call pays again.',
      inputSchema: {
        prompt: z
          .string({ error: 'prompt is required: describe the video, e.g. "a 30-second video about a coffee brand launch".' })
          .trim()
          .min(1, 'prompt is empty: describe the video, e.g. "a 30-second video about a coffee brand launch".')
          .describe('What the video is about, in any language.'),
        language: z.string().optional().describe('Session language (BCP 47, e.g. "en", "zh"). Default: detected from the prompt.'),
        session_id: z.string().optional().describe('Continue in this session instead of opening a new one.'),
        export: z.boolean().default(true).describe('Render the video when the timeline is ready (free). Default true.'),
        wait: z.boolean().default(true).describe('Wait for the whole job (default). False: return the session id at once, for clients with short tool timeouts.'),
      },
      outputSchema: createOutput,
      annotations: { title: 'Create a video (spends credits)', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const nemo = ctx.nemo();
      const progress = startProgress(extra, ctx.backend.keepaliveMs);
      let sessionId = args.session_id?.trim() || undefined;
      try {
        let taskId: string | undefined;
        if (sessionId === undefined) {
          const session = await nemo.sessions.create({ language: args.language ?? detectLanguage(args.prompt) }, { signal: extra.signal });
          ({ sessionId, taskId } = session);
        }
        const sid = sessionId;
        ctx.backend.track(sid, { status: 'running', phase: 'session', taskId, renderId: undefined, renderProgress: undefined, videoUrl: undefined, error: undefined });
        if (!args.wait) {
          void runInBackground(ctx, nemo, sid, args.prompt, args.export);
          const out = { status: 'started' as const, session_id: sid, task_id: taskId, ...emulated(ctx) };
          return result(out, `Started in session ${sid}; the agent is working (one to several minutes). Call get_video_status with session_id ${sid} to follow it; do not call create_video again for it.`);
        }
        const done = await generate(ctx, nemo, sid, args.prompt, args.export, extra.signal, progress);
        return done;
      } catch (error) {
        return failure(ctx, 'create_video', error, extra, sessionId);
      } finally {
        await progress.close();
      }
    },
  );

  mcp.registerTool(
    'edit_video',
    {
      title: 'Edit a video (spends credits)',
      description:
        'Sends one instruction to the agent of an existing session ("add background music", "make the title red", "cut the first 3 seconds") and reports what changed in the timeline, also when the agent answers without text. ' +
        `${costNote} The message is sent exactly once, even when the stream is cut; the result comes from the session state then. Does not export: call export_video for the new video.`,
      inputSchema: {
        session_id: sessionIdInput,
        instruction: z
          .string({ error: 'instruction is required: say what to change, e.g. "add upbeat background music".' })
          .trim()
          .min(1, 'instruction is empty: say what to change, e.g. "add upbeat background music".')
          .describe('What to change, in any language.'),
      },
      outputSchema: editOutput,
      annotations: { title: 'Edit a video (spends credits)', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ session_id: sessionId, instruction }, extra) => {
      const nemo = ctx.nemo();
      const progress = startProgress(extra, ctx.backend.keepaliveMs);
      try {
        return await edit(ctx, nemo, sessionId, instruction, extra.signal, progress);
      } catch (error) {
        return failure(ctx, 'edit_video', error, extra, sessionId);
      } finally {
        await progress.close();
      }
    },
  );

  mcp.registerTool(
    'get_video_status',
    {
      title: 'Video status (free)',
      description:
        'Reads a session: its timeline summary, whether it can be exported, the job this server started in it (create_video with wait: false) and the render status and progress. Free. ' +
        'Use it to follow a wait: false job (call again every 20-30 s until the job is done), or after an error, before anything else.',
      inputSchema: {
        session_id: sessionIdInput,
        render_id: z.string().optional().describe('A render to report on (default: the last one this server started in the session).'),
      },
      outputSchema: statusOutput,
      annotations: { title: 'Video status (free)', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ session_id: sessionId, render_id: renderIdArg }, extra) => {
      const nemo = ctx.nemo();
      try {
        return await status(ctx, nemo, sessionId, renderIdArg, extra.signal);
      } catch (error) {
        return toolError(error, { sessionId, renderId: renderIdArg, webURL: nemo.webURL });
      }
    },
  );

  mcp.registerTool(
    'export_video',
    {
      title: 'Export a video (free)',
      description:
        "Renders the session's current timeline to an MP4 and returns its URL (about a minute). Export costs no credits. With render_id it resumes waiting for that render instead of submitting a new one. " +
        'Use after edit_video, or to resume an export that timed out or was cancelled.',
      inputSchema: {
        session_id: sessionIdInput,
        render_id: z.string().optional().describe('Resume this render (from an earlier error or get_video_status) instead of starting a new one.'),
      },
      outputSchema: exportOutput,
      annotations: { title: 'Export a video (free)', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ session_id: sessionId, render_id: renderIdArg }, extra) => {
      const nemo = ctx.nemo();
      const progress = startProgress(extra, ctx.backend.keepaliveMs);
      let renderId = renderIdArg?.trim() || undefined;
      try {
        const render = {
          ...ctx.backend.timing.render,
          signal: extra.signal,
          onProgress: (job: RenderJob) => {
            renderId = job.id;
            ctx.backend.track(sessionId, { renderId: job.id, renderProgress: job.progress, phase: 'render' });
            progress.report(`Rendering ${job.id}: ${job.status}${job.progress === undefined ? '' : ` ${Math.round(job.progress)}%`}`);
          },
        };
        progress.report(renderId ? `Resuming render ${renderId}` : `Submitting the timeline of ${sessionId} for rendering`);
        ctx.backend.track(sessionId, { status: 'running', phase: 'render', error: undefined, ...(renderId ? { renderId } : {}) });
        const job = renderId ? await nemo.render.wait(renderId, { ...render, sessionId }) : await nemo.render.export(sessionId, render);
        const url = job.output?.url;
        if (!url) throw new ToolInputError(`Render ${job.id} completed without a video URL (session ${sessionId}): call export_video again.`);
        ctx.backend.track(sessionId, { status: 'done', phase: 'done', renderId: job.id, videoUrl: url });
        const out = { session_id: sessionId, render_id: job.id, video_url: url, duration_seconds: job.output?.duration, size_bytes: job.output?.size, ...emulated(ctx) };
        return result(out, `Video ready: ${url}\n(session ${sessionId}, render ${job.id})`);
      } catch (error) {
        return failure(ctx, 'export_video', error, extra, sessionId, renderId);
      } finally {
        await progress.close();
      }
    },
  );
}

/** A success result: structured content plus a short text, bearer tokens redacted from both. */
export function result<T extends Record<string, unknown>>(structured: T, text: string): CallToolResult {
  const clean = Object.fromEntries(Object.entries(structured).filter(([, v]) => v !== undefined));
  return redactDeep({ structuredContent: clean, content: [{ type: 'text' as const, text }] });
}

function emulated(ctx: ToolContext): { emulated?: true } {
  return ctx.backend.options.emulated ? { emulated: true } : {};
}

function phaseText(p: GenerateProgress): string {
  switch (p.phase) {
    case 'session':
      return `Session ${p.sessionId} ready`;
    case 'chat':
      if (p.elapsedMs !== undefined) return `The agent is still working (${Math.round(p.elapsedMs / 1000)} s)`;
      if (!p.event) return 'Prompt sent to the agent (once); waiting for its answer';
      if (p.event.type === 'tool_call') return `The agent is using ${p.event.name}`;
      if (p.event.type === 'tool_result') return `${p.event.name} finished`;
      if (p.event.type === 'text') return 'The agent is answering';
      return 'The agent is working';
    case 'recovering':
      return `The stream was ${p.reason === 'silent' ? 'silent' : 'cut'}; reading the session state (read ${p.polls}), nothing re-sent`;
    case 'state':
      return `Waiting for the timeline to settle (read ${p.polls}${p.exportable ? ', exportable' : ''})`;
    case 'render':
      return p.renderId
        ? `Rendering ${p.renderId}: ${p.status ?? 'submitted'}${p.progress === undefined ? '' : ` ${Math.round(p.progress)}%`}`
        : 'Submitting the timeline for rendering (export is free)';
    case 'done':
      return 'Done';
  }
}

async function generate(ctx: ToolContext, nemo: NemoVideo, sessionId: string, prompt: string, doExport: boolean, signal: AbortSignal, progress: Progress): Promise<CallToolResult> {
  const { timing } = ctx.backend;
  const job = await nemo.generate(prompt, {
    sessionId,
    export: doExport,
    signal,
    ...(timing.settle ? { settle: timing.settle } : {}),
    ...(timing.render ? { render: timing.render } : {}),
    ...(timing.recovery ? { recovery: timing.recovery } : {}),
    onProgress: (p) => {
      const update = p.phase === 'render' ? { phase: 'render', renderId: p.renderId, renderProgress: p.progress } : { phase: p.phase };
      ctx.backend.track(sessionId, p.phase === 'render' && !p.renderId ? { phase: 'render' } : update);
      // The result itself says done; a notification right before it is the one a client may drop.
      if (p.phase !== 'done') progress.report(phaseText(p));
    },
  });
  return finished(ctx, nemo, job);
}

function finished(ctx: ToolContext, nemo: NemoVideo, job: GenerateResult): CallToolResult {
  const changes = job.changes.length ? describeChanges(job.changes).split('\n') : [];
  const exportError = job.exportError ? guidance(job.exportError, { sessionId: job.sessionId, webURL: nemo.webURL, claimUrl: job.claimUrl }) : undefined;
  ctx.backend.track(job.sessionId, {
    status: 'done',
    phase: 'done',
    taskId: job.taskId,
    renderId: job.render?.id,
    videoUrl: job.url,
    claimUrl: job.claimUrl,
    summary: job.summary,
  });
  const out = {
    status: 'done' as const,
    session_id: job.sessionId,
    task_id: job.taskId,
    summary: job.summary,
    changes,
    agent_text: translateGuiText(job.text).text,
    video_url: job.url,
    render_id: job.render?.id,
    claim_url: job.claimUrl,
    export_error: exportError,
    ...emulated(ctx),
  };
  const lines = [
    job.url ? `Video ready: ${job.url}` : exportError ? `Timeline ready, not exported: ${exportError}` : 'Timeline ready (not exported: call export_video for the MP4).',
    `Session: ${job.sessionId}${job.render ? ` (render ${job.render.id})` : ''}`,
    job.summary,
    job.claimUrl ? `Open in the browser: ${job.claimUrl}` : '',
  ];
  return result(out, lines.filter(Boolean).join('\n'));
}

// `wait: false`: the job runs on in this process; `get_video_status` reads what it reached.
async function runInBackground(ctx: ToolContext, nemo: NemoVideo, sessionId: string, prompt: string, doExport: boolean): Promise<void> {
  const silent: Progress = { report() {}, close: async () => {} };
  try {
    await generate(ctx, nemo, sessionId, prompt, doExport, ctx.backend.shutdown.signal, silent);
    ctx.log('info', `create_video finished in session ${sessionId}.`);
  } catch (error) {
    const text = isAbort(error, ctx.backend.shutdown.signal)
      ? cancelledText('create_video', { sessionId, renderId: ctx.backend.job(sessionId)?.renderId })
      : guidance(error, { sessionId, renderId: ctx.backend.job(sessionId)?.renderId, webURL: nemo.webURL });
    ctx.backend.track(sessionId, { status: isAbort(error, ctx.backend.shutdown.signal) ? 'cancelled' : 'failed', error: text });
    ctx.log('warning', `create_video in session ${sessionId} ended: ${text}`);
  }
}

async function edit(ctx: ToolContext, nemo: NemoVideo, sessionId: string, instruction: string, signal: AbortSignal, progress: Progress): Promise<CallToolResult> {
  const baseline = await nemo.state.latest(sessionId, { signal });
  progress.report('Instruction sent to the agent (once); waiting for its answer');
  const stream = nemo.chat.send(sessionId, instruction, {
    signal,
    onStillWorking: ({ elapsedMs }) => progress.report(`The agent is still working (${Math.round(elapsedMs / 1000)} s)`),
  });
  let chat: ChatResult;
  let cut: unknown;
  try {
    for await (const event of stream) {
      if (event.type === 'tool_call') progress.report(`The agent is using ${event.name}`);
    }
    chat = await stream.finalResult();
  } catch (error) {
    if (!(error instanceof StreamInterruptedError || error instanceof StreamTimeoutError)) throw error;
    chat = error.partial;
    cut = error;
  }
  let after = baseline;
  if (chat.silent || cut) {
    const recovery = await nemo.chat.recover(sessionId, {
      ...ctx.backend.timing.recovery,
      ...(cut ? {} : { firstDelayMs: 0 }),
      baseline,
      signal,
      onProgress: ({ polls }) => progress.report(`The answer was ${cut ? 'cut' : 'silent'}; reading the session state (read ${polls}), nothing re-sent`),
    });
    if (cut && !recovery.changed) throw cut;
    after = recovery.state;
  } else {
    after = await nemo.state.latest(sessionId, { signal });
  }
  const changes = diffTimelines(baseline.draft, after.draft);
  const translated = translateGuiText(chat.text);
  const suggested = [...new Set(translated.actions.map((a) => toolFor[a.type]).filter((t): t is string => t !== undefined))];
  const out = {
    session_id: sessionId,
    agent_text: translated.text,
    suggested_actions: suggested,
    silent: chat.silent,
    changes: changes.length ? describeChanges(changes).split('\n') : [],
    summary: summarizeTimeline(after.draft),
    exportable: isExportable(after.draft),
  };
  const said = translated.text ? `Agent: ${translated.text}` : 'The agent answered without text; the changes below come from the timeline.';
  const text = [said, changes.length ? describeChanges(changes) : 'The timeline did not change.', out.summary, 'Call export_video for the new MP4.'].join('\n');
  return result(out, text);
}

const toolFor: Record<string, string | undefined> = { export: 'export_video', credits: 'get_credits', state: 'get_video_status', timeline: 'get_video_status', chat: 'edit_video' };

async function status(ctx: ToolContext, nemo: NemoVideo, sessionId: string, renderIdArg: string | undefined, signal: AbortSignal): Promise<CallToolResult> {
  const state = await nemo.state.latest(sessionId, { signal });
  const job = ctx.backend.job(sessionId);
  const renderId = renderIdArg?.trim() || job?.renderId;
  let render: { render_id: string; status: string; progress?: number | undefined; video_url?: string | undefined } | undefined;
  if (renderId) {
    const r = await nemo.render.retrieve(renderId, { signal, sessionId });
    render = { render_id: r.id, status: r.status, progress: r.progress, video_url: r.output?.url };
  }
  const exportable = isExportable(state.draft);
  let next: string;
  if (job?.status === 'running') next = `The job is at "${job.phase}": call get_video_status again in 20-30 s. Do not call create_video again for it.`;
  else if (render?.status === 'completed') next = `The video is ready: ${render.video_url}`;
  else if (render && render.status !== 'failed') next = `Render ${render.render_id} is ${render.status}: call export_video with render_id ${render.render_id} to wait for it.`;
  else if (job?.error) next = job.error;
  else if (exportable) next = 'The timeline can be exported: call export_video (free), or edit_video to change it.';
  else next = 'The timeline is empty: call create_video with this session_id and a prompt.';
  const out = {
    session_id: sessionId,
    task_id: state.taskId,
    summary: summarizeTimeline(state.draft),
    exportable,
    job: job ? { status: job.status, phase: job.phase, ...(job.error ? { error: job.error } : {}) } : undefined,
    render: render ? Object.fromEntries(Object.entries(render).filter(([, v]) => v !== undefined)) : undefined,
    next,
  };
  const text = [out.summary, render ? `Render ${render.render_id}: ${render.status}${render.progress === undefined ? '' : ` ${Math.round(render.progress)}%`}` : '', next].filter(Boolean).join('\n');
  return result(out, text);
}

// A failed or cancelled call: the job is marked, a cancelled one logs its ids (the MCP client no
// longer listens for the answer), and the answer is a tool error with guidance.
function failure(ctx: ToolContext, tool: string, error: unknown, extra: ToolExtra, sessionId: string | undefined, renderIdArg?: string): CallToolResult {
  const job = sessionId ? ctx.backend.job(sessionId) : undefined;
  const renderId = renderIdArg ?? (error as { renderId?: string }).renderId ?? (job?.status === 'running' ? job.renderId : undefined);
  const webURL = ctx.nemo().webURL;
  if (isAbort(error, extra.signal)) {
    const text = cancelledText(tool, { sessionId, renderId });
    if (sessionId) ctx.backend.track(sessionId, { status: 'cancelled', error: text, ...(renderId ? { renderId } : {}) });
    ctx.log('warning', text);
    return { isError: true, content: [{ type: 'text', text }] };
  }
  const context = { sessionId, renderId, webURL, claimUrl: job?.claimUrl };
  const text = guidance(error, context);
  if (sessionId && job?.status === 'running') ctx.backend.track(sessionId, { status: 'failed', error: text });
  ctx.log('info', `${tool} failed: ${text}`);
  return toolError(error, context);
}
