/**
 * The whole job: session → message → stream → state → export, as a plain
 * async function over the client's resources. Nothing here ever re-sends the message.
 * @module
 */
import { InvalidArgumentError, ExportBlockedError, NemoVideoError, StreamInterruptedError, StreamTimeoutError } from './core/errors.js';
import { nextPollMs } from './core/retry.js';
import { sleep } from './core/sleep.js';
import type { ChatEvent, ChatResult } from './core/types.js';
import { diffTimelines, type TimelineChange } from './decoders/diff.js';
import { isExportable } from './decoders/draft.js';
import { detectLanguage } from './decoders/language.js';
import { summarizeTimeline } from './decoders/timeline.js';
import type { Auth } from './resources/auth.js';
import type { Chat, ChatRecoverOptions, ChatSendOptions } from './resources/chat.js';
import type { Render, RenderExportOptions, RenderJob } from './resources/render.js';
import type { Sessions } from './resources/sessions.js';
import type { SessionState } from './core/session-state.js';
import type { State } from './resources/state.js';

/** Where `generate()` is: `phase` plus what is known by then. */
export type GenerateProgress =
  | { phase: 'session'; sessionId: string; taskId: string | undefined }
  | { phase: 'chat'; sessionId: string; event?: ChatEvent | undefined; elapsedMs?: number | undefined }
  | { phase: 'recovering'; sessionId: string; polls: number; reason: 'silent' | 'interrupted' }
  | { phase: 'state'; sessionId: string; polls: number; exportable: boolean }
  | { phase: 'render'; sessionId: string; renderId?: string | undefined; progress?: number | undefined; status?: string | undefined }
  | { phase: 'done'; sessionId: string };

