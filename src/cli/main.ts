/**
 * The `nemovideo` command line. {@link main} runs one command line in process (tests call it
 * with fake streams); run as the bin, this file calls it with the process's streams, aborts it
 * on Ctrl-C and sets `process.exitCode`.
 * @module
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError as CommanderInvalidArgument, Option } from 'commander';
import { VERSION } from '../version.js';
import { chatCommand } from './commands/chat.js';
import { creditsCommand } from './commands/credits.js';
import { emulatorCommand } from './commands/emulator.js';
import { exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { stateCommand } from './commands/state.js';
import { uploadCommand } from './commands/upload.js';
import { createContext, isDebug, type Context, type GlobalOptions } from './context.js';
import { errorJson, errorLine, exitCodeOf, exitCodes, interruptLine, isInterrupt } from './errors.js';
import type { CliIo } from './ui/types.js';

export type { CliIo, CliStream } from './ui/types.js';
export { exitCodes } from './errors.js';

// A whole number between `min` and `max`, for `--port` and `--poll-interval`.
const wholeNumber = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CommanderInvalidArgument(`expected a whole number from ${min} to ${max}.`);
  return n;
};

/** The command tree; `run` receives the chosen command's work once the line is parsed. */
function buildProgram(io: CliIo, run: (work: (ctx: Context) => Promise<number>, options: GlobalOptions) => void): Command {
  const program = new Command('nemovideo')
    .description('Make and edit videos with the NemoVideo agent from the command line.')
    .version(VERSION, '-v, --version', 'print the version')
    .option('--emulator', 'run against an in-process emulator (offline, fast, nothing is charged)')
    .option('--json', 'print one JSON object per line (events, progress, result, error) instead of progress')
    .option('--base-url <url>', 'API base URL (default: env NEMO_API_URL, else the NemoVideo API)')
    .option('--token <token>', 'bearer token (default: env NEMO_TOKEN, else the saved one, else a new anonymous one)')
    .option('-q, --quiet', 'print results and errors only')
    .option('--no-color', 'no colours (also: env NO_COLOR)')
    .addOption(new Option('--poll-interval <ms>', 'read state and render status every <ms> (default: the documented 15-60 s)').argParser(wholeNumber(1, 3_600_000)))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // Usage errors are printed by main, in the run's format (a line, or JSON).
      outputError: () => {},
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    });
  // Before the commands are added, which copy it: each command's help lists the global flags too.
  program.configureHelp({ showGlobalOptions: true });
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();

  program
    .command('generate')
    .description('make a video from a prompt: session, agent, timeline, render, download')
    .argument('<prompt>', 'what the video is about')
    .option('-o, --out <file>', 'download the MP4 to this file')
    .option('--language <bcp47>', 'session language (default: detected from the prompt)')
    .option('--no-export', 'stop at the timeline: no render')
    .action((prompt: string, options: { out?: string; language?: string; export: boolean }, command: Command) =>
      run((ctx) => generateCommand(ctx, prompt, options), globals(command)),
    );

  program
    .command('chat')
    .description("send one message to a session's agent and show its answer and what changed")
    .argument('<session>', 'session id')
    .argument('<message>', 'the message')
    .action((session: string, message: string, _options: unknown, command: Command) =>
      run((ctx) => chatCommand(ctx, session, message), globals(command)),
    );

  program
    .command('upload')
    .description('upload local files (streamed) and/or URLs into a session')
    .argument('<session>', 'session id')
    .argument('<inputs...>', 'file paths or http(s) URLs')
    .action((session: string, inputs: string[], _options: unknown, command: Command) =>
      run((ctx) => uploadCommand(ctx, session, inputs), globals(command)),
    );

  program
    .command('credits')
    .description('show the credit balance')
    .action((_options: unknown, command: Command) => run((ctx) => creditsCommand(ctx), globals(command)));

  program
    .command('state')
    .description("show a session's timeline and what it holds")
    .argument('<session>', 'session id')
    .action((session: string, _options: unknown, command: Command) => run((ctx) => stateCommand(ctx, session), globals(command)));

  program
    .command('export')
    .description("render a session's timeline and print the link (or download it)")
    .argument('<session>', 'session id')
    .option('-o, --out <file>', 'download the MP4 to this file')
    .option('--resume <renderId>', 'follow a render submitted earlier instead of submitting a new one (nothing is paid again)')
    .action((session: string, options: { out?: string; resume?: string }, command: Command) =>
      run((ctx) => exportCommand(ctx, session, options), globals(command)),
    );

  program
    .command('emulator')
    .description('serve the NemoVideo emulator over HTTP on 127.0.0.1 until Ctrl-C')
    .addOption(new Option('-p, --port <port>', 'port (0 picks a free one)').default(8787).argParser(wholeNumber(0, 65_535)))
    .option('--fast', 'the quick timings of --emulator (a whole generate in seconds)')
    .option('--seed <seed>', 'seed for ids and random choices (default: env NEMO_EMULATOR_SEED, else random)')
    .action((options: { port: number; fast?: boolean; seed?: string }, command: Command) =>
      run((ctx) => emulatorCommand(ctx, options), { ...globals(command), emulator: false }),
    );

  return program;
}

