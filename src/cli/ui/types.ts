/**
 * What the CLI writes to and reads from: the process's streams and env in the bin, fakes in tests.
 * @module
 */

/** A stream the CLI writes to. `isTTY` and `columns` are read when present. */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** The world of one CLI run. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Environment variables (`NEMO_TOKEN`, `NEMO_API_URL`, `HOME`, `NO_COLOR`, `DEBUG`…). */
  env: Record<string, string | undefined>;
  /** Whether to draw progress (spinner, bars, colours). Default: `stdout.isTTY`. */
  isTTY?: boolean | undefined;
  /** Aborts the run (the bin aborts it on Ctrl-C): the command stops cleanly and exits 130. */
  signal?: AbortSignal | undefined;
}
