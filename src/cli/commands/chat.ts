/**
 * `nemovideo chat <session> "<message>"`: one message, the agent's words as they come, and what
 * changed in the timeline when the answer is silent or the stream is cut (never re-sent).
 * @module
 */
import { describeChanges, StreamInterruptedError, StreamTimeoutError, summarizeTimeline, type ChatResult } from '../../index.js';
import type { Context } from '../context.js';
import { exitCodes, UsageError } from '../errors.js';
import { createChatView, stillWorking } from '../ui/chat-view.js';
import { checkId } from './shared.js';

/** Runs `chat`; resolves with the exit code. */
export async function chatCommand(ctx: Context, sessionId: string, message: string): Promise<number> {
  const { ui, nemo, ids, timing, signal } = ctx;
  checkId(sessionId, '<session>');
  if (message.trim() === '') throw new UsageError('<message> is empty: say what to change, e.g. nemovideo chat <session> "add a title".');
  ids.sessionId = sessionId;
  ui.status('Reading the session');
  // The baseline tells what the message changed; it also fails fast on an unknown session.
  const baseline = await nemo.state.latest(sessionId, { signal });
  const view = createChatView(ui, { live: ui.mode === 'tty' });
  ui.status('Agent thinking');
  const stream = nemo.chat.send(sessionId, message, {
    signal,
    partialText: ui.mode !== 'plain',
    onStillWorking: ({ elapsedMs }) => {
      ui.json({ progress: { phase: 'chat', sessionId, elapsedMs } });
      ui.status(stillWorking(ui, elapsedMs));
    },
  });
  let result: ChatResult;
  let cut: StreamInterruptedError | StreamTimeoutError | undefined;
  try {
    for await (const event of stream) view.event(event);
    result = await stream.finalResult();
  } catch (error) {
    if (!(error instanceof StreamInterruptedError || error instanceof StreamTimeoutError)) throw error;
    cut = error;
    result = error.partial;
  } finally {
    view.end();
  }

  let changes: string[] = [];
  let summary: string | undefined;
  if (result.silent || cut) {
    ui.note(cut ? `The stream stopped (${cut.message}) Nothing was re-sent; reading the session state.` : 'The agent answered without words; reading the session state.');
    const recovery = await nemo.chat.recover(sessionId, {
      baseline,
      ...timing.recovery,
      firstDelayMs: cut ? timing.recovery?.firstDelayMs : 0,
      signal,
      onProgress: ({ polls, changed }) => {
        ui.json({ progress: { phase: 'recovering', sessionId, polls, changed } });
        ui.status(`Reading the session state (read ${polls})`);
      },
    });
    ui.stopStatus();
    if (cut && !recovery.changed) throw cut; // exit 6 with the session id: look again later
    changes = recovery.changed && recovery.changes.length > 0 ? describeChanges(recovery.changes).split('\n') : [];
    summary = summarizeTimeline(recovery.state.draft);
  }
  ui.stopStatus();

  ui.json({
    result: {
      sessionId,
      text: result.text,
      silent: result.silent,
      interrupted: cut !== undefined,
      toolCalls: result.toolCalls.map((call) => call.name),
      changes,
      summary,
    },
  });
  if (result.text && !view.shownText) ui.print(result.text.trim());
  if (result.silent || cut) {
    if (changes.length > 0) for (const change of changes) ui.print(change);
    else ui.print('No change to the timeline yet.');
    if (summary) ui.print(ui.style.dim(summary));
  }
  return exitCodes.ok;
}
