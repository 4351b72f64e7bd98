/** Helpers of the reliability tests: loopback servers, unhandled-rejection watch, leak checks, in-process CLI runs. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';
import { main } from '../../src/cli/main.js';

export { isClean, leakCheck, type LeakCheck, type LeakCheckOptions, type Leaks } from './leak-check.js';

/** A node:http server on 127.0.0.1 (not msw: bytes really go through a socket). */
export async function loopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Collects unhandled rejections during each test of the file; `expectNone()` asserts there were none. */
export function watchUnhandled() {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => void seen.push(reason);
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', listener);
  });
  afterEach(() => void process.off('unhandledRejection', listener));
  return {
    seen,
    /** Waits for pending rejections to surface (two macrotasks), then asserts none came. */
    async expectNone() {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([]);
    },
  };
}

/** What an in-process CLI run printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `nemovideo <argv>` in process with string streams. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const out = { text: '', write: (s: string) => void (out.text += s), isTTY: false, columns: 100 };
  const err = { text: '', write: (s: string) => void (err.text += s), isTTY: false, columns: 100 };
  const code = await main(argv, { stdout: out, stderr: err, env, isTTY: false });
  return { code, stdout: out.text, stderr: err.text };
}

/** Why a promise rejected (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

