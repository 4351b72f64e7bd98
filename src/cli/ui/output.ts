/**
 * One place that decides how a run talks: a spinner and bars on a terminal, plain lines when
 * piped, JSON lines with `--json`, almost nothing with `--quiet`. Results go to stdout, progress
 * and notes to stderr (JSON lines all go to stdout).
 * @module
 */
import { lineBar, silentBar, terminalBar, type Bar, type BarUnit } from './bars.js';
import { lineStatus, silentStatus, spinnerStatus, type Status } from './spinner.js';
import { createStyle, type Style } from './style.js';
import type { CliStream } from './types.js';

/** How output is shaped. */
export type OutputMode = 'tty' | 'plain' | 'json';

/** The output of one run. */
export interface Ui {
  readonly mode: OutputMode;
  readonly style: Style;
  /** A result line for people (stdout). Nothing in JSON mode. */
  print(line: string): void;
  /** Live text without a newline (stdout), e.g. the agent's words as they come. Nothing in JSON mode. */
  write(text: string): void;
  /** A progress note (stderr). Nothing in JSON or quiet mode. */
  note(line: string): void;
  /** A warning (stderr), also when quiet. In JSON mode a `{"warning": …}` line. */
  warn(line: string): void;
  /** The status line (spinner, or a plain line when it changes). */
  status(text: string): void;
  /** Removes the status line. */
  stopStatus(): void;
  /** A progress bar; stop it before the next one. */
  bar(label: string, unit: BarUnit): Bar;
  /** One JSON line (stdout), only in JSON mode. */
  json(line: Record<string, unknown>): void;
  /** Stops whatever is still drawing. */
  close(): void;
}

/** Options of {@link createUi}. */
export interface UiOptions {
  stdout: CliStream;
  stderr: CliStream;
  mode: OutputMode;
  quiet: boolean;
  color: boolean;
}

/** Makes the output of one run. */
export function createUi({ stdout, stderr, mode, quiet, color }: UiOptions): Ui {
  const style = createStyle(mode === 'tty' && color);
  const status: Status = mode === 'json' || quiet ? silentStatus : mode === 'tty' ? spinnerStatus(stderr, style, color) : lineStatus(stderr);
  const line = (stream: CliStream, text: string) => status.around(() => stream.write(`${text}\n`));
  let openBar: Bar | undefined;
  return {
    mode,
    style,
    print(text) {
      if (mode !== 'json') line(stdout, text);
    },
    write(text) {
      if (mode !== 'json') status.around(() => stdout.write(text));
    },
    note(text) {
      if (mode !== 'json' && !quiet) line(stderr, text);
    },
    warn(text) {
      if (mode === 'json') stdout.write(`${JSON.stringify({ warning: text })}\n`);
      else line(stderr, style.yellow(text));
    },
    status(text) {
      if (!openBar) status.set(text);
    },
    stopStatus() {
      status.stop();
    },
    bar(label, unit) {
      openBar?.stop();
      status.stop();
      if (mode === 'json' || quiet) return silentBar;
      const bar = mode === 'tty' ? terminalBar(stderr, label, unit) : lineBar(stderr, label, unit);
      const self: Bar = {
        update: (value, total) => bar.update(value, total),
        stop() {
          bar.stop();
          if (openBar === self) openBar = undefined;
        },
      };
      openBar = self;
      return self;
    },
    json(obj) {
      if (mode === 'json') stdout.write(`${JSON.stringify(obj)}\n`);
    },
    close() {
      openBar?.stop();
      status.stop();
    },
  };
}