/** Options of `generate()`. */
export interface GenerateOptions {
  /** Use this session instead of creating one. */
  sessionId?: string | undefined;
  /** Session language (BCP 47). Default: detected from the prompt. */
  language?: string | undefined;
  /** Export when the draft is ready. Default true. */
  export?: boolean | undefined;
  /** Every chat event, live (partials and heartbeats included). */
  onEvent?: ((event: ChatEvent) => void) | undefined;
  /** Each phase as it starts or advances. */
  onProgress?: ((progress: GenerateProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Options of the chat stream (watchdogs, `partialText`). */
  chat?: Omit<ChatSendOptions, 'signal'> | undefined;
  /** Options of the recovery after a silent or cut stream (`chat.recover`). */
  recovery?: Omit<ChatRecoverOptions, 'baseline' | 'signal'> | undefined;
  /** Reading state until the draft is exportable and stops changing. Defaults: every 15 000 ms (sooner when the service's `Retry-After` says so), at most 20 reads. */
  settle?: { intervalMs?: number | undefined; maxPolls?: number | undefined } | undefined;
  /** Options of `render.export`. */
  render?: Omit<RenderExportOptions, 'signal'> | undefined;
}

/** What `generate()` returns. */
export interface GenerateResult {
  sessionId: string;
  taskId: string | undefined;
  /** The agent's final text ('' when it answered silently). */
  text: string;
  /** The whole chat events. */
  events: ChatEvent[];
  /** The settled state. */
  state: SessionState;
  /** `summarizeTimeline` of the settled draft. */
  summary: string;
  /** What the job changed in the timeline. */
  changes: TimelineChange[];
  /** The completed render, when exported. */
  render?: RenderJob | undefined;
  /** The video's URL, when exported. */
  url?: string | undefined;
  /** A browser link to the project (claim token, never the bearer token). */
  claimUrl?: string | undefined;
  /** Why there is no render although export was asked (e.g. `ExportBlockedError` for a free plan). */
  exportError?: NemoVideoError | undefined;
}

/** The resources `generate()` runs on. */
export interface GenerateDeps {
  auth: Pick<Auth, 'claimUrl'>;
  sessions: Pick<Sessions, 'create'>;
  chat: Pick<Chat, 'send' | 'recover'>;
  state: Pick<State, 'latest'>;
  render: Pick<Render, 'export'>;
}

/**
 * Runs the whole job. Every failure is a typed error carrying `sessionId` (and the render id
 * for render errors) so the caller can resume instead of paying again.
 */
export async function generate(deps: GenerateDeps, prompt: string, options: GenerateOptions = {}): Promise<GenerateResult> {
  if (typeof prompt !== 'string' || prompt.trim() === '') throw new InvalidArgumentError('prompt must be a non-empty string.');
  const { signal, onProgress } = options;
  const request = { signal };

  let sessionId = options.sessionId;
  let taskId: string | undefined;
  let baseline: SessionState | null = null;
  if (sessionId === undefined) {
    const session = await deps.sessions.create({ language: options.language ?? detectLanguage(prompt) }, request);
    ({ sessionId, taskId } = session);
  } else {
    baseline = await deps.state.latest(sessionId, request);
    taskId = baseline.taskId;
  }
  const sid = sessionId;
  onProgress?.({ phase: 'session', sessionId: sid, taskId });

  try {
    const chat = await followChat(deps, sid, prompt, options);
    let settled: SessionState | undefined;
    if (chat.recover) {
      const recovery = await deps.chat.recover(sid, {
        ...options.recovery,
        ...(chat.recover === 'silent' ? { firstDelayMs: options.recovery?.firstDelayMs ?? 0 } : {}),
        baseline,
        signal,
        onProgress: ({ polls }) => onProgress?.({ phase: 'recovering', sessionId: sid, polls, reason: chat.recover || 'interrupted' }),
      });
      if (!recovery.changed && chat.recover === 'interrupted') {
        throw new StreamInterruptedError(
          `The stream was cut and the session's draft did not change after ${recovery.polls} reads. Nothing was re-sent: look again later with state.latest('${sid}').`,
          chat.result,
          { sessionId: sid, cause: chat.error },
        );
      }
      settled = recovery.state;
    }

    const state = await settle(deps, sid, settled, options);
    taskId ??= state.taskId;
    const result: GenerateResult = {
      sessionId: sid,
      taskId,
      text: chat.result.text,
      events: chat.result.events,
      state,
      summary: summarizeTimeline(state.draft),
      changes: diffTimelines(baseline?.draft ?? null, state.draft),
    };

    if (options.export !== false) {
      onProgress?.({ phase: 'render', sessionId: sid });
      try {
        const job = await deps.render.export(sid, {
          ...options.render,
          signal,
          onProgress: (job) => {
            options.render?.onProgress?.(job);
            onProgress?.({ phase: 'render', sessionId: sid, renderId: job.id, progress: job.progress, status: job.status });
          },
        });
        result.render = job;
        result.url = job.output?.url;
      } catch (error) {
        // docs/protocol.md › Error codes: a blocked export still returns the session, summary and claim link.
        if (!(error instanceof ExportBlockedError)) throw error;
        result.exportError = error;
      }
    }
    if (taskId !== undefined) {
      result.claimUrl = await deps.auth.claimUrl({ taskId, sessionId: sid }, request).catch((error: unknown) => {
        if (signal?.aborted) throw signal.reason;
        return undefined; // a missing claim link must not fail a finished job
      });
    }
    onProgress?.({ phase: 'done', sessionId: sid });
    return result;
  } catch (error) {
    throw withSessionId(error, sid);
  }
}

interface ChatOutcome {
  result: ChatResult;
  recover: 'silent' | 'interrupted' | false;
  error?: unknown;
}

async function followChat(deps: GenerateDeps, sessionId: string, prompt: string, options: GenerateOptions): Promise<ChatOutcome> {
  const { onEvent, onProgress } = options;
  const stream = deps.chat.send(sessionId, prompt, {
    ...options.chat,
    signal: options.signal,
    onStillWorking: (info) => {
      options.chat?.onStillWorking?.(info);
      onProgress?.({ phase: 'chat', sessionId, elapsedMs: info.elapsedMs });
    },
  });
  onProgress?.({ phase: 'chat', sessionId });
  try {
    for await (const event of stream) {
      onEvent?.(event);
      if (event.type !== 'heartbeat') onProgress?.({ phase: 'chat', sessionId, event });
    }
    const result = await stream.finalResult();
    return { result, recover: result.silent ? 'silent' : false };
  } catch (error) {
    if (error instanceof StreamInterruptedError || error instanceof StreamTimeoutError) {
      return { result: error.partial, recover: 'interrupted', error };
    }
    throw error;
  }
}

// Reads state until the draft is exportable and two reads in a row agree (the backend adds
// music, title and effects in a second stage), within `settle.maxPolls` reads.
async function settle(deps: GenerateDeps, sessionId: string, first: SessionState | undefined, options: GenerateOptions): Promise<SessionState> {
  const intervalMs = options.settle?.intervalMs;
  const maxPolls = Math.max(1, options.settle?.maxPolls ?? 20);
  let previous: string | undefined;
  let state = first ?? (await deps.state.latest(sessionId, { signal: options.signal }));
  for (let polls = 1; ; polls++) {
    const exportable = isExportable(state.draft);
    options.onProgress?.({ phase: 'state', sessionId, polls, exportable });
    const current = JSON.stringify(state.draft?.raw ?? null);
    if ((exportable && current === previous) || polls >= maxPolls) return state;
    previous = current;
    await sleep(nextPollMs(intervalMs, state.retryAfterMs, 15_000), options.signal);
    state = await deps.state.latest(sessionId, { signal: options.signal });
  }
}

function withSessionId(error: unknown, sessionId: string): unknown {
  if (error instanceof NemoVideoError && error.sessionId === undefined) {
    Object.defineProperty(error, 'sessionId', { value: sessionId, enumerable: true });
  }
  return error;
}
