import type { EmulatorFaults, EmulatorOptions, EmulatorTokenOptions } from './types.js';

/** Options with every default filled in. */
export interface ResolvedOptions {
  seed: number | string | undefined;
  latencyMs: number;
  generationMs: number;
  editMs: number;
  replyMs: number;
  secondStageMs: number;
  renderTimeMs: number;
  silentRate: number;
  temporaryIssueRate: number;
  heartbeatEveryMs: number;
  anonymousExport: boolean;
  initialCredits: number;
  sessionIdleMs: number;
  tokenTtlMs: number;
  anonymousTokensPerIp: number;
  maxUploadBytes: number;
  tokens: Record<string, EmulatorTokenOptions>;
  faults: EmulatorFaults;
  log: ((line: string) => void) | undefined;
}

/** Seven days, the lifetime of anonymous tokens and the window of their rate limits (docs/protocol.md › Error codes). */
export const sevenDaysMs = 7 * 24 * 60 * 60 * 1000;

/** 500 MB, the largest upload (docs/protocol.md › Endpoints). */
export const defaultMaxUploadBytes = 500 * 1024 * 1024;

/** Fills in defaults (see {@link EmulatorOptions} for each). */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return {
    seed: options.seed,
    latencyMs: options.latencyMs ?? 0,
    generationMs: options.generationMs ?? 1500,
    editMs: options.editMs ?? 500,
    replyMs: options.replyMs ?? 200,
    secondStageMs: options.secondStageMs ?? 1000,
    renderTimeMs: options.renderTimeMs ?? 2000,
    silentRate: options.silentRate ?? 0,
    temporaryIssueRate: options.temporaryIssueRate ?? 0,
    heartbeatEveryMs: options.heartbeatEveryMs ?? 1000,
    anonymousExport: options.anonymousExport ?? true,
    initialCredits: options.initialCredits ?? 500,
    sessionIdleMs: options.sessionIdleMs ?? 60 * 60 * 1000,
    tokenTtlMs: options.tokenTtlMs ?? sevenDaysMs,
    anonymousTokensPerIp: options.anonymousTokensPerIp ?? 10,
    maxUploadBytes: options.maxUploadBytes ?? defaultMaxUploadBytes,
    tokens: tokenSpecs(options.tokens),
    faults: options.faults ?? {},
    log: options.log,
  };
}

/** The given tokens by token: a list gives each one the defaults (a registered user with scope `*`). */
export function tokenSpecs(tokens: EmulatorOptions['tokens']): Record<string, EmulatorTokenOptions> {
  if (tokens === undefined) return {};
  if (!Array.isArray(tokens)) return { ...(tokens as Record<string, EmulatorTokenOptions>) };
  return Object.fromEntries((tokens as readonly string[]).map((token) => [token, {}]));
}
