/**
 * Drives the built bin (`dist/bin.js`) with the official MCP client, over stdio or Streamable
 * HTTP, and records every message, notification and stderr line it produces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ListRootsRequestSchema, LoggingMessageNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Fails early with the fix when the package was not built. */
export function requireBuild(): void {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build -w nemovideo-mcp\` (after the root \`npm run build\`).`);
}

/** Emulator timings that make a whole job take a few seconds. */
export const fastEmulator = { replyMs: 100, generationMs: 1000, editMs: 300, secondStageMs: 300, renderTimeMs: 1500, heartbeatEveryMs: 250 };

export interface Connected {
  client: Client;
  /** Every JSON-RPC message the client received, as JSON text. */
  received: string[];
  /** Server stderr, as it came. */
  stderr: () => string;
  /** Logging notifications' data. */
  logs: string[];
  /** Transport or protocol errors the client saw (e.g. a non-JSON line on stdout). */
  errors: Error[];
  close(): Promise<void>;
}

export interface ConnectOptions {
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Client name sent in `initialize` (attribution). */
  name?: string;
  /** Roots the client declares (directories). */
  roots?: string[];
}

function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env };
  // Never the developer's identity or API: tests say what they use.
  for (const name of ['NEMO_TOKEN', 'NEMO_API_URL', 'NEMO_WEB_URL', 'NEMO_CLIENT_ID', 'SKILL_SOURCE', 'DEBUG']) delete env[name];
  env.NEMO_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'nemovideo-mcp-config-'));
  Object.assign(env, extra);
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

async function attach(client: Client, transport: Transport, roots: string[] | undefined, stderr: () => string): Promise<Connected> {
  const received: string[] = [];
  const logs: string[] = [];
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(String(n.params.data));
  });
  if (roots) {
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots.map((dir) => ({ uri: `file://${dir}`, name: dir })) }));
  }
  await client.connect(transport);
  const onmessage = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    received.push(JSON.stringify(message));
    onmessage(message, extra);
  };
  return { client, received, stderr, logs, errors, close: () => client.close() };
}

/** Spawns `nemovideo-mcp <args>` and connects the official client over stdio. */
export async function connectStdio(options: ConnectOptions = {}): Promise<Connected> {
  requireBuild();
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, ...(options.args ?? [])], env: baseEnv(options.env), stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const client = new Client({ name: options.name ?? 'nemovideo-mcp-test', version: '1.0.0' }, { capabilities: options.roots ? { roots: { listChanged: false } } : {} });
  return attach(client, transport, options.roots, () => err);
}

export interface HttpServer {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Spawns `nemovideo-mcp --http --port 0 <args>` and waits for its URL on stderr. */
export async function startHttp(args: string[] = [], env: Record<string, string | undefined> = {}): Promise<HttpServer> {
  requireBuild();
  const child = spawn(process.execPath, [bin, '--http', '--port', '0', ...args], { env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 15 s: ${err}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const match = /listening on (\S+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return {
    url,
    child,
    stderr: () => err + (out ? `\n[stdout] ${out}` : ''),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Connects the official client to a running HTTP server. */
export async function connectHttp(url: string, name = 'nemovideo-mcp-test'): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name, version: '1.0.0' });
  return attach(client, transport, undefined, () => '');
}

/** The text of a tool result. */
export function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** Calls a tool and records its progress notifications. */
export async function callWithProgress(c: Connected, name: string, args: Record<string, unknown>, signal?: AbortSignal) {
  const progress: { progress: number; message?: string | undefined; at: number }[] = [];
  const result = (await c.client.callTool({ name, arguments: args }, undefined, {
    signal,
    timeout: 120_000,
    resetTimeoutOnProgress: true,
    onprogress: (p) => progress.push({ progress: p.progress, message: p.message, at: Date.now() }),
  })) as CallToolResult;
  return { result, progress };
}

/** An MP4 starts with a `ftyp` box. */
export function isMp4(bytes: Uint8Array): boolean {
  return bytes.length > 12 && new TextDecoder().decode(bytes.subarray(4, 8)) === 'ftyp';
}
