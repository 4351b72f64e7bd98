/**
 * What every command runs with: the output, the client (on the real API, a URL, or an
 * in-process emulator), the run's signal and poll timings, and the ids known so far.
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { requireBaseURL } from '../core/args.js';
import { InvalidArgumentError, MemoryTokenStore, NemoVideo, pollEvery, type Logger } from '../index.js';
import { FileTokenStore } from '../node/index.js';
import { createEmulatorCore, type EmulatorCore } from '../testing/emulator/index.js';
import { fastEmulatorOptions, fastEmulatorPolling } from '../testing/emulator/fast.js';
import { UsageError, type RunIds, type RunSetup } from './errors.js';
import { createUi, type Ui } from './ui/output.js';
import type { CliIo } from './ui/types.js';

/** The global flags. */
export interface GlobalOptions {
  emulator?: boolean | undefined;
  json?: boolean | undefined;
  baseUrl?: string | undefined;
  token?: string | undefined;
  quiet?: boolean | undefined;
  color?: boolean | undefined;
  pollInterval?: number | undefined;
}

/** How often to read state and render status, and how long to wait. */
export interface Timing {
  settle?: { intervalMs: number; maxPolls: number } | undefined;
  render?: { intervalMs: number; maxPolls: number } | undefined;
  recovery?: { firstDelayMs: number; intervalMs: number; maxUnchanged?: number } | undefined;
}

/** What a command runs with. */
export interface Context {
  io: CliIo;
  ui: Ui;
  nemo: NemoVideo;
  signal: AbortSignal | undefined;
  ids: RunIds;
  timing: Timing;
  /** True when `--emulator` is on (URLs it prints only work inside this process). */
  emulated: boolean;
  /** How the run was set up, for the next-step hints of its errors. */
  setup: RunSetup;
  /** Ends open emulator streams. */
  close(): void;
}

/** `~/.config/nemovideo`, from the run's `HOME` (so tests can use a temporary one); `NEMO_CONFIG_DIR` overrides it. */
export function configDir(env: CliIo['env']): string {
  if (env.NEMO_CONFIG_DIR) return env.NEMO_CONFIG_DIR;
  return join(env.HOME || env.USERPROFILE || homedir(), '.config', 'nemovideo');
}

/** Whether `DEBUG` asks for the SDK's request log and stacks (`DEBUG=nemovideo`, `DEBUG=*`). */
export function isDebug(env: CliIo['env']): boolean {
  return (env.DEBUG ?? '').split(/[\s,]+/).some((name) => name === '*' || name === 'nemovideo' || name === 'nemovideo:*');
}

// A URL from the line or the environment, checked with the SDK's rule and named as the user typed
// it (a blank variable is unset). A bad one is a usage error, shown without credentials or query.
function cliURL(value: string | undefined, what: string): string | undefined {
  if (value === undefined || (what !== '--base-url' && value.trim() === '')) return undefined;
  try {
    return requireBaseURL(value.trim(), what);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(error.message);
    throw error;
  }
}

/** Builds the context of a command from the global flags. */
export function createContext(io: CliIo, options: GlobalOptions): Context {
  const { env } = io;
  const json = options.json === true;
  const tty = io.isTTY ?? io.stdout.isTTY === true;
  const ui = createUi({
    stdout: io.stdout,
    stderr: io.stderr,
    mode: json ? 'json' : tty ? 'tty' : 'plain',
    quiet: options.quiet === true,
    color: options.color !== false && env.NO_COLOR === undefined && env.TERM !== 'dumb',
  });
  let emulator: EmulatorCore | undefined;
  if (options.emulator) {
    if (options.baseUrl) throw new UsageError('--emulator and --base-url exclude each other: pick one.');
    // The in-process emulator accepts the run's own token, as the service would.
    const token = options.token ?? env.NEMO_TOKEN;
    emulator = createEmulatorCore({ ...fastEmulatorOptions, seed: env.NEMO_EMULATOR_SEED, tokens: token ? [token] : [] });
  }
  const logger: Logger = {
    debug: (message) => ui.note(message),
    info: (message) => ui.note(message),
    warn: (message) => ui.warn(message),
    error: (message) => ui.warn(message),
  };
  // Any origin reaches the in-process emulator; this one says so in the URLs it hands out.
  const baseURL = emulator ? 'http://emulator.invalid' : options.baseUrl !== undefined ? cliURL(options.baseUrl, '--base-url') : cliURL(env.NEMO_API_URL, 'NEMO_API_URL');
  // Emulator tokens must never replace the real ones on disk; another API base has its own folder.
  const tokenStore = emulator
    ? new MemoryTokenStore()
    : new FileTokenStore({ dir: configDir(env), baseURL, onError: (error) => ui.warn(`Warning: ${error.message}`) });
  const nemo = new NemoVideo({
    token: options.token ?? env.NEMO_TOKEN,
    clientId: env.NEMO_CLIENT_ID,
    baseURL,
    webURL: cliURL(env.NEMO_WEB_URL, 'NEMO_WEB_URL'),
    tokenStore,
    fetch: emulator?.fetch,
    logger,
    logLevel: isDebug(env) ? 'debug' : 'warn',
  });
  const timing = options.pollInterval !== undefined ? pollEvery(options.pollInterval) : emulator ? fastEmulatorPolling : {};
  return {
    io,
    ui,
    nemo,
    signal: io.signal,
    ids: {},
    timing,
    emulated: emulator !== undefined,
    setup: {
      emulated: emulator !== undefined,
      tokenFrom: options.token !== undefined ? 'flag' : env.NEMO_TOKEN ? 'env' : 'saved',
      configDir: tokenStore instanceof FileTokenStore ? tokenStore.dir : configDir(env),
      baseURL: nemo.baseURL,
    },
    close() {
      ui.close();
      emulator?.closeStreams(new Error('The command ended'));
    },
  };
}
