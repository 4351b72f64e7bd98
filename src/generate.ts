/**
 * The whole job: session → message → stream → state → export, as a plain
 * async function over the client's resources. Nothing here ever re-sends the message.
 * @module
 */
import { InvalidArgumentError, ExportBlockedError, NemoVideoError, StreamInterruptedError, StreamTimeoutError } from './core/errors.js';
import { optionalPositive } from './core/args.js';
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

/** What {@link pollEvery} returns: `generate()` options for the three polling phases. */
export interface GeneratePolling {
  /** Settle reads of the state. */
  settle: { intervalMs: number; maxPolls: number };
  /** Render polls. */
  render: { intervalMs: number; maxPolls: number };
  /** Recovery reads after a silent or cut stream. */
  recovery: { firstDelayMs: number; intervalMs: number };
}

/**
 * `generate()` polling every `intervalMs` in each phase (settle reads, render polls, recovery),
 * for a service that answers faster than the documented cadence (a local emulator). The reads
 * still span about five minutes in all (at least 10 each): a shorter interval polls more often,
 * not for less long.
 *
 * @example
 * ```ts
 * const result = await nemo.generate('a coffee ad', pollEvery(500));
 * ```
 */
export function pollEvery(intervalMs: number): GeneratePolling {
  // `undefined` is refused too: this helper exists to set an interval.
  const ms = optionalPositive(intervalMs ?? Number.NaN, 'intervalMs')!;
  const maxPolls = Math.max(10, Math.ceil(300_000 / ms));
  return {
    settle: { intervalMs: ms, maxPolls },
    render: { intervalMs: ms, maxPolls },
    recovery: { firstDelayMs: ms, intervalMs: ms },
  };
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
  if (typeof prompt !== 'string' || !prompt.trim()) throw new InvalidArgumentError('prompt must be a non-empty string.');
  const { signal, onProgress, onEvent, chat: chatOptions, recovery, settle, render } = options;
  const request = { signal };
  const latest = (id: string) => deps.state.latest(id, request);

  let sessionId = options.sessionId;
  let taskId: string | undefined;
  let baseline: SessionState | null = null;
  if (sessionId === undefined) ({ sessionId, taskId } = await deps.sessions.create({ language: options.language ?? detectLanguage(prompt) }, request));
  else taskId = (baseline = await latest(sessionId)).taskId;
  const sid = sessionId;
  const progress = <P extends GenerateProgress['phase']>(phase: P, more?: Omit<Extract<GenerateProgress, { phase: P }>, 'phase' | 'sessionId'>) =>
    onProgress?.({ phase, sessionId: sid, ...more } as GenerateProgress);
  progress('session', { taskId });

  try {
    // The chat. A silent or cut stream is followed up by reading state, never by sending again.
    let chat: ChatResult;
    let recover: 'silent' | 'interrupted' | undefined;
    let cause: unknown;
    const stream = deps.chat.send(sid, prompt, {
      ...chatOptions,
      signal,
      onStillWorking: (info) => {
        chatOptions?.onStillWorking?.(info);
        progress('chat', { elapsedMs: info.elapsedMs });
      },
    });
    progress('chat');
    try {
      for await (const event of stream) {
        onEvent?.(event);
        if (event.type !== 'heartbeat') progress('chat', { event });
      }
      chat = await stream.finalResult();
      if (chat.silent) recover = 'silent';
    } catch (error) {
      if (!(error instanceof StreamInterruptedError || error instanceof StreamTimeoutError)) throw error;
      chat = error.partial;
      recover = 'interrupted';
      cause = error;
    }

    let state: SessionState | undefined;
    if (recover) {
      const recovered = await deps.chat.recover(sid, {
        ...recovery,
        ...(recover === 'silent' && { firstDelayMs: recovery?.firstDelayMs ?? 0 }),
        baseline,
        signal,
        onProgress: ({ polls }) => progress('recovering', { polls, reason: recover! }),
      });
      if (!recovered.changed && recover === 'interrupted') {
        throw new StreamInterruptedError(
          `The stream was cut and the draft did not change in ${recovered.polls} reads. Nothing was re-sent: check later with state.latest('${sid}').`,
          chat,
          { sessionId: sid, cause },
        );
      }
      state = recovered.state;
    }

    // Reads state until the draft is exportable and two reads in a row agree (the backend adds
    // music, title and effects in a second stage), within `settle.maxPolls` reads (at least one).
    state ??= await latest(sid);
    for (let polls = 1, previous; ; polls++) {
      const exportable = isExportable(state.draft);
      progress('state', { polls, exportable });
      const current = JSON.stringify(state.draft?.raw ?? null);
      if ((exportable && current === previous) || polls >= (settle?.maxPolls ?? 20)) break;
      previous = current;
      await sleep(nextPollMs(settle?.intervalMs, state.retryAfterMs, 15_000), signal);
      state = await latest(sid);
    }

    taskId ??= state.taskId;
    const result: GenerateResult = {
      sessionId: sid,
      taskId,
      text: chat.text,
      events: chat.events,
      state,
      summary: summarizeTimeline(state.draft),
      changes: diffTimelines(baseline?.draft, state.draft),
    };

    if (options.export !== false) {
      progress('render');
      try {
        const job = await deps.render.export(sid, {
          ...render,
          signal,
          onProgress: (job) => {
            render?.onProgress?.(job);
            progress('render', { renderId: job.id, progress: job.progress, status: job.status });
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
    progress('done');
    return result;
  } catch (error) {
    if (error instanceof NemoVideoError && error.sessionId === undefined) {
      Object.defineProperty(error, 'sessionId', { value: sid, enumerable: true });
    }
    throw error;
  }
}