/**
 * Runs one `nemovideo` command line and resolves with its exit code (docs/cli.md › Exit codes):
 * 0 done, 1 other failure, 2 usage, 3 auth, 4 credits, 5 network, 6 stream, 7 render, 130
 * interrupted. It never throws and never exits the process; a known error prints one line (or
 * a `{"error"}` JSON line) with the ids needed to resume, never a stack unless `DEBUG=nemovideo`.
 *
 * @example
 * ```ts
 * const code = await main(['generate', 'a coffee ad', '--emulator', '--json'], { stdout, stderr, env: {} });
 * ```
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let chosen: { work: (ctx: Context) => Promise<number>; options: GlobalOptions } | undefined;
  const program = buildProgram(io, (work, options) => {
    chosen = { work, options };
  });
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return exitCodes.ok; // --help, --version
      if (error.code === 'commander.help') return exitCodes.usage; // no command: the help went to stderr
      const message = error.message.replace(/^error: /, '');
      // The help of the command typed, which lists its arguments and the global flags.
      const typed = argv.find((word) => program.commands.some((command) => command.name() === word));
      if (json) io.stdout.write(`${JSON.stringify({ error: { name: 'UsageError', message, code: error.code, exitCode: exitCodes.usage } })}\n`);
      else io.stderr.write(`Error: ${message}\nSee: nemovideo ${typed ? `${typed} ` : ''}--help\n`);
      return exitCodes.usage;
    }
    return report(error, io, undefined, json);
  }
  if (!chosen) {
    program.outputHelp();
    return exitCodes.usage;
  }
  let ctx: Context | undefined;
  try {
    ctx = createContext(io, chosen.options);
    return await chosen.work(ctx);
  } catch (error) {
    return report(error, io, ctx, chosen.options.json === true);
  } finally {
    ctx?.close();
  }
}

// Prints the failure (one line, or a JSON line) and picks the exit code.
function report(error: unknown, io: CliIo, ctx: Context | undefined, json: boolean): number {
  ctx?.ui.close();
  const ids = { ...ctx?.ids, ...ctx?.setup };
  if (isInterrupt(error, io.signal)) {
    const line = interruptLine(ids);
    if (json) io.stdout.write(`${JSON.stringify({ error: { name: 'Interrupted', message: line, sessionId: ids.sessionId, renderId: ids.renderId, exitCode: exitCodes.interrupted } })}\n`);
    else io.stderr.write(`\n${line}\n`);
    return exitCodes.interrupted;
  }
  const code = exitCodeOf(error);
  if (json) io.stdout.write(`${JSON.stringify(errorJson(error, ids, code))}\n`);
  else io.stderr.write(`${errorLine(error, ids)}\n`);
  if (isDebug(io.env) && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return code;
}

// The bin: the process's streams, Ctrl-C → abort (a second Ctrl-C exits at once), exitCode.
async function bin(): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(exitCodes.interrupted);
    controller.abort(new DOMException('Interrupted by the user', 'AbortError'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // A closed pipe (`nemovideo … | head`) is not an error worth a stack.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    signal: controller.signal,
  });
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
}

function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) void bin();
