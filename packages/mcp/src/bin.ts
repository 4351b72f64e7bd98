/**
 * `nemovideo-mcp`: the MCP server over stdio (default) or Streamable HTTP (`--http`). Nothing but
 * MCP messages goes to stdout; logs go to stderr.
 * @module
 */
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { MemoryTokenStore, pollEvery } from 'nemovideo';
import { Backend, type BackendOptions } from './backend.js';
import { addSecret, redactSecrets } from './redact.js';
import { createServer } from './server.js';
import { VERSION } from './version.js';

const help = `nemovideo-mcp ${VERSION}: make and edit videos with NemoVideo from any MCP client.

Usage: nemovideo-mcp [options]

  --http                 serve Streamable HTTP at /mcp instead of stdio
  --port <n>             HTTP port (default 3333; 0 picks a free one)
  --host <host>          HTTP interface (default 127.0.0.1)
  --allow-origin <url>   accept browser requests from this origin (repeatable; loopback origins always are)
  --allow-host <name>    accept this Host header (repeatable; for a non-loopback --host)
  --allow-dir <dir>      let upload_media read local files under this folder (repeatable; stdio only)
  --emulator             run against an in-process emulator: no account, no network, fast fake renders
                         (NEMO_TOKEN is ignored)
  --base-url <url>       API base (default: env NEMO_API_URL, else the production API)
  --poll-interval <ms>   how often to read state and renders (default: the documented cadences)
  --version, --help

Environment: NEMO_TOKEN (a token; default: an anonymous identity kept in ~/.config/nemovideo),
NEMO_CONFIG_DIR, NEMO_API_URL, NEMO_WEB_URL, SKILL_SOURCE, DEBUG=nemovideo.
Docs: https://github.com/nemovideo/nemovideo-js/blob/main/docs/mcp.md`;

function fail(message: string): never {
  process.stderr.write(`nemovideo-mcp: ${message}\nRun nemovideo-mcp --help for the options.\n`);
  process.exit(2);
}

function number(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}.`);
  return n;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        http: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        'allow-dir': { type: 'string', multiple: true },
        emulator: { type: 'boolean' },
        'base-url': { type: 'string' },
        'poll-interval': { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) {
    process.stdout.write(`${help}\n`);
    return;
  }
  if (flags.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (flags.emulator && flags['base-url']) fail('--emulator and --base-url exclude each other: pick one.');
  const port = number(flags.port, '--port', 0);
  const pollMs = number(flags['poll-interval'], '--poll-interval', 1);
  addSecret(process.env.NEMO_TOKEN);
  const debug = /(^|[\s,])(\*|nemovideo(:\*)?)($|[\s,])/.test(process.env.DEBUG ?? '');

  const options: BackendOptions = { baseURL: flags['base-url'], debug, allowDirs: flags['allow-dir'] ?? [] };
  let closeEmulator: (() => Promise<void>) | undefined;
  if (flags.emulator) {
    // Loaded only here: the emulator costs nothing to a server on the real API.
    // The emulator gets its own anonymous identity: a real token never goes to it.
    delete process.env.NEMO_TOKEN;
    const { startEmulator, fastEmulatorOptions, fastEmulatorPolling } = await import('nemovideo/testing');
    const emu = await startEmulator({ ...fastEmulatorOptions, seed: process.env.NEMO_EMULATOR_SEED });
    closeEmulator = () => emu.close();
    // Emulator tokens must never replace the real identity on disk.
    Object.assign(options, { baseURL: emu.url, tokenStore: new MemoryTokenStore(), timing: fastEmulatorPolling, emulated: true });
    process.stderr.write(`[nemovideo-mcp] emulator at ${emu.url}: offline demo, nothing leaves this machine; videos are sample files.\n`);
  }
  if (pollMs !== undefined) options.timing = pollEvery(pollMs);
  const backend = new Backend(options);

  let closeHttp: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    backend.shutdown.abort(new Error('The server is stopping'));
    await closeHttp?.().catch(() => {});
    await closeEmulator?.().catch(() => {});
    process.exit(code);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  if (flags.http) {
    const { serveHttp } = await import('./http.js');
    const running = await serveHttp(backend, { port: port ?? 3333, host: flags.host, allowedOrigins: flags['allow-origin'], allowedHosts: flags['allow-host'] });
    closeHttp = running.close;
    process.stderr.write(`[nemovideo-mcp] listening on ${running.url}\n`);
    return;
  }
  if (flags.host !== undefined || flags.port !== undefined) fail('--host and --port need --http.');
  const server = createServer({ backend, localPaths: true });
  // The client closing stdin ends the session: stop, or the emulator would keep the process alive.
  process.stdin.once('end', () => void stop());
  process.stdin.once('close', () => void stop());
  await server.connect(new StdioServerTransport());
}

main().catch((error: unknown) => {
  process.stderr.write(`nemovideo-mcp: ${redactSecrets((error as Error)?.message ?? String(error))}\n`);
  process.exit(1);
});
