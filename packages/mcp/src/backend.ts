/**
 * What every MCP session of one server process shares: the NemoVideo clients (one per
 * attribution platform, all on one identity), the poll timings, the jobs started here and the
 * log. Sessions of several MCP clients (Streamable HTTP) share it.
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NemoVideo, type Logger, type TokenStore } from 'nemovideo';
import { FileTokenStore } from 'nemovideo/node';
import { redactSecrets } from './redact.js';

/** How often state and renders are read, and how long the server waits. */
export interface Timing {
  /** Reading state until the draft settles (`generate`). */
  settle?: { intervalMs: number; maxPolls: number } | undefined;
  /** Polling a render. */
  render?: { intervalMs: number; maxPolls: number } | undefined;
  /** Reading state after a silent or cut stream. */
  recovery?: { firstDelayMs: number; intervalMs: number } | undefined;
}

/** A video job started by this server (`create_video`, `export_video`), kept for `get_video_status`. */
export interface Job {
  sessionId: string;
  taskId?: string | undefined;
  /** `running` until it ends; `cancelled` when the MCP client cancelled it (nothing re-sent). */
  status: 'running' | 'done' | 'failed' | 'cancelled';
  /** The last phase reached: session, chat, recovering, state, render, done. */
  phase: string;
  renderId?: string | undefined;
  renderProgress?: number | undefined;
  videoUrl?: string | undefined;
  claimUrl?: string | undefined;
  summary?: string | undefined;
  /** The guidance sentence of the error that ended it. */
  error?: string | undefined;
  updatedAt: number;
}

/** Options of {@link Backend}. */
export interface BackendOptions {
  /** API base (default: env `NEMO_API_URL`, else the production API). */
  baseURL?: string | undefined;
  /** Web app base for links (default: env `NEMO_WEB_URL`, else nemovideo.com). */
  webURL?: string | undefined;
  /** Bearer token (default: env `NEMO_TOKEN`, else the stored anonymous identity). */
  token?: string | undefined;
  /** Where the anonymous identity is kept. Default: a `FileTokenStore` in the config folder (its `hosts/<host>` subfolder for an API base other than production). */
  tokenStore?: TokenStore | undefined;
  /** The `fetch` of the clients (the in-process emulator's, for instance). */
  fetch?: typeof globalThis.fetch | undefined;
  /** Poll timings. Default: the SDK's documented cadences. */
  timing?: Timing | undefined;
  /** Interval of keep-alive progress notifications while a tool waits. Default 5 000 ms. */
  keepaliveMs?: number | undefined;
  /** Where log lines go (stderr by default; never stdout). */
  log?: ((level: 'debug' | 'info' | 'warning' | 'error', message: string) => void) | undefined;
  /** SDK request log (`DEBUG=nemovideo`). */
  debug?: boolean | undefined;
  /** Local paths `upload_media` may read besides the client's roots. */
  allowDirs?: readonly string[] | undefined;
  /** Whether this server runs against an emulator (said in results, so nobody mistakes a demo URL for a real video). */
  emulated?: boolean | undefined;
}

/** The config folder shared with the `nemovideo` CLI: env `NEMO_CONFIG_DIR`, else `~/.config/nemovideo`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NEMO_CONFIG_DIR) return env.NEMO_CONFIG_DIR;
  return join(env.HOME || env.USERPROFILE || homedir(), '.config', 'nemovideo');
}

/**
 * `X-Skill-Platform` for an MCP client: env `SKILL_SOURCE` wins, then a client whose name is
 * known to the backend's attribution (`cursor`, `clawhub`), else `unknown`.
 */
export function platformFor(clientName: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SKILL_SOURCE?.trim();
  if (fromEnv) return fromEnv;
  const name = (clientName ?? '').toLowerCase();
  if (name.includes('cursor')) return 'cursor';
  if (name.includes('clawhub')) return 'clawhub';
  return 'unknown';
}

/** The shared state of one server process. */
export class Backend {
  /** The options it was built with. */
  readonly options: BackendOptions;
  /** Poll timings (`{}`: the SDK's documented cadences). */
  readonly timing: Timing;
  /** Interval of keep-alive progress notifications. */
  readonly keepaliveMs: number;
  /** Where the anonymous identity is kept. */
  readonly tokenStore: TokenStore;
  readonly #clients = new Map<string, NemoVideo>();
  readonly #jobs = new Map<string, Job>();
  /** Aborts background jobs (`create_video` with `wait: false`) when the server stops. */
  readonly shutdown = new AbortController();

  constructor(options: BackendOptions = {}) {
    this.options = options;
    this.timing = options.timing ?? {};
    this.keepaliveMs = options.keepaliveMs ?? 5_000;
    this.tokenStore =
      options.tokenStore ??
      new FileTokenStore({ dir: configDir(), baseURL: options.baseURL ?? (process.env.NEMO_API_URL?.trim() || undefined), onError: (error) => this.log('warning', error.message) });
  }

  /** Writes a log line (secrets redacted) to the configured sink, stderr by default. */
  log(level: 'debug' | 'info' | 'warning' | 'error', message: string): void {
    const line = redactSecrets(message);
    if (this.options.log) this.options.log(level, line);
    else process.stderr.write(`[nemovideo-mcp] ${level}: ${line}\n`);
  }

  /** The client for an MCP client's attribution platform; all share one identity and store. */
  client(platform: string): NemoVideo {
    let nemo = this.#clients.get(platform);
    if (!nemo) {
      const logger: Logger = {
        debug: (m) => this.log('debug', m),
        info: (m) => this.log('info', m),
        warn: (m) => this.log('warning', m),
        error: (m) => this.log('error', m),
      };
      nemo = new NemoVideo({
        token: this.options.token,
        baseURL: this.options.baseURL,
        webURL: this.options.webURL,
        tokenStore: this.tokenStore,
        fetch: this.options.fetch,
        attribution: { platform },
        logger,
        logLevel: this.options.debug ? 'debug' : 'warn',
      });
      this.#clients.set(platform, nemo);
    }
    return nemo;
  }

  /** The job last started in a session, if this process started one. */
  job(sessionId: string): Job | undefined {
    const job = this.#jobs.get(sessionId);
    return job ? { ...job } : undefined;
  }

  /** Records (or updates) the job of a session. */
  track(sessionId: string, update: Partial<Job>): Job {
    const job: Job = { sessionId, status: 'running', phase: 'session', ...this.#jobs.get(sessionId), ...update, updatedAt: Date.now() };
    this.#jobs.set(sessionId, job);
    return job;
  }

  /** Session ids with a job in this process, newest first. */
  sessions(): string[] {
    return [...this.#jobs.values()].sort((a, b) => b.updatedAt - a.updatedAt).map((j) => j.sessionId);
  }
}
