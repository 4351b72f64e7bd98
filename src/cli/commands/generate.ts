/**
 * `nemovideo generate "<prompt>"`: the whole job with progress, then the
 * timeline, the video link, the claim link and the downloaded file.
 * @module
 */
import { describeChanges, type GenerateProgress } from '../../index.js';
import type { Context } from '../context.js';
import { emulatorGone, exitCodes, UsageError } from '../errors.js';
import { createChatView, stillWorking } from '../ui/chat-view.js';
import { withoutRaw } from '../ui/json.js';
import { checkOut, downloadVideo, renderFollower } from './shared.js';

/** Options of `generate`. */
export interface GenerateCommandOptions {
  out?: string | undefined;
  language?: string | undefined;
  /** `--no-export` sets it false. */
  export: boolean;
}

/** Runs `generate`; resolves with the exit code. */
export async function generateCommand(ctx: Context, prompt: string, options: GenerateCommandOptions): Promise<number> {
  const { ui, nemo, ids, timing, signal } = ctx;
  if (prompt.trim() === '') throw new UsageError('<prompt> is empty: say what the video is about, e.g. nemovideo generate "a 30-second video about a coffee brand launch".');
  if (options.language !== undefined && options.language.trim() === '') throw new UsageError('--language is empty: give a language code such as en or zh-CN, or leave it out.');
  if (options.out !== undefined && !options.export) throw new UsageError('--out needs the export: drop --no-export, or --out.');
  // Checked before the session is made: a render is never paid for a file that cannot be written.
  const out = options.out !== undefined ? await checkOut(options.out) : undefined;
  const view = createChatView(ui, { live: false });
  const render = renderFollower(ctx);
  ui.status('Creating a session');
  const onProgress = (p: GenerateProgress) => {
    const { event: _event, ...rest } = p as GenerateProgress & { event?: unknown };
    if (p.phase === 'chat' && 'event' in p && p.event) return; // shown as {"event"} lines
    if (p.phase !== 'render') ui.json({ progress: rest });
    switch (p.phase) {
      case 'session':
        ids.sessionId = p.sessionId;
        ui.note(`Session ${p.sessionId}`);
        return ui.status('Agent working');
      case 'chat':
        if (p.elapsedMs !== undefined) ui.status(stillWorking(ui, p.elapsedMs));
        return;
      case 'recovering':
        return ui.status(
          p.reason === 'silent'
            ? `The agent answered without words; reading the session state (read ${p.polls})`
            : `The stream was cut (nothing re-sent); reading the session state (read ${p.polls})`,
        );
      case 'state':
        return ui.status(`Waiting for the timeline to settle (read ${p.polls}${p.exportable ? ', exportable' : ''})`);
      case 'render':
        return render.update({ id: p.renderId, status: p.status, progress: p.progress });
      case 'done':
        render.stop();
        return ui.stopStatus();
    }
  };
  const result = await nemo.generate(prompt, {
    language: options.language,
    export: options.export,
    signal,
    settle: timing.settle,
    render: timing.render,
    recovery: timing.recovery,
    onEvent: (event) => view.event(event),
    onProgress,
  });
  render.stop();
  ui.stopStatus();
  const job = result.render;
  if (job) ids.renderId = job.id;
  const saved = out !== undefined && job ? await downloadVideo(ctx, job, out) : undefined;
  const changes = result.changes.length > 0 ? describeChanges(result.changes).split('\n') : [];

  ui.json({
    result: {
      sessionId: result.sessionId,
      taskId: result.taskId,
      text: result.text,
      summary: result.summary,
      durationMs: result.state.draft?.durationMs,
      changes,
      renderId: job?.id,
      url: result.url,
      claimUrl: result.claimUrl,
      out: saved?.path,
      bytes: saved?.bytes,
      exportError: result.exportError ? withoutRaw(result.exportError.toJSON()) : undefined,
    },
  });
  const { style } = ui;
  if (result.text) ui.print(result.text.trim());
  ui.print('');
  ui.print(style.bold(result.summary));
  for (const change of changes) ui.print(change);
  if (result.url) ui.print(`${style.bold('Video:')}  ${result.url}${ctx.emulated ? style.dim(' (in-process emulator: only reachable during this run)') : ''}`);
  if (saved) ui.print(`${style.bold('Saved:')}  ${saved.path}`);
  if (result.claimUrl) ui.print(`${style.bold('Open in NemoVideo:')} ${result.claimUrl}${ctx.emulated ? style.dim(' (an emulator link: not valid on the real site)') : ''}`);
  if (ctx.emulated) {
    // The emulator ended with this run: `nemovideo chat <session>` would only find nothing.
    ui.print(`${style.bold('Session:')} ${result.sessionId}`);
    ui.print(style.dim(emulatorGone));
  } else {
    ui.print(`${style.bold('Session:')} ${result.sessionId}  ${style.dim(`(edit: nemovideo chat ${result.sessionId} "<message>")`)}`);
  }
  if (result.exportError) {
    ui.warn(`Export blocked: ${result.exportError.message}`);
    return exitCodes.credits;
  }
  return exitCodes.ok;
}
