/**
 * The client: the core (options, tokens, transport) with every resource attached.
 * @module
 */
import { NemoVideoCore, type ClientOptions } from './core/client.js';
import { generate, type GenerateOptions, type GenerateResult } from './generate.js';
import { Auth } from './resources/auth.js';
import { Chat } from './resources/chat.js';
import { Credits } from './resources/credits.js';
import { Render } from './resources/render.js';
import { Uploads } from './resources/uploads.js';
import { Sessions } from './resources/sessions.js';
import { State } from './resources/state.js';

/**
 * The NemoVideo API client: {@link NemoVideoCore} with every resource and `generate()`.
 *
 * @example
 * ```ts
 * import { NemoVideo } from 'nemovideo';
 *
 * const nemo = new NemoVideo(); // anonymous token on first need
 * const { sessionId } = await nemo.sessions.create({ language: 'en' });
 * const { available } = await nemo.credits.balance();
 * ```
 */
export class NemoVideo extends NemoVideoCore {
  // `declare`: the constructor assigns them all, and a declared field emits no code.
  /** Anonymous tokens and claim links. */
  declare readonly auth: Auth;
  /** Sessions. */
  declare readonly sessions: Sessions;
  /** Credit balance. */
  declare readonly credits: Credits;
  /** Session state and drafts. */
  declare readonly state: State;
  /** Chat with the agent (SSE) and recovery through state. */
  declare readonly chat: Chat;
  /** Upload files or URLs into a session. */
  declare readonly uploads: Uploads;
  /** Render (export) drafts and download the video. */
  declare readonly render: Render;

  constructor(options: ClientOptions = {}) {
    super(options);
    this.auth = new Auth(this);
    this.sessions = new Sessions(this);
    this.credits = new Credits(this);
    this.state = new State(this);
    this.chat = new Chat(this);
    this.uploads = new Uploads(this);
    this.render = new Render(this);
  }

  /**
   * Runs the whole job: creates a session (or uses `sessionId`), sends the prompt, follows the
   * stream, falls back to state when the answer is silent or the stream was cut (never
   * re-sending), waits for the draft to be exportable and stable, exports, and returns the
   * result with the video URL and a claim link. Every failure carries `sessionId`.
   *
   * @example
   * ```ts
   * const nemo = new NemoVideo();
   * const result = await nemo.generate('a 30-second video about a coffee brand launch', {
   *   onProgress: (p) => console.log(p.phase),
   * });
   * console.log(result.summary, result.url);
   * ```
   */
  generate(prompt: string, options?: GenerateOptions): Promise<GenerateResult> {
    return generate(this, prompt, options);
  }
}
