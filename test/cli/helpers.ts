import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliStream } from '../../src/cli/main.js';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../src/testing/index.js';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** What one in-process run printed and returned. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (with `--json`). */
  lines: Record<string, unknown>[];
}

/** A writable that keeps what is written; a terminal when `tty` (with the cursor methods spinners use). */
export function captureStream(tty = false): CliStream & { text: string } {
  const stream = {
    text: '',
    isTTY: tty,
    columns: 100,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
    cursorTo(x: number) {
      stream.text += `\u001b[${x + 1}G`;
      return true;
    },
    moveCursor(dx: number, dy: number) {
      stream.text += `\u001b[${dy}A`;
      void dx;
      return true;
    },
    clearLine() {
      stream.text += '\u001b[2K';
      return true;
    },
  };
  return stream;
}

/** Runs `nemovideo <argv>` in process with a temporary HOME (or `env.HOME`). */
export async function run(
  argv: string[],
  options: { env?: Record<string, string | undefined>; signal?: AbortSignal; tty?: boolean; onStdout?: (text: string) => void } = {},
): Promise<Run> {
  const stdout = captureStream(options.tty);
  const stderr = captureStream(options.tty);
  if (options.onStdout) {
    const write = stdout.write;
    stdout.write = (chunk: string) => {
      const result = write(chunk);
      options.onStdout?.(chunk);
      return result;
    };
  }
  const code = await main(argv, { stdout, stderr, env: { HOME: home, ...options.env }, isTTY: options.tty ?? false, signal: options.signal });
  const lines = stdout.text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout: stdout.text, stderr: stderr.text, lines };
}

let home = tmpdir();

/** A fresh temporary HOME for the runs of a test file; returns it and a cleanup. */
export async function useTempHome(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-cli-'));
  home = dir;
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Quick emulator timings for `startEmulator` (like the CLI's `--emulator`). */
export const fast: StartEmulatorOptions = { replyMs: 50, generationMs: 400, editMs: 150, secondStageMs: 150, renderTimeMs: 400, heartbeatEveryMs: 100 };

/** Starts an HTTP emulator on loopback with quick timings. */
export function serve(options: StartEmulatorOptions = {}) {
  return startEmulator({ seed: 1, ...fast, ...options });
}

/** The `{"result": …}` object of a `--json` run. */
export function resultOf(r: Run): Record<string, unknown> {
  const line = r.lines.find((l) => 'result' in l);
  if (!line) throw new Error(`no result line in:\n${r.stdout}\n${r.stderr}`);
  return line.result as Record<string, unknown>;
}

/** The `{"error": …}` object of a `--json` run. */
export function errorOf(r: Run): Record<string, unknown> {
  const line = r.lines.find((l) => 'error' in l);
  if (!line) throw new Error(`no error line in:\n${r.stdout}\n${r.stderr}`);
  return line.error as Record<string, unknown>;
}

// eslint-disable-next-line no-control-regex
export const ansi = /\u001b\[/;

/**
 * The setup the CLI test files share: a temporary HOME for the file's runs, and the HTTP emulator
 * a test starts (`cli.server = await serve()`), closed after each test.
 */
export function useCliServer(): { home: string; server: RunningEmulator | undefined } {
  const state: { home: string; server: RunningEmulator | undefined } = { home: '', server: undefined };
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ dir: state.home, cleanup } = await useTempHome());
  });
  afterEach(async () => {
    await state.server?.close();
    state.server = undefined;
  });
  afterAll(() => cleanup?.());
  return state;
}
