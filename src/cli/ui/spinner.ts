/**
 * The status line: a spinner with the elapsed time on a terminal, plain lines (only when the
 * text changes) elsewhere.
 * @module
 */
import type { Writable } from 'node:stream';
import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import { formatElapsed, type Style } from './style.js';
import type { CliStream } from './types.js';

/** A status line that can be paused while other output is written. */
export interface Status {
  /** Shows `text` (the spinner starts if it was not spinning). */
  set(text: string): void;
  /** Removes the line until the next `set`. */
  stop(): void;
  /** Runs `write` with the line out of the way, then puts it back. */
  around(write: () => void): void;
}

// SGR sequences (colours, bold, dim): `\u001b[36m`…; cursor moves and line clears are kept.
// eslint-disable-next-line no-control-regex
const sgr = /\u001b\[[\d;:]*m/g;

/**
 * The stream as yocto-spinner sees it, without colours: it paints its frame cyan whatever the
 * run asked (it decides from the process, not from `--no-color`), so the colour is taken out here.
 */
function uncoloured(stream: CliStream): CliStream {
  // A wrapper object, not a proxy: yocto-spinner replaces the `write` of the stream it is given
  // while it spins, and that must not reach the real stream.
  const tty = stream as CliStream & { cursorTo?: (...args: unknown[]) => unknown; moveCursor?: (...args: unknown[]) => unknown; clearLine?: (...args: unknown[]) => unknown };
  return {
    get isTTY() {
      return tty.isTTY;
    },
    get columns() {
      return tty.columns;
    },
    write: (chunk: string) => tty.write(typeof chunk === 'string' ? chunk.replace(sgr, '') : chunk),
    cursorTo: (...args: unknown[]) => tty.cursorTo?.(...args),
    moveCursor: (...args: unknown[]) => tty.moveCursor?.(...args),
    clearLine: (...args: unknown[]) => tty.clearLine?.(...args),
  } as CliStream;
}

/**
 * A spinner on `stream` (a terminal), its text followed by the time since it first started.
 * Without `color` (`--no-color`, `NO_COLOR`), the spinner is drawn without colours too.
 */
export function spinnerStatus(stream: CliStream, style: Style, color = true): Status {
  const target = color ? stream : uncoloured(stream);
  let spinner: Spinner | undefined;
  let text = '';
  let started: number | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const line = () => `${text}${started === undefined ? '' : style.dim(` ${formatElapsed(Date.now() - started)}`)}`;
  const start = () => {
    started ??= Date.now();
    // handleSignals: false — main owns SIGINT (abort, then the resume hint).
    spinner = yoctoSpinner({ text: line(), stream: target as unknown as Writable, handleSignals: false }).start();
    ticker = setInterval(() => {
      if (spinner) spinner.text = line();
    }, 1000);
    ticker.unref?.();
  };
  const stop = () => {
    clearInterval(ticker);
    ticker = undefined;
    spinner?.stop();
    spinner = undefined;
  };
  return {
    set(next) {
      text = next;
      if (spinner) spinner.text = line();
      else start();
    },
    stop,
    around(write) {
      if (!spinner) return write();
      stop();
      write();
      start();
    },
  };
}

/** Plain status lines on `stream`: one per change of text, no escape codes. */
export function lineStatus(stream: CliStream): Status {
  let last: string | undefined;
  return {
    set(text) {
      if (text === last) return;
      last = text;
      stream.write(`${text}\n`);
    },
    stop() {
      last = undefined;
    },
    around(write) {
      write();
    },
  };
}

/** A status that shows nothing (`--json`, `--quiet`). */
export const silentStatus: Status = { set() {}, stop() {}, around: (write) => write() };
