/**
 * nemovideo-mcp against a minimal MCP server built on the same official SDK (one tool with a zod
 * schema, stdio), in the same run: time from spawn to the `tools/list` answer, and the server's
 * resident memory once idle. Run: `npx tsx bench/mcp.bench.ts [rounds] [--quick]` after
 * `npm run build` and `npm run build -w nemovideo-mcp`. Not a test.
 *
 * Each round spawns both servers in a rotated order with the official `Client` over
 * `StdioClientTransport`, times spawn → `initialize` → `tools/list` answered, then waits 1 s with
 * the server idle and reads its RSS from /proc (Linux). Figures are medians over the rounds.
 * nemovideo-mcp runs on the real API settings (no `--emulator`); listing tools sends no request.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { args, fmt, median, quick, report, type BenchRow } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(args[0] ?? (quick ? 5 : 15));
const ours = join(root, 'packages/mcp/dist/bin.js');

// The baseline lives under the repository so it resolves the same SDK from node_modules.
const minimal = join(root, '.tmp/bench-mcp-minimal-server.mjs');
mkdirSync(join(root, '.tmp'), { recursive: true });
writeFileSync(
  minimal,
  `import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';
const server = new McpServer({ name: 'minimal', version: '1.0.0' });
server.registerTool('echo', { description: 'Echoes a text.', inputSchema: { text: z.string() }, outputSchema: { text: z.string() } },
  async ({ text }) => ({ structuredContent: { text }, content: [{ type: 'text', text }] }));
await server.connect(new StdioServerTransport());
`,
);

const servers: Record<string, string[]> = { 'nemovideo-mcp': [ours], 'minimal SDK server': [minimal] };

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function once(name: string): Promise<{ ms: number; rss: number; tools: number }> {
  const env = { ...process.env, NEMO_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'nemovideo-mcp-bench-')), NEMO_API_URL: 'http://127.0.0.1:9' } as Record<string, string>;
  delete env.NEMO_TOKEN;
  const started = performance.now();
  const transport = new StdioClientTransport({ command: process.execPath, args: servers[name]!, env, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, 1_000));
    return { ms, rss: rssMB(transport.pid!), tools: tools.length };
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const names = Object.keys(servers);
  for (const name of names) await once(name); // warm the file system cache
  const ms = new Map<string, number[]>(names.map((n) => [n, []]));
  const rss = new Map<string, number[]>(names.map((n) => [n, []]));
  let toolCount = 0;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      const r = await once(name);
      ms.get(name)!.push(r.ms);
      rss.get(name)!.push(r.rss);
      if (name === 'nemovideo-mcp') toolCount = r.tools;
    }
    process.stdout.write(`round ${round + 1}/${rounds}\n`);
  }
  const [ourMs, baseMs] = names.map((n) => median(ms.get(n)!)) as [number, number];
  const [ourRss, baseRss] = names.map((n) => median(rss.get(n)!)) as [number, number];
  const rows: BenchRow[] = [
    {
      metric: `MCP server: spawn → tools/list answered (stdio, ${toolCount} tools)`,
      nemovideo: `${fmt(ourMs, 0)} ms`,
      baseline: `${fmt(baseMs, 0)} ms (minimal server, same SDK)`,
      ratio: ourMs / baseMs,
      target: '≤ 1.50×',
      met: ourMs / baseMs <= 1.5,
    },
    {
      metric: 'MCP server: idle RSS after tools/list',
      nemovideo: `${fmt(ourRss, 1)} MB`,
      baseline: `${fmt(baseRss, 1)} MB (minimal server, same SDK)`,
      ratio: ourRss / baseRss,
      target: '≤ 1.50×',
      met: ourRss / baseRss <= 1.5,
    },
  ];
  report({
    bench: 'mcp',
    setup: `${rounds} rounds, each spawning both servers (rotated order) with the official client over stdio; medians`,
    rows,
    details: { ms: Object.fromEntries(ms), rssMB: Object.fromEntries(rss) },
  });
}

await main();
