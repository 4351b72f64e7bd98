import type { IncomingMessage, ServerResponse } from 'node:http';
import { createEmulatorCore, type EmulatorCore } from './emulator.js';
import { tokenSpecs } from './options.js';
import type { EmulatorOptions } from './types.js';

/** Options of `startEmulator`: the emulator's, plus where to listen. */
export interface StartEmulatorOptions extends EmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
}

/** A listening emulator. */
export interface RunningEmulator<E extends EmulatorCore = EmulatorCore> {
  /** Base URL, e.g. `http://127.0.0.1:53122`: pass it as the client's `baseURL`. */
  url: string;
  /** Ends open streams, closes every connection and stops listening. */
  close(): Promise<void>;
  /** The emulator behind the server (`inspect()`, `reset()`). */
  emulator: E;
}

/** A request body as a web stream that pulls from Node only as fast as the handler reads. */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => controller.close());
        req.once('error', (error) => controller.error(error));
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        req.pause();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

async function bridge(emulator: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  res.once('close', () => {
    // The client went away before the answer was complete: abort the handler and its stream.
    if (!res.writableFinished) controller.abort(new DOMException('The client closed the connection', 'AbortError'));
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init = {
    method,
    headers,
    body: hasBody ? bodyOf(req) : undefined,
    duplex: 'half',
    signal: controller.signal,
  } as RequestInit;
  let response: Response;
  try {
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, init);
    response = await emulator.handle(request, { ip: req.socket.remoteAddress?.replace(/^::ffff:/, '') });
  } catch {
    res.destroy();
    return;
  }
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  // An answer given before the upload was read (4001, 4002, 1001…): do not read the rest of it.
  if (hasBody && !req.complete) outHeaders.connection = 'close';
  res.writeHead(response.status, outHeaders);
  if (!response.body || method === 'HEAD') {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      // One write per chunk: each SSE frame reaches the socket at once.
      if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
      if (res.destroyed) break;
    }
    res.end();
  } catch {
    // A cut stream (fault) or a server shutdown: end the connection abruptly, not cleanly.
    res.destroy();
  } finally {
    reader.releaseLock();
  }
}

// A variable specifier keeps bundlers for browsers (and tsup's neutral build) from resolving it.
const nodeHttp = 'node:http';

/** Serves an emulator over HTTP on 127.0.0.1 (Node only: loads `node:http` when called). */
export async function serveEmulator<E extends EmulatorCore>(
  emulator: E,
  options: { port?: number; host?: string } = {},
): Promise<RunningEmulator<E>> {
  const { createServer } = (await import(/* @vite-ignore */ nodeHttp)) as typeof import('node:http');
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => void bridge(emulator, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    emulator,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        emulator.closeStreams(new Error('The emulator was closed'));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Environment variables, as `process.env` holds them. */
export type Environment = Record<string, string | undefined>;

/**
 * Adds `NEMO_TOKEN` from the environment to the given tokens (a registered user with scope `*`,
 * unless `tokens` sets it up otherwise), so a client configured by that variable is accepted.
 */
export function withEnvironmentToken<O extends EmulatorOptions>(options: O, env: Environment | undefined): O {
  const token = env?.NEMO_TOKEN?.trim();
  if (!token) return options;
  return { ...options, tokens: { [token]: {}, ...tokenSpecs(options.tokens) } };
}

/** The process's environment, read when called (undefined outside Node). */
export function processEnvironment(): Environment | undefined {
  return (globalThis as { process?: { env?: Environment } }).process?.env;
}

/** Starts an emulator core on 127.0.0.1 (Node only) that also accepts `env.NEMO_TOKEN`; the CLI uses this. */
export async function startEmulatorCore(options: StartEmulatorOptions = {}, env = processEnvironment()): Promise<RunningEmulator> {
  const { port, host, ...rest } = options;
  return serveEmulator(createEmulatorCore(withEnvironmentToken(rest, env)), { port, host });
}
