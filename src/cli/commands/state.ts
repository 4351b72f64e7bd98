/**
 * `nemovideo state <session>`: the timeline summary and what the session holds.
 * @module
 */
import { isExportable, summarizeTimeline } from '../../index.js';
import type { Context } from '../context.js';
import { exitCodes } from '../errors.js';
import { checkId } from './shared.js';

/** Runs `state`; resolves with the exit code. */
export async function stateCommand(ctx: Context, sessionId: string): Promise<number> {
  const { ui, nemo, ids, signal } = ctx;
  checkId(sessionId, '<session>');
  ids.sessionId = sessionId;
  ui.status('Reading the session');
  const state = await nemo.state.latest(sessionId, { signal });
  ui.stopStatus();
  const { draft } = state;
  const summary = summarizeTimeline(draft);
  const counts = {
    tracks: draft?.tracks.length ?? 0,
    segments: draft?.tracks.reduce((n, track) => n + track.segments.length, 0) ?? 0,
    uploads: state.videoInfos.length,
    generated: state.generatedMedia.length,
  };
  const exportable = isExportable(draft);
  ui.json({ result: { sessionId: state.sessionId, taskId: state.taskId, summary, durationMs: draft?.durationMs ?? 0, exportable, ...counts } });
  const { style } = ui;
  ui.print(style.bold(summary));
  ui.print(
    `${counts.tracks} track${counts.tracks === 1 ? '' : 's'}, ${counts.segments} segment${counts.segments === 1 ? '' : 's'}, ` +
      `${((draft?.durationMs ?? 0) / 1000).toFixed(1).replace(/\.0$/, '')}s · ${counts.uploads} uploaded, ${counts.generated} generated media`,
  );
  ui.print(exportable ? `Ready to export: nemovideo export ${sessionId} --out video.mp4` : style.dim('Nothing to export yet.'));
  return exitCodes.ok;
}
