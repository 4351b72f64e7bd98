/**
 * Per-request overhead: N sequential `credits.balance()` calls against N bare `fetch` +
 * `JSON.parse` calls (same headers) to one loopback server. Run:
 * `npx tsx bench/request-overhead.bench.ts [N] [rounds]` (Node 24). Not part of the test suite.
 *
 * The calls run in a child process (plain `node` on an esbuild bundle of this file: the built SDK,
 * as users run it); rounds alternate SDK and bare after a warm-up, and medians are compared.
 * Target: SDK time ≤ 1.15× bare.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NemoVideo } from '../src/index.js';

const token = 'nmv_usr_bench0000';
const balancePath = '/api/credits/balance/simple';

async function child(url: string, n: number, rounds: number): Promise<void> {
  const nemo = new NemoVideo({ token, baseURL: url });
  const headers = { authorization: `Bearer ${token}`, 'x-skill-source': 'bench', 'x-skill-version': '0', 'x-skill-platform': 'unknown' };
  const variants: Record<string, () => Promise<unknown>> = {
    sdk: () => nemo.credits.balance(),
    bare: async () => {
      const res = await fetch(`${url}${balancePath}`, { headers });
      const body = JSON.parse(await res.text()) as { code: number; data: unknown };
      if (!res.ok || body.code !== 0) throw new Error('bad answer');
      return body.data;
    },
  };
  const time = async (call: () => Promise<unknown>, count: number) => {
    const started = performance.now();
    for (let i = 0; i < count; i++) await call();
    return performance.now() - started;
  };
  for (const call of Object.values(variants)) await time(call, 300); // warm-up: JIT, connections
  const ms: Record<string, number[]> = { sdk: [], bare: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? ['sdk', 'bare'] : ['bare', 'sdk']) ms[name]!.push(await time(variants[name]!, n));
  }
  process.send!(ms);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const rounds = Number(process.argv[3] ?? 5);
  const answer = JSON.stringify({ code: 0, data: { available: 80, frozen: 20, total: 100 } });
  const server = createServer((req, res) => {
    res.writeHead(req.url === balancePath ? 200 : 404, { 'content-type': 'application/json' });
    res.end(answer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-bench-'));
  try {
    const { build } = await import('esbuild');
    const script = join(dir, 'bench-child.mjs');
    await build({ entryPoints: [fileURLToPath(import.meta.url)], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: script, logLevel: 'error' });
    const proc = fork(script, ['child', url, String(n), String(rounds)], { execArgv: [] });
    const [ms] = (await once(proc, 'message')) as [Record<string, number[]>];
    await once(proc, 'exit');
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const sdk = median(ms.sdk!);
    const bare = median(ms.bare!);
    const ratio = sdk / bare;
    console.log(`${n} sequential JSON calls on loopback, ${rounds} rounds each (medians)`);
    console.log(`  bare fetch + JSON.parse  ${bare.toFixed(0).padStart(6)} ms  (${((bare * 1000) / n).toFixed(0)} µs/call)`);
    console.log(`  credits.balance()        ${sdk.toFixed(0).padStart(6)} ms  (${((sdk * 1000) / n).toFixed(0)} µs/call)`);
    console.log(`  ratio ${ratio.toFixed(2)}× (target ≤ 1.15×: ${ratio <= 1.15 ? 'met' : 'MISSED'})`);
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();
